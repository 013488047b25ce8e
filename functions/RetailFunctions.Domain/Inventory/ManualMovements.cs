namespace RetailFunctions.Domain.Inventory;

/// <summary>Roles that may move stock by hand. In local mode they come from a request header; in Azure from app roles.</summary>
public static class InventoryRoles
{
    public const string StoreAssociate = "store-associate";
    public const string StoreManager = "store-manager";
    public const string InventoryManager = "inventory-manager";
}

/// <summary>The manual movements people record, and who may record each.</summary>
public static class ManualMovements
{
    public const string Receipt = "receipt";
    public const string TransferShip = "transfer-ship";
    public const string TransferReceive = "transfer-receive";
    public const string CycleCount = "cycle-count";
    public const string Damage = "damage";
    public const string Adjustment = "adjustment";

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [Receipt] = [InventoryRoles.StoreAssociate, InventoryRoles.StoreManager, InventoryRoles.InventoryManager],
        [TransferShip] = [InventoryRoles.StoreManager, InventoryRoles.InventoryManager],
        [TransferReceive] = [InventoryRoles.StoreAssociate, InventoryRoles.StoreManager, InventoryRoles.InventoryManager],
        [CycleCount] = [InventoryRoles.StoreAssociate, InventoryRoles.StoreManager, InventoryRoles.InventoryManager],
        [Damage] = [InventoryRoles.StoreManager, InventoryRoles.InventoryManager],
        [Adjustment] = [InventoryRoles.InventoryManager],
    };

    public static IReadOnlyCollection<string> Kinds => Allowed.Keys;

    public static IReadOnlyList<string> RolesFor(string kind) => Allowed.TryGetValue(kind, out var roles) ? roles : [];

    /// <summary>Why the role may not record this kind of movement, or null when it may.</summary>
    public static string? PermissionRefusal(string kind, string? role) =>
        !Allowed.TryGetValue(kind, out var roles) ? $"unknown movement kind '{kind}'; one of {string.Join(", ", Allowed.Keys)}"
        : string.IsNullOrEmpty(role) ? $"a {kind} needs a role; allowed: {string.Join(", ", roles)}"
        : roles.Contains(role, StringComparer.Ordinal) ? null
        : $"role '{role}' may not record a {kind}; allowed: {string.Join(", ", roles)}";

    /// <summary>The ledger command for a permitted manual movement.</summary>
    public static InventoryCommand ToCommand(string kind, string sku, string location, string? otherLocation, decimal quantity,
        string idempotencyKey, string actor, string reason, DateTimeOffset at)
    {
        InventoryCommand Record(MovementKind movement) => new InventoryCommand.RecordMovement(
            new StockMovement(sku, location, movement, quantity, idempotencyKey, actor, reason, $"manual:{kind}", at));
        return kind switch
        {
            Receipt => Record(MovementKind.Receipt),
            CycleCount => Record(MovementKind.CycleCount),
            Damage => Record(MovementKind.Damage),
            Adjustment => Record(MovementKind.Adjustment),
            TransferShip => new InventoryCommand.ShipTransfer(sku, location, otherLocation!, quantity, idempotencyKey, actor, reason, at),
            TransferReceive => new InventoryCommand.ReceiveTransfer(sku, otherLocation!, location, quantity, idempotencyKey, actor, reason, at),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown movement kind"),
        };
    }
}

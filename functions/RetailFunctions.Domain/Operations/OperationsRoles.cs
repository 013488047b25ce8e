namespace RetailFunctions.Domain.Operations;

/// <summary>
/// Which owners' exceptions a role may see and move. An operator works every owner's queue and the dead letters;
/// the others work only their own team's. A caller that names no role is a trusted tool holding the function key
/// (the CLI, scripts) and keeps full access; with Entra ID every caller has a role.
/// </summary>
public static class OperationsRoles
{
    public const string Operator = "operator";
    public const string InventoryManager = "inventory-manager";
    public const string StoreManager = "store-manager";
    public const string Finance = "finance";
    public const string Crm = "crm";

    public static IReadOnlyList<string> AllOwners { get; } = [Owners.Inventory, Owners.Finance, Owners.Crm, Owners.Ops];

    /// <summary>The owners whose exceptions the role answers for; none for a role with no part in operations.</summary>
    public static IReadOnlyList<string> OwnersFor(string? role) => role switch
    {
        null or Operator => AllOwners,
        InventoryManager or StoreManager => [Owners.Inventory],
        Finance => [Owners.Finance],
        Crm => [Owners.Crm],
        _ => [],
    };

    /// <summary>Why the role may not see or move this owner's exceptions, or null when it may.</summary>
    public static string? ExceptionRefusal(string? role, string owner) =>
        OwnersFor(role).Contains(owner, StringComparer.Ordinal) ? null
        : OwnersFor(role) is { Count: > 0 } owners
            ? $"role '{role}' may not work {owner} exceptions; it answers for {string.Join(", ", owners)}"
            : $"role '{role}' may not work exceptions; roles that may: {Operator}, {InventoryManager}, {StoreManager}, {Finance}, {Crm}";

    /// <summary>Why the role may not list or replay dead letters (they carry any team's messages), or null when it may.</summary>
    public static string? DeadLetterRefusal(string? role) =>
        role is null or Operator ? null : $"role '{role}' may not list or replay dead letters; only {Operator} may";

    /// <summary>
    /// Why the role may not replay archived webhooks or till batches, or null when it may. A replay drives stock and
    /// orders again, so it belongs to those who fix what made them fail: the operator and the inventory roles (who
    /// map the SKUs and stores a replay waits for).
    /// </summary>
    public static string? ReplayRefusal(string? role) =>
        role is null or Operator or InventoryManager or StoreManager ? null
        : $"role '{role}' may not replay archived input; roles that may: {Operator}, {InventoryManager}, {StoreManager}";
}

using RetailFunctions.Domain.Inventory;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>
/// The rows a group of one SKU's commands names: the locations it names (a reservation's own location is read with it),
/// the reservations, and the idempotency keys of the commands that name no reservation. A command on a reservation
/// writes the reservation row with its idempotency row, so the reservation as read already tells whether it was
/// applied (its idempotency row is still added by the write, and a repeat racing it fails there).
/// </summary>
public sealed record StockKey(string Sku, IReadOnlyList<string> Locations, IReadOnlyList<string> Reservations, IReadOnlyList<string> Applied)
{
    public static StockKey Of(string sku, IEnumerable<InventoryCommand> commands)
    {
        var list = commands.ToList();
        return new(sku,
            [.. list.SelectMany(NamedLocations).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal)],
            [.. list.Select(ReservationOf).OfType<string>().Distinct(StringComparer.Ordinal)],
            [.. list.Where(c => ReservationOf(c) is null).Select(c => c.IdempotencyKey).Distinct(StringComparer.Ordinal)]);
    }

    public static string? ReservationOf(InventoryCommand command) => command switch
    {
        InventoryCommand.Reserve c => c.ReservationId,
        InventoryCommand.Release c => c.ReservationId,
        InventoryCommand.Consume c => c.ReservationId,
        InventoryCommand.Expire c => c.ReservationId,
        _ => null,
    };

    /// <summary>The locations a command names itself; a consume's fallback is its reservation's location as a rule.</summary>
    private static IEnumerable<string> NamedLocations(InventoryCommand command) => command switch
    {
        InventoryCommand.RecordMovement c => [c.Movement.Location],
        InventoryCommand.ShipTransfer c => [c.From, c.To],
        InventoryCommand.ReceiveTransfer c => [c.To],
        InventoryCommand.Reserve c => [c.Location],
        InventoryCommand.Consume { FallbackLocation: { } fallback } => [fallback],
        _ => [],
    };
}

/// <summary>A location's rows as read: the level and the policy with their tags, and how far channel pushes have caught up.</summary>
public sealed record StockLocationRows(
    StockLevel? Level, string? LevelTag, StockPolicy Policy, string? PolicyTag, long PushedVersion, decimal? LastPushedAvailable, DateTimeOffset? PushedAt)
{
    public static StockLocationRows Empty { get; } = new(null, null, StockPolicy.None, null, 0, null, null);

    /// <summary>No push is owed: the channels have the level's version (or there is no level yet).</summary>
    public bool Clean => PushedVersion >= (Level?.Version ?? 0);
}

/// <summary>A reservation row as read, with its tag.</summary>
public sealed record StockReservationRow(Reservation Reservation, string Tag);

/// <summary>
/// One SKU's slice: the named locations, the named reservations (null: no row) and the named idempotency keys (the
/// summary of the command that applied it, null: not applied).
/// </summary>
public sealed record StockRows(
    string Sku,
    IReadOnlyDictionary<string, StockLocationRows> Locations,
    IReadOnlyDictionary<string, StockReservationRow?> Reservations,
    IReadOnlyDictionary<string, string?> Applied)
{
    public StockLocationRows Location(string location) => Locations.GetValueOrDefault(location) ?? StockLocationRows.Empty;

    /// <summary>
    /// These rows (what a write returned) as the slice of <paramref name="key"/>, or null when they lack a row the key
    /// needs read: a location, or a reservation a command other than a reserve names. Idempotency keys and the
    /// reservation a reserve creates are taken as absent: the write adds them, and fails if they exist after all.
    /// </summary>
    public StockRows? AsSliceOf(StockKey key, IReadOnlyList<InventoryCommand> commands)
    {
        var reservations = new Dictionary<string, StockReservationRow?>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            if (StockKey.ReservationOf(command) is not { } id || reservations.ContainsKey(id)) continue;
            if (Reservations.GetValueOrDefault(id) is { } held) reservations[id] = held;
            else if (command is InventoryCommand.Reserve) reservations[id] = null;
            else return null;
        }
        var locations = key.Locations.Concat(reservations.Values.OfType<StockReservationRow>().Select(r => r.Reservation.Location))
            .Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (locations.Any(l => !Locations.ContainsKey(l))) return null;
        return new(Sku, locations.ToDictionary(l => l, l => Locations[l], StringComparer.Ordinal), reservations,
            key.Applied.ToDictionary(k => k, _ => (string?)null, StringComparer.Ordinal));
    }
}

/// <summary>A movement to append, with the level it left (its sequence is the level's version).</summary>
public sealed record StockMovementRow(StockMovement Movement, StockLevel After);

/// <summary>A command's idempotency row: it was applied, with this summary.</summary>
public sealed record StockAppliedRow(string IdempotencyKey, string Summary, DateTimeOffset At);

/// <summary>
/// What a group's decisions write, in one entity-group transaction checked against the slice's tags: the final level
/// of each touched location, the movements, the final reservations, the idempotency rows, the outboxes that now owe a
/// push (marked dirty), the outboxes whose channels already have the figure the group leaves (marked pushed at the new
/// version), and the policies reservations were judged against (checked unchanged, or still absent).
/// </summary>
public sealed record StockChange(
    IReadOnlyList<StockLevel> Levels,
    IReadOnlyList<StockMovementRow> Movements,
    IReadOnlyList<Reservation> Reservations,
    IReadOnlyList<StockAppliedRow> Applied,
    IReadOnlyList<string> Dirty,
    DateTimeOffset DirtySince,
    IReadOnlyList<string> PoliciesChecked,
    IReadOnlyList<StockLevel> StillPushed)
{
    /// <summary>An entity-group transaction holds at most this many rows.</summary>
    public const int MaxRows = 100;
}

namespace RetailFunctions.Domain.Inventory;

/// <summary>
/// Several commands of one SKU decided together against one loaded state (a group commit): each is decided by
/// <see cref="InventoryDecider"/> on the state the ones before it left, exactly as if they had run one after another,
/// so the whole group can be written at once. A command whose idempotency key an earlier applied command of the group
/// had is a duplicate.
/// </summary>
public sealed class InventoryGroup(
    string sku,
    IReadOnlyDictionary<string, StockLevel> levels,
    IReadOnlyDictionary<string, StockPolicy> policies,
    IReadOnlyDictionary<string, Reservation?> reservations)
{
    private readonly Dictionary<string, StockLevel> _levels = new(levels, StringComparer.Ordinal);
    private readonly Dictionary<string, Reservation?> _reservations = new(reservations, StringComparer.Ordinal);
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    public string Sku => sku;

    /// <summary>The levels as the commands applied so far left them.</summary>
    public IReadOnlyDictionary<string, StockLevel> Levels => _levels;

    /// <summary>The reservations as the commands applied so far left them (null: known not to exist).</summary>
    public IReadOnlyDictionary<string, Reservation?> Reservations => _reservations;

    public bool IsDuplicate(InventoryCommand command) => _keys.Contains(command.IdempotencyKey);

    /// <summary>The command's decision on the current state; the state does not change until <see cref="Evolve"/>.</summary>
    public InventoryDecision Decide(InventoryCommand command, string? reservationId) =>
        InventoryDecider.Decide(command, new InventorySlice(_levels,
            reservationId is null ? null : _reservations.GetValueOrDefault(reservationId), policies));

    /// <summary>Takes an applied decision into the state the next command is decided on.</summary>
    public void Evolve(InventoryCommand command, InventoryDecision.Apply apply)
    {
        _keys.Add(command.IdempotencyKey);
        foreach (var level in apply.Levels) _levels[level.Location] = level;
        if (apply.Reservation is { } reservation) _reservations[reservation.ReservationId] = reservation;
    }
}

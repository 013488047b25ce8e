namespace RetailFunctions.Domain.Inventory;

/// <summary>Why stock moved. Each kind has a fixed sign, except adjustments and counts.</summary>
public enum MovementKind
{
    Sale,
    Return,
    ReturnDamaged,
    Cancellation,
    Receipt,
    TransferOut,
    TransferIn,
    CycleCount,
    Damage,
    Adjustment,
}

/// <summary>
/// One append-only entry of the stock ledger. Quantity is what the source said (always positive for sales,
/// returns, receipts, transfers and damage; the signed delta for adjustments; the counted quantity for counts).
/// The idempotency key makes re-delivery harmless: the ledger applies a key once.
/// </summary>
public sealed record StockMovement(
    string Sku,
    string Location,
    MovementKind Kind,
    decimal Quantity,
    string IdempotencyKey,
    string Actor,
    string Reason,
    string SourceEvent,
    DateTimeOffset OccurredAt,
    DateOnly? BusinessDay = null);

/// <summary>
/// Stock of one SKU at one location, as the sum of its movements. CountedAt is when the latest count was taken: a count
/// is a snapshot of that moment, so movements dated before it are already in it, whenever they arrive.
/// </summary>
public sealed record StockLevel(string Sku, string Location, decimal OnHand, decimal Reserved, decimal InTransit, long Version,
    DateTimeOffset? CountedAt = null)
{
    public static StockLevel Empty(string sku, string location) => new(sku, location, 0m, 0m, 0m, 0);

    /// <summary>What can still be promised; never shown below zero.</summary>
    public decimal Available => Math.Max(0m, OnHand - Reserved);
}

public static class StockLedger
{
    /// <summary>
    /// The change to on-hand a movement makes, given the level before it. A movement (or an older count) dated before
    /// the latest count changes nothing: the count already saw its effect.
    /// </summary>
    public static decimal OnHandDelta(StockLevel before, StockMovement movement) => CountedBefore(before, movement) ? 0m : movement.Kind switch
    {
        MovementKind.Sale or MovementKind.TransferOut or MovementKind.Damage => -movement.Quantity,
        MovementKind.Return or MovementKind.Cancellation or MovementKind.Receipt or MovementKind.TransferIn => movement.Quantity,
        // A damaged return comes back physically but not into sellable stock.
        MovementKind.ReturnDamaged => 0m,
        MovementKind.Adjustment => movement.Quantity,
        MovementKind.CycleCount => movement.Quantity - before.OnHand,
        _ => throw new ArgumentOutOfRangeException(nameof(movement), movement.Kind, "unknown movement kind"),
    };

    /// <summary>Validates a movement before it is written: the reasons a ledger refuses it, or none.</summary>
    public static string? Refusal(StockMovement movement) => movement switch
    {
        { Sku.Length: 0 } => "sku is required",
        { Location.Length: 0 } => "location is required",
        { IdempotencyKey.Length: 0 } => "idempotency key is required",
        { Kind: MovementKind.Adjustment, Quantity: 0m } => "an adjustment of zero changes nothing",
        { Kind: MovementKind.CycleCount, Quantity: < 0m } => "a counted quantity cannot be negative",
        { Kind: not (MovementKind.Adjustment or MovementKind.CycleCount), Quantity: <= 0m } =>
            $"a {movement.Kind} needs a positive quantity",
        _ => null,
    };

    public static StockLevel Apply(StockLevel before, StockMovement movement) => before with
    {
        OnHand = before.OnHand + OnHandDelta(before, movement),
        Version = before.Version + 1,
        CountedAt = movement.Kind == MovementKind.CycleCount && !CountedBefore(before, movement) ? movement.OccurredAt : before.CountedAt,
    };

    private static bool CountedBefore(StockLevel before, StockMovement movement) => before.CountedAt is { } counted && movement.OccurredAt < counted;
}

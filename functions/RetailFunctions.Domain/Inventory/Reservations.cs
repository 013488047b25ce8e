namespace RetailFunctions.Domain.Inventory;

public enum ReservationStatus
{
    Active,
    Released,
    Consumed,
    Expired,
}

/// <summary>
/// Stock held for an order line until it is fulfilled, cancelled or expires. A reservation row outlives its end, as a
/// tombstone, so a late or repeated command for it is recognised and changes nothing.
/// </summary>
public sealed record Reservation(
    string ReservationId,
    string Sku,
    string Location,
    string Channel,
    decimal Quantity,
    ReservationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    string Reference);

/// <summary>Per SKU and location: safety stock per channel, the reorder point, and who may sell below zero.</summary>
public sealed record StockPolicy(
    IReadOnlyDictionary<string, decimal> SafetyStock,
    decimal? ReorderPoint)
{
    public static StockPolicy None { get; } = new(new Dictionary<string, decimal>(), null);

    public decimal SafetyFor(string channel) => SafetyStock.TryGetValue(channel, out var safety) ? safety : 0m;
}

public static class Availability
{
    /// <summary>Available to promise on a channel: on hand - reserved - that channel's safety stock, never below zero.</summary>
    public static decimal ForChannel(StockLevel level, StockPolicy policy, string channel) =>
        Math.Max(0m, level.OnHand - level.Reserved - policy.SafetyFor(channel));
}

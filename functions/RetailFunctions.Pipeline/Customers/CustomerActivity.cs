using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// A purchase or a return, as any channel reports it, for the customer's history, lifetime value and points.
/// Net is the paid amount excluding tax and gift cards (for a return: the returned lines' net). The idempotency key
/// is one per event (e.g. <c>shopify:{shop}:order:{id}:purchase</c>, <c>pos:{receipt}:purchase</c>), so a redelivered
/// event changes nothing twice.
/// </summary>
public sealed record CustomerActivity(
    string IdempotencyKey,
    ActivityKind Kind,
    CustomerReference Customer,
    string OrderId,
    string Channel,
    string? Store,
    Money Net,
    DateTimeOffset OccurredAt,
    string? OriginalOrderId = null)
{
    /// <summary>The first field that makes the activity unusable, with why; null when it is complete.</summary>
    public (string Field, string Reason)? Problem() =>
        string.IsNullOrWhiteSpace(IdempotencyKey) ? ("idempotencyKey", "an activity needs an idempotency key")
        : string.IsNullOrWhiteSpace(OrderId) ? ("orderId", "an activity needs its order id")
        : string.IsNullOrWhiteSpace(Channel) ? ("channel", "an activity needs its channel")
        : string.IsNullOrWhiteSpace(Net.Currency) ? ("currency", "an amount needs its currency")
        : Net.Amount < 0m ? ("net", "the net amount cannot be negative")
        : Kind == ActivityKind.Return && string.IsNullOrWhiteSpace(OriginalOrderId) ? ("originalOrderId", "a return needs the original order id")
        : null;
}

/// <summary>
/// What became of an activity: whose it is (null when no identifier was usable), how it was matched, and the points
/// (no balance when the ledger was not consulted: no profile, or points the program cannot give in that currency).
/// </summary>
public sealed record ActivityResult(string? CustomerId, string Resolution, bool Recorded, long PointsDelta, long? Balance, string Loyalty);

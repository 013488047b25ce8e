namespace RetailFunctions.Domain.Reconciliation;

public static class SettlementSources
{
    public const string ShopifyPayments = "shopify-payments";
    public const string Stripe = "stripe";
}

/// <summary>
/// One line of a processor's statement (a Shopify Payments balance transaction, a Stripe balance transaction):
/// gross amount, fee and net in major units of the currency, signed as they affect the merchant's balance.
/// <see cref="PaymentKey"/> is the payment transaction it settles (Shopify: the order transaction id; Stripe: the
/// charge or refund id); payouts, adjustments, reserves and other lines have none and are kept, not matched.
/// </summary>
public sealed record SettlementLine(
    string Source,
    string Id,
    string Type,
    string? PaymentKey,
    string Store,
    decimal Amount,
    decimal Fee,
    decimal Net,
    string Currency,
    DateTimeOffset ProcessedAt,
    DateOnly? AvailableOn,
    string? PayoutId,
    string? PayoutStatus,
    string? OrderId,
    string? Description)
{
    /// <summary>The business day a line belongs to: the UTC date it was processed (the payment's date, not the payout's).</summary>
    public DateOnly BusinessDay => DateOnly.FromDateTime(ProcessedAt.UtcDateTime);

    /// <summary>Whether the line settles a captured payment or a refund, so it is matched against them.</summary>
    public bool IsPayment => PaymentKey is not null && Kind is "charge" or "refund";

    /// <summary>charge, refund, or the source's own type for everything else.</summary>
    public string Kind => Type.ToLowerInvariant() switch
    {
        "charge" or "payment" => "charge",
        "refund" or "payment_refund" => "refund",
        var other => other,
    };

    public MatchItem ToMatchItem() => new(PaymentKey ?? Id, Store, Kind, Amount, Fee, Currency, BusinessDay, $"{Source}:{Id}");

    /// <summary>Why the line's own figures do not add up (net must be amount minus fee), or null.</summary>
    public string? Inconsistency() =>
        Math.Abs(Amount - Fee - Net) > 0.005m ? $"net {Net} is not amount {Amount} minus fee {Fee}" : null;
}

namespace RetailFunctions.Domain.Finance;

/// <summary>
/// A money movement the journal must record: what the order, till and payment flows tell finance, in their own
/// terms. Each fact carries its idempotency id (the same event delivered twice has the same id), its store, channel
/// and currency, and the business day it belongs to: a till's business day, or the day of the store's local date
/// for web events, never the time it reached us. OccurredAt is kept for the audit trail only.
/// </summary>
public abstract record FinancialFact(
    string FactId,
    string Store,
    string Channel,
    DateOnly BusinessDay,
    string Currency,
    DateTimeOffset OccurredAt,
    string? Reference)
{
    /// <summary>Goods sold: revenue (gross of discount) by channel, discounts, tax payable, and the tenders that paid.</summary>
    public sealed record Sale(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        IReadOnlyList<SaleLine> Lines, IReadOnlyList<Tender> Tenders)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>Goods brought back: sales returns, the discount and tax given back, and the tenders refunded (store credit included).</summary>
    public sealed record Return(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        IReadOnlyList<SaleLine> Lines, IReadOnlyList<Tender> Refunds)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>Money given back without goods (an allowance, a price adjustment, shipping): net amount and its tax.</summary>
    public sealed record Refund(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        decimal Amount, decimal Tax, IReadOnlyList<Tender> Refunds, string? Reason)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>A gift card sold or topped up: a liability, not revenue. Redeeming one is a <see cref="TenderMethods.GiftCard"/> tender.</summary>
    public sealed record GiftCardSold(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        decimal Amount, IReadOnlyList<Tender> Tenders)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>A card payment disputed and pulled back by the processor, with its dispute fee.</summary>
    public sealed record Chargeback(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        string Method, decimal Amount, decimal Fee, string? Reason)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>A dispute won: the processor gives the disputed amount back.</summary>
    public sealed record ChargebackReversed(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        string Method, decimal Amount)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>A processor's fee reported on its own (per transaction or per period).</summary>
    public sealed record ProcessorFee(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        string Method, decimal Amount)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>
    /// A processor (or the cash deposit) pays the bank. Amount is what reached the bank; Fees are those deducted from
    /// the payout and not already reported as <see cref="ProcessorFee"/> facts.
    /// </summary>
    public sealed record Payout(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        string Method, decimal Amount, decimal Fees)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>A till's cash counted at close against what its transactions say it should hold: the difference is over/short.</summary>
    public sealed record CashCount(
        string FactId, string Store, string Channel, DateOnly BusinessDay, string Currency, DateTimeOffset OccurredAt, string? Reference,
        decimal Expected, decimal Counted)
        : FinancialFact(FactId, Store, Channel, BusinessDay, Currency, OccurredAt, Reference);

    /// <summary>The kind's name as entries, messages and the ERP contract show it.</summary>
    public string Kind => this switch
    {
        Sale => "sale",
        Return => "return",
        Refund => "refund",
        GiftCardSold => "gift-card-sold",
        Chargeback => "chargeback",
        ChargebackReversed => "chargeback-reversed",
        ProcessorFee => "processor-fee",
        Payout => "payout",
        CashCount => "cash-count",
        _ => throw new ArgumentOutOfRangeException(nameof(FinancialFact), GetType().Name, "unknown financial fact"),
    };
}

/// <summary>
/// One line of goods: the gross amount before discount (unit price times quantity), the discount given, and the tax
/// charged on what was paid. Amounts are positive; a return says which way they go.
/// </summary>
public sealed record SaleLine(decimal Gross, decimal Discount, decimal Tax, string? TaxCode = null);

/// <summary>
/// Money paid or given back by one method. Positive: what the method moved in the direction of the fact (paid on a
/// sale, refunded on a return); cash change handed back on a sale is a negative cash tender. Never a card number:
/// the method names the clearing account (cash, visa, mastercard, paypal, shopify-payments, gift-card, store-credit).
/// </summary>
public sealed record Tender(string Method, decimal Amount);

/// <summary>Tender methods that are not clearing accounts but liabilities the retailer owes its customers.</summary>
public static class TenderMethods
{
    public const string Cash = "cash";
    public const string GiftCard = "gift-card";
    public const string StoreCredit = "store-credit";

    public static string Normalize(string method) => method.Trim().ToLowerInvariant();
}

namespace RetailFunctions.Domain.Canonical;

public enum PosTransactionKind
{
    Sale,
    Return,
    Void,
    /// <summary>Parked at the till and not finished: no stock, no money (its retrieval is a transaction of its own).</summary>
    Suspended,
    /// <summary>Rung up in training mode: no stock, no money.</summary>
    Training,
    TillClose,
    Control,
}

public enum PosLineKind
{
    Sale,
    Return,
}

/// <summary>A till's receipt identity. Business day, not arrival time, drives accounting.</summary>
public sealed record ReceiptKey(string StoreId, string WorkstationId, DateOnly BusinessDay, string SequenceNumber)
{
    public override string ToString() => $"{StoreId}-{WorkstationId}-{BusinessDay:yyyyMMdd}-{SequenceNumber}";
}

/// <summary>
/// One till line. A return names what it returns: OriginalReceipt (the full receipt key), or only OriginalReceiptNumber
/// ("{store}-{sequence}", as printed) when the till gave no day; OriginalLineNumber is the original receipt's line.
/// StatedDiscount: the till's own extended discount of the line (NCR's ExtendedDiscountAmount), checked against ours.
/// IsGiftCard: a gift card or certificate sold (or loaded): a liability to the holder, not revenue.
/// </summary>
public sealed record PosLine(
    int Position,
    PosLineKind Kind,
    string ItemId,
    string? Barcode,
    string? Description,
    decimal Quantity,
    string? UnitOfMeasure,
    decimal UnitPrice,
    decimal ExtendedAmount,
    decimal DiscountAmount,
    decimal TaxAmount,
    bool Voided,
    ReceiptKey? OriginalReceipt,
    int? OriginalLineNumber = null,
    string? OriginalReceiptNumber = null,
    decimal? StatedDiscount = null,
    bool IsGiftCard = false);

/// <summary>
/// Money on one tender. IsChange: handed back to the customer (change, cash back). IsRefund: paid out (ARTS
/// <c>TypeCode="Refund"</c>); on a return transaction every tender is paid out. A foreign-currency tender's Amount is in
/// the store's currency (as the till converted it); ForeignAmount and ForeignCurrency keep what the customer handed over.
/// </summary>
public sealed record PosTender(
    string TenderType,
    decimal Amount,
    bool IsChange,
    string? CardType,
    string? MaskedAccount,
    string? AuthorizationCode,
    bool IsRefund = false,
    decimal? ForeignAmount = null,
    string? ForeignCurrency = null);

public sealed record PosTax(string Name, decimal Rate, decimal TaxableAmount, decimal Amount);

public sealed record PosDiscount(string? Reason, decimal Amount);

public sealed record TenderTotal(string TenderType, decimal Amount, int Count);

/// <summary>
/// One till transaction, translated from POSLog XML or the JSON batch format. Discounts are the receipt-level ones
/// (coupons, promotions, loyalty rewards with an amount); a line's own price modifiers are in its DiscountAmount.
/// Taxes are the transaction-level tax items, else the lines' taxes. Total is the till's TransactionGrandAmount,
/// StatedTax its TransactionTaxAmount; TaxIncluded: prices include the tax (VAT). A till close's TillTotals are what it
/// counted per tender less its opening float (plus what was picked up during the day), TillSales what the till itself
/// says its transactions took. BusinessDayStated: the till gave its BusinessDayDate (else the day is provisional, see
/// <see cref="DatedIn"/>). Gross: the till's own gross totals where its dialect states them (NCR ACS), checked against
/// the lines. VoidsReceipt: a post-void, which cancels that earlier receipt (its stock, money and points go back).
/// </summary>
public sealed record PosTransaction(
    ReceiptKey Receipt,
    PosTransactionKind Kind,
    DateTimeOffset? EndDateTime,
    string? OperatorId,
    string Currency,
    IReadOnlyList<PosLine> Lines,
    IReadOnlyList<PosTender> Tenders,
    IReadOnlyList<PosTax> Taxes,
    IReadOnlyList<PosDiscount> Discounts,
    string? LoyaltyId,
    string? CustomerEmail,
    string? CustomerPhone,
    IReadOnlyList<TenderTotal> TillTotals,
    decimal? Total,
    bool PanMasked,
    bool TaxIncluded = false,
    decimal? StatedTax = null,
    IReadOnlyList<TenderTotal>? TillSales = null,
    bool BusinessDayStated = true,
    StatedGross? Gross = null,
    ReceiptKey? VoidsReceipt = null)
{
    /// <summary>
    /// A transaction whose till stated no business day, dated by the store's local day of its end (the till's stated
    /// day always wins). Its receipt key follows, so its stock, order and journal ids are its local day's.
    /// </summary>
    public PosTransaction DatedIn(TimeZoneInfo zone) =>
        BusinessDayStated || EndDateTime is not { } end
            ? this
            : this with { Receipt = Receipt with { BusinessDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(end, zone).DateTime) } };
}

/// <summary>
/// NCR ACS's receipt totals: GrossPositive (the goods sold, before discounts), GrossNegative (returns and every discount,
/// negative) and DiscountTotal (the lines' own discounts).
/// </summary>
public sealed record StatedGross(decimal? Positive, decimal? Negative, decimal? Discount);

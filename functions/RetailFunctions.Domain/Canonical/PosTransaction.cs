namespace RetailFunctions.Domain.Canonical;

public enum PosTransactionKind
{
    Sale,
    Return,
    Void,
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
    ReceiptKey? OriginalReceipt);

public sealed record PosTender(
    string TenderType,
    decimal Amount,
    bool IsChange,
    string? CardType,
    string? MaskedAccount,
    string? AuthorizationCode);

public sealed record PosTax(string Name, decimal Rate, decimal TaxableAmount, decimal Amount);

public sealed record PosDiscount(string? Reason, decimal Amount);

public sealed record TenderTotal(string TenderType, decimal Amount, int Count);

/// <summary>One till transaction, translated from POSLog XML or the JSON batch format.</summary>
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
    bool PanMasked);

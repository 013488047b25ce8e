namespace RetailFunctions.Domain.Reconciliation;

/// <summary>The ledgers the nightly run compares, one pair per area.</summary>
public enum ReconciliationArea
{
    /// <summary>POS till-close totals per tender vs the till transactions processed.</summary>
    Tills,
    /// <summary>Payment processor settlements vs captured payments and refunds, fees included.</summary>
    Settlements,
    /// <summary>Journal totals vs the ERP's acknowledgements.</summary>
    Postings,
    /// <summary>Physical counts vs the stock ledger.</summary>
    Stock,
    /// <summary>Per store and business day, the tills' receipts (their own totals) vs what the journal booked for them.</summary>
    TillJournal,
}

/// <summary>Why two ledgers disagree, as finance and inventory classify it.</summary>
public enum DifferenceCause
{
    /// <summary>One side has a transaction the other does not.</summary>
    MissingTransaction,
    /// <summary>One side has the same transaction twice.</summary>
    Duplicate,
    /// <summary>Not matched yet, expected on a later day (a payment settles the next day); closes itself when it does.</summary>
    Timing,
    /// <summary>Gross amounts agree, the processor's fee does not.</summary>
    FeeMismatch,
    /// <summary>The ERP refused a journal entry.</summary>
    PostingRejected,
    /// <summary>Both sides have the transaction with different amounts.</summary>
    AmountMismatch,
    /// <summary>A physical count differs from the ledger's on-hand figure.</summary>
    CountVariance,
}

public static class DifferenceCauses
{
    /// <summary>The kebab-case name used in exceptions, reports and the CSV.</summary>
    public static string Name(this DifferenceCause cause) => cause switch
    {
        DifferenceCause.MissingTransaction => "missing-transaction",
        DifferenceCause.Duplicate => "duplicate",
        DifferenceCause.Timing => "timing",
        DifferenceCause.FeeMismatch => "fee-mismatch",
        DifferenceCause.PostingRejected => "posting-rejected",
        DifferenceCause.AmountMismatch => "amount-mismatch",
        DifferenceCause.CountVariance => "count-variance",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, null),
    };

    public static string Name(this ReconciliationArea area) => area.ToString().ToLowerInvariant();
}

/// <summary>What a till recorded: a sale or return with its tenders, or a till close with its declared totals per tender.</summary>
public enum TillRecordKind
{
    Sale,
    Return,
    TillClose,
}

public sealed record TenderAmount(string TenderType, decimal Amount);

/// <summary>
/// One till transaction as the reconciliation reads it. <see cref="Key"/> identifies the receipt
/// (store, workstation, sequence); the stream is sorted by it so a receipt uploaded twice is counted once.
/// Tenders of a sale are what the customer paid, net of change; of a till close, the declared totals.
/// <see cref="Due"/> is a receipt's own total, negative when money went back (null for a till close).
/// </summary>
public sealed record TillRecord(string Key, string Store, string Workstation, TillRecordKind Kind, string Currency, IReadOnlyList<TenderAmount> Tenders,
    decimal? Due = null);

/// <summary>
/// One side's record of a money movement, keyed for matching: a captured payment or refund (key: the payment
/// transaction id), a settlement line (same key; <see cref="Reference"/> the processor's balance transaction),
/// a journal entry's total (key: the entry id) or an ERP acknowledgement (same key; <see cref="Reference"/> the
/// ERP's document). Amounts are signed as they affect the merchant: captures positive, refunds negative.
/// <see cref="Fee"/> is the processor fee charged (settlements) or expected (captures; null when unknown).
/// <see cref="Day"/> is the business day the item belongs to; an item carried from an earlier day keeps its own.
/// </summary>
public sealed record MatchItem(
    string Key,
    string Store,
    string Kind,
    decimal Amount,
    decimal? Fee,
    string Currency,
    DateOnly Day,
    string? Reference = null,
    string? Status = null,
    string? Reason = null);

public static class MatchStatuses
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
}

/// <summary>
/// A physical count of a SKU at a location next to the ledger's on-hand figure just before it. The stream is sorted
/// by SKU, then location (the separator sorts before any character, so "A-1" comes before "A-10" as the ledger keeps them).
/// </summary>
public sealed record StockCount(string Sku, string Location, decimal Counted, decimal LedgerOnHand, string Reference)
{
    public string Key => $"{Sku}\u0001{Location}";
}

/// <summary>
/// The streams one run reads. Tills, the two sides of settlements and postings, and the carried items are each
/// sorted by key (ordinal); the engine checks it and refuses a stream out of order. Carried items are the
/// unmatched ones of earlier days still expected to match (timing differences). Till takings are the journal's
/// entries of till receipts (Amount: what an entry books for the goods), in any order; without them the till vs
/// journal area is not run.
/// </summary>
public sealed record ReconciliationInputs(
    IAsyncEnumerable<TillRecord> Tills,
    IAsyncEnumerable<MatchItem> CapturedPayments,
    IAsyncEnumerable<MatchItem> Settlements,
    IAsyncEnumerable<MatchItem> CarriedPayments,
    IAsyncEnumerable<MatchItem> JournalTotals,
    IAsyncEnumerable<MatchItem> ErpAcknowledgements,
    IAsyncEnumerable<MatchItem> CarriedPostings,
    IAsyncEnumerable<StockCount> StockCounts,
    IAsyncEnumerable<MatchItem>? TillTakings = null);

/// <summary>
/// Tolerances and windows. A capture not settled within <see cref="SettlementLagDays"/> (or a journal entry not
/// acknowledged within <see cref="PostingLagDays"/>) stops being a timing difference and becomes a missing transaction.
/// </summary>
public sealed record ReconciliationOptions(int SettlementLagDays = 3, int PostingLagDays = 2, decimal MoneyTolerance = 0.005m, decimal QuantityTolerance = 0m)
{
    public static ReconciliationOptions Default { get; } = new();
}

/// <summary>One difference the run found. Its id is derived from what it is, so a re-run finds the same id.</summary>
public sealed record ReconciliationDifference(
    DateOnly BusinessDay,
    ReconciliationArea Area,
    string Store,
    string Key,
    DifferenceCause Cause,
    decimal Amount,
    string Unit,
    decimal? Expected,
    decimal? Actual,
    string Owner,
    string Detail,
    DateOnly? OriginDay = null)
{
    public string Id => $"{BusinessDay:yyyyMMdd}:{Area.Name()}:{Cause.Name()}:{Store}:{Key}";
}

/// <summary>What the run did with carried items: an earlier day's timing difference that now matched (cleared) or ran out of time (escalated).</summary>
public enum CarriedOutcome
{
    /// <summary>Still unmatched and newly carried (a timing difference of this day) or carried on.</summary>
    Carried,
    Cleared,
    Escalated,
}

/// <summary>A carried item's fate on this run, for the store to keep (and the earlier day's exception to close).</summary>
public sealed record CarriedChange(ReconciliationArea Area, MatchItem Item, CarriedOutcome Outcome, DateOnly On);

/// <summary>Totals of one area for one store and currency (or unit).</summary>
public sealed record AreaTotals(
    ReconciliationArea Area,
    string Store,
    string Unit,
    long ExpectedCount,
    long ActualCount,
    long Matched,
    decimal ExpectedTotal,
    decimal ActualTotal,
    long Differences,
    decimal DifferenceTotal);

/// <summary>The outcome of a run: totals per area and store, differences per cause, and what happened to carried items.</summary>
public sealed record ReconciliationSummary(
    DateOnly BusinessDay,
    IReadOnlyList<AreaTotals> Areas,
    IReadOnlyDictionary<string, long> DifferencesByCause,
    long Differences,
    long Cleared,
    long Escalated,
    long DuplicateTillRecordsIgnored,
    IReadOnlyList<string> TillsWithoutClose)
{
    /// <summary>Earlier days' timing differences still unmatched and still within their window.</summary>
    public long StillOpen { get; init; }
}

/// <summary>Where the engine writes as it goes, so a million differences never sit in memory.</summary>
public interface IReconciliationSink
{
    ValueTask DifferenceAsync(ReconciliationDifference difference, CancellationToken cancellationToken);
    ValueTask CarriedAsync(CarriedChange change, CancellationToken cancellationToken);
}

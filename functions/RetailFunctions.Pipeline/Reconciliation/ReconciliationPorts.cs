using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Pipeline.Reconciliation;

// The sides the nightly run compares, one port each, so each capability supplies its own stream. Every stream of
// MatchItem is sorted by Key (ordinal string order) and holds one business day; the engine checks the order.

/// <summary>Till transactions and till closes of a business day, sorted by receipt key (store|workstation|sequence).</summary>
public interface ITillRecordSource
{
    IAsyncEnumerable<TillRecord> TillRecordsAsync(DateOnly businessDay, CancellationToken cancellationToken);
}

/// <summary>
/// Payments captured and refunds paid out on a business day, keyed by the processor's payment transaction id (the
/// id the settlement names: a Shopify order transaction id, a Stripe charge or refund id). Captures positive,
/// refunds negative; Fee is the fee expected, or null when unknown.
/// </summary>
public interface ICapturedPaymentSource
{
    IAsyncEnumerable<MatchItem> CapturedPaymentsAsync(DateOnly businessDay, CancellationToken cancellationToken);
}

/// <summary>Journal entries of a business day, keyed by entry id, Amount the entry's total debits.</summary>
public interface IJournalTotalSource
{
    IAsyncEnumerable<MatchItem> JournalTotalsAsync(DateOnly businessDay, CancellationToken cancellationToken);
}

/// <summary>The journal's entries of till receipts for a business day, Amount what each books for the goods (any order).</summary>
public interface ITillTakingsSource
{
    IAsyncEnumerable<MatchItem> TillTakingsAsync(DateOnly businessDay, CancellationToken cancellationToken);
}

/// <summary>
/// The ERP's answers received for a business day's postings, keyed by journal entry id: Status accepted or
/// rejected (with Reason), Amount as the ERP booked it, Reference the ERP's document id.
/// </summary>
public interface IErpAcknowledgementSource
{
    IAsyncEnumerable<MatchItem> AcknowledgementsAsync(DateOnly businessDay, CancellationToken cancellationToken);
}

/// <summary>Physical counts recorded on a business day next to the ledger's figure before each, sorted by sku|location.</summary>
public interface IStockCountSource
{
    IAsyncEnumerable<StockCount> CountsAsync(DateOnly businessDay, CancellationToken cancellationToken);
}

/// <summary>A stored difference and the run that found it.</summary>
public sealed record StoredDifference(ReconciliationDifference Difference, string RunId);

/// <summary>A day's stored report: the engine's summary, its text, and what the run raised.</summary>
public sealed record ReconciliationReport(
    DateOnly BusinessDay,
    string RunId,
    DateTimeOffset RanAt,
    ReconciliationSummary Summary,
    long ExceptionsRaised,
    long ExceptionsNotRaised,
    string Text);

/// <summary>A day that has a report: its last run.</summary>
public sealed record ReconciledDay(DateOnly BusinessDay, string RunId, DateTimeOffset RanAt);

/// <summary>Reports, their differences, and the items carried from one day to the next.</summary>
public interface IReconciliationStore
{
    Task SaveReportAsync(ReconciliationReport report, CancellationToken cancellationToken);
    Task<ReconciliationReport?> GetReportAsync(DateOnly businessDay, CancellationToken cancellationToken);
    /// <summary>The reconciled days, latest first, with when their last run ran.</summary>
    Task<IReadOnlyList<ReconciledDay>> ListReportsAsync(int max, CancellationToken cancellationToken);

    /// <summary>Upserts a batch of a run's differences (same day).</summary>
    Task SaveDifferencesAsync(string runId, IReadOnlyList<ReconciliationDifference> differences, CancellationToken cancellationToken);
    /// <summary>A day's stored differences, in id order.</summary>
    IAsyncEnumerable<StoredDifference> DifferencesAsync(DateOnly businessDay, CancellationToken cancellationToken);
    Task DeleteDifferenceAsync(ReconciliationDifference difference, CancellationToken cancellationToken);

    /// <summary>Items of earlier days still open on this day (carried, not cleared or escalated before it), sorted by key.</summary>
    IAsyncEnumerable<MatchItem> CarriedAsync(ReconciliationArea area, DateOnly businessDay, CancellationToken cancellationToken);
    /// <summary>Keeps what a run did with carried items: new ones, cleared ones, escalated ones.</summary>
    Task SaveCarriedAsync(IReadOnlyList<CarriedChange> changes, CancellationToken cancellationToken);
    /// <summary>Forgets the items a day carried, before that day runs again (its run carries them again if still unmatched).</summary>
    Task ForgetCarriedFromAsync(ReconciliationArea area, DateOnly businessDay, CancellationToken cancellationToken);
}

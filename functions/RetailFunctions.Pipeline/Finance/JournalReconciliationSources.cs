using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Reconciliation;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>
/// The journal's side of the nightly reconciliation: what is owed to the ERP for a business day (each entry posted on
/// its own, or each summary in summarised mode; entries counted in a summary are not owed twice), and what the ERP
/// answered for it (accepted with its document id, or rejected with its reason). Keyed by entry id, in ordinal order.
/// </summary>
public sealed class JournalReconciliationSources(IJournalStore journal) : IJournalTotalSource, IErpAcknowledgementSource, ITillTakingsSource
{
    /// <summary>
    /// Every entry the tills' receipts made this day (not a return an associate took against a till order through the
    /// order record), whatever its posting status: what the journal booked for the receipts.
    /// </summary>
    public async IAsyncEnumerable<MatchItem> TillTakingsAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var stored in await journal.ListAsync(businessDay, null, cancellationToken))
            if (stored.Entry.Channel == Channels.Pos && stored.Entry.FactId.StartsWith(TillReceipts.FactPrefix, StringComparison.Ordinal)
                && TillReceipts.IsReceiptEntry(stored.Entry.Source))
                yield return new MatchItem(stored.EntryId, stored.Entry.Store, stored.Entry.Source, TillReceipts.Takings(stored.Entry), null, stored.Entry.Currency,
                    businessDay, stored.Entry.Reference, stored.Status);
    }

    public async IAsyncEnumerable<MatchItem> JournalTotalsAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var stored in await OwedAsync(businessDay, cancellationToken))
            yield return new MatchItem(stored.EntryId, stored.Entry.Store, stored.Entry.Source, stored.Entry.TotalDebit, null, stored.Entry.Currency,
                businessDay, stored.Entry.Reference, stored.Status);
    }

    public async IAsyncEnumerable<MatchItem> AcknowledgementsAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var stored in await OwedAsync(businessDay, cancellationToken))
        {
            if (stored.Status == PostingStatuses.Posted)
                yield return new MatchItem(stored.EntryId, stored.Entry.Store, stored.Entry.Source, stored.Entry.TotalDebit, null, stored.Entry.Currency,
                    businessDay, stored.ErpDocumentId, MatchStatuses.Accepted);
            else if (stored.Status == PostingStatuses.Rejected)
                yield return new MatchItem(stored.EntryId, stored.Entry.Store, stored.Entry.Source, stored.Entry.TotalDebit, null, stored.Entry.Currency,
                    businessDay, null, MatchStatuses.Rejected, stored.Rejection);
        }
    }

    private async Task<List<StoredJournalEntry>> OwedAsync(DateOnly businessDay, CancellationToken cancellationToken) =>
        (await journal.ListAsync(businessDay, null, cancellationToken))
            .Where(e => e.Status is PostingStatuses.Recorded or PostingStatuses.Posted or PostingStatuses.Rejected
                || (e.Status == PostingStatuses.AwaitingSummary && e.Entry.Source != JournalEntry.SummarySource))
            .OrderBy(e => e.EntryId, StringComparer.Ordinal)
            .ToList();
}

using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>
/// The erp-postings queue: loads the entry the message names, posts it through the connector, and records what the
/// ERP said. Accepted (or accepted before: the ERP dedups by entry id) marks it posted; rejected raises a 'finance'
/// exception with the ERP's reason and marks it rejected until someone fixes and re-posts it; an unreachable ERP
/// throws, so the queue retries with growing delays, and the requeue timer picks up whatever was dead-lettered.
/// </summary>
public sealed class ErpPostingHandler(IJournalStore store, IErpConnector erp, IExceptionStore exceptions, TimeProvider clock)
{
    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        var envelope = message.Envelope;
        var storeId = envelope.Key(BusinessKeys.Store);
        var entryId = envelope.Key(FinanceKeys.Entry);
        if (storeId is null || entryId is null || !DateOnly.TryParseExact(envelope.Key(FinanceKeys.BusinessDay), "yyyy-MM-dd", out var day))
            return new HandlerOutcome.Poison("posting message without store, businessDay (yyyy-MM-dd) and entry keys");
        if (await store.GetAsync(day, storeId, entryId, ct) is not { } stored)
            return new HandlerOutcome.Poison($"no journal entry {entryId} for {storeId} on {day:yyyy-MM-dd}");
        if (stored.Status != PostingStatuses.Recorded)
            return new HandlerOutcome.Completed($"{entryId} is {stored.Status}{(stored.ErpDocumentId is { } doc ? $" as {doc}" : "")}; nothing to post");

        var result = await erp.PostAsync(stored.Entry, stored.Revision, ct);
        return result switch
        {
            ErpPostingResult.Accepted accepted => await PostedAsync(stored, accepted, ct),
            ErpPostingResult.Rejected rejected => await RejectedAsync(stored, rejected, envelope, ct),
            _ => throw new InvalidOperationException("unknown posting result"),
        };
    }

    private async Task<HandlerOutcome> PostedAsync(StoredJournalEntry posted, ErpPostingResult.Accepted accepted, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var saved = await UpdateAsync(posted, current => current.Status == PostingStatuses.Recorded && current.Revision == posted.Revision
            ? (current with { Status = PostingStatuses.Posted, ErpDocumentId = accepted.DocumentId, PostedAt = now })
                .WithAudit(now, "erp", "posted", $"{accepted.DocumentId}{(accepted.Duplicate ? " (already booked)" : "")}, revision {current.Revision}")
            : null, ct);
        if (saved?.OpenExceptionId is { } exceptionId)
            await exceptions.TransitionAsync(Owners.Finance, exceptionId, ExceptionLifecycle.Resolve, "erp",
                $"posted as {accepted.DocumentId} (revision {posted.Revision})", now, ct);
        return new HandlerOutcome.Completed($"{posted.EntryId} posted as {accepted.DocumentId}{(accepted.Duplicate ? " (duplicate recognised by the ERP)" : "")}");
    }

    private async Task<HandlerOutcome> RejectedAsync(StoredJournalEntry posting, ErpPostingResult.Rejected rejected, Envelope envelope, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var entry = posting.Entry;
        var exceptionId = $"erp-rejected:{entry.EntryId}:r{posting.Revision}";
        // Raised before the entry is marked, so a crash in between leaves a redelivery that raises it (once) again.
        await exceptions.RaiseAsync(new BusinessException(exceptionId, Owners.Finance, FinanceExceptionReasons.ErpRejected,
            $"the ERP rejected {entry.EntryId} ({entry.Source} {entry.Store} {entry.BusinessDay:yyyy-MM-dd}, {entry.TotalDebit} {entry.Currency}, " +
            $"revision {posting.Revision}): {rejected.Code}: {rejected.Reason}. Fix and POST /api/finance/journal/{entry.BusinessDay:yyyy-MM-dd}/{entry.Store}/{entry.EntryId}/repost",
            envelope.Id, $"journal/{entry.BusinessDay:yyyy-MM-dd}/{entry.Store}/{entry.EntryId}",
            JournalService.Keys(entry.Store, entry.BusinessDay, entry.EntryId, entry.Source == Domain.Finance.JournalEntry.SummarySource ? null : entry.FactId),
            ExceptionStatuses.Open, now), ct);
        await UpdateAsync(posting, current => current.Status == PostingStatuses.Recorded && current.Revision == posting.Revision
            ? (current with { Status = PostingStatuses.Rejected, Rejection = $"{rejected.Code}: {rejected.Reason}", OpenExceptionId = exceptionId })
                .WithAudit(now, "erp", "rejected", $"{rejected.Code}: {rejected.Reason}")
            : null, ct);
        return new HandlerOutcome.Completed($"{entry.EntryId} rejected by the ERP: {rejected.Code}: {rejected.Reason}");
    }

    /// <summary>Applies a change to the entry as stored now; null from the change means another writer got there first.</summary>
    private async Task<StoredJournalEntry?> UpdateAsync(StoredJournalEntry read, Func<StoredJournalEntry, StoredJournalEntry?> change, CancellationToken ct)
    {
        var current = read;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            if (change(current) is not { } next) return null;
            if (await store.TryReplaceAsync(next, ct)) return next;
            current = await store.GetAsync(read.Entry.BusinessDay, read.Entry.Store, read.EntryId, ct)
                ?? throw new InvalidOperationException($"journal entry {read.EntryId} disappeared");
        }
        throw new InvalidOperationException($"journal entry {read.EntryId} kept changing while its posting was recorded");
    }
}

using RetailFunctions.Domain.Finance;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>Where a journal entry stands on its way to the ERP.</summary>
public static class PostingStatuses
{
    /// <summary>Recorded and owed to the ERP: a posting message is (or will be again) on the erp-postings queue.</summary>
    public const string Recorded = "recorded";
    /// <summary>Summarised mode: kept for the day's summary, never posted on its own.</summary>
    public const string AwaitingSummary = "awaiting-summary";
    /// <summary>Summarised mode: counted in the summary named by SummaryId.</summary>
    public const string Summarised = "summarised";
    /// <summary>A summary still gathering its store's entries.</summary>
    public const string Building = "building";
    public const string Posted = "posted";
    /// <summary>The ERP refused it; a 'finance' exception holds the reason until it is fixed and re-posted.</summary>
    public const string Rejected = "rejected";
    /// <summary>A summary whose entries net to nothing: there is nothing to post.</summary>
    public const string Empty = "empty";
    /// <summary>A pilot store's journal in shadow: recorded for comparison, never posted to the ERP.</summary>
    public const string Shadow = "shadow";
}

public static class FinanceExceptionReasons
{
    /// <summary>The ERP refused a posting (closed period, unknown account...): fix and re-post.</summary>
    public const string ErpRejected = "erp-rejected";
    /// <summary>A fact that cannot become a balanced entry (tenders do not cover the total, negative amounts...).</summary>
    public const string UnbalancedFact = "unbalanced-fact";
    /// <summary>A till receipt whose own total differs from what its lines make: booked at the till's figure, to be checked.</summary>
    public const string AmountMismatch = "amount-mismatch";
}

/// <summary>One step of an entry's life: recorded, posted, rejected, re-posted with a fix; who and why.</summary>
public sealed record JournalAudit(DateTimeOffset At, string By, string Action, string? Note);

/// <summary>
/// A journal entry as kept: the entry, its posting status and revision (raised by each fix), what the ERP said, the
/// fact it came from (as JSON, to rebuild it after a chart fix), and the store's concurrency version.
/// </summary>
public sealed record StoredJournalEntry(
    JournalEntry Entry,
    string Status,
    int Revision,
    DateTimeOffset RecordedAt,
    DateTimeOffset? QueuedAt = null,
    DateTimeOffset? PostedAt = null,
    string? ErpDocumentId = null,
    string? Rejection = null,
    string? OpenExceptionId = null,
    string? SummaryId = null,
    IReadOnlyList<JournalAudit>? History = null,
    string? Fact = null,
    string? Version = null)
{
    public string EntryId => Entry.EntryId;

    public StoredJournalEntry WithAudit(DateTimeOffset at, string by, string action, string? note) =>
        this with { History = [.. History ?? [], new JournalAudit(at, by, action, note)] };
}

public interface IJournalStore
{
    /// <summary>Adds the entry once per entry id; when it exists already, returns the stored one and false.</summary>
    Task<(StoredJournalEntry Entry, bool Added)> AddAsync(StoredJournalEntry entry, CancellationToken cancellationToken);

    /// <summary>Many entries (a till upload's receipts), each added once as by <see cref="AddAsync"/>; answers in their order.</summary>
    async Task<IReadOnlyList<(StoredJournalEntry Entry, bool Added)>> AddAllAsync(IReadOnlyList<StoredJournalEntry> entries, CancellationToken cancellationToken)
    {
        var added = new List<(StoredJournalEntry, bool)>(entries.Count);
        foreach (var entry in entries) added.Add(await AddAsync(entry, cancellationToken));
        return added;
    }
    Task<StoredJournalEntry?> GetAsync(DateOnly businessDay, string store, string entryId, CancellationToken cancellationToken);
    /// <summary>A business day's entries and summaries, of one store or all.</summary>
    Task<IReadOnlyList<StoredJournalEntry>> ListAsync(DateOnly businessDay, string? store, CancellationToken cancellationToken);
    /// <summary>Replaces the entry if it has not changed since it was read (its Version); false when it has.</summary>
    Task<bool> TryReplaceAsync(StoredJournalEntry entry, CancellationToken cancellationToken);
    /// <summary>Entries in a status over a range of business days (all stores), e.g. recorded ones to re-queue.</summary>
    Task<IReadOnlyList<StoredJournalEntry>> FindAsync(DateOnly from, DateOnly to, string status, CancellationToken cancellationToken);
    /// <summary>
    /// Gathers the store's entries awaiting a summary into one summary per currency and returns the summaries that
    /// are ready to post. Safe to run again and concurrently: an entry is counted in exactly one summary; entries
    /// that arrive after a summary was finished go into the next one.
    /// </summary>
    Task<IReadOnlyList<StoredJournalEntry>> SummariseAsync(DateOnly businessDay, string store, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// The oldest business day that may still hold an entry owed to the ERP beyond the timers' look-back window (a till
    /// uploaded weeks late, an ERP down for longer than the window), with the mark's version; null when none is.
    /// </summary>
    Task<(DateOnly? Day, string? Version)> OwedSinceAsync(CancellationToken cancellationToken);
    /// <summary>Moves the mark back to the day unless it is already at or before it; safe with concurrent writers.</summary>
    Task MarkOwedAsync(DateOnly businessDay, CancellationToken cancellationToken);
    /// <summary>Sets or clears the mark if it is unchanged since it was read (its version); false when another writer moved it.</summary>
    Task<bool> TrySetOwedSinceAsync(DateOnly? businessDay, string? version, CancellationToken cancellationToken);
}

/// <summary>What the ERP did with a posting.</summary>
public abstract record ErpPostingResult
{
    /// <summary>Booked (or booked already: Duplicate, when the entry id was posted before).</summary>
    public sealed record Accepted(string DocumentId, bool Duplicate) : ErpPostingResult;

    /// <summary>Refused for a business reason a person must fix; retrying unchanged would be refused again.</summary>
    public sealed record Rejected(string Code, string Reason) : ErpPostingResult;
}

/// <summary>The ERP could not be reached or kept failing after the connector's retries: try again later.</summary>
public sealed class ErpUnavailableException(string reason, Exception? inner = null) : Exception($"erp: {reason}", inner)
{
    public string Reason { get; } = reason;
}

/// <summary>Posts journal entries to the ERP. Idempotent by entry id: posting an entry again never books it twice.</summary>
public interface IErpConnector
{
    Task<ErpPostingResult> PostAsync(JournalEntry entry, int revision, CancellationToken cancellationToken);
}

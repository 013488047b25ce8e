using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.Pipeline.Finance;

public enum JournalOutcome
{
    Recorded,
    AlreadyRecorded,
    Refused,
    NothingToPost,
}

/// <summary>What became of a fact: its entry id and status, or why it was refused (a 'finance' exception is raised too).</summary>
public sealed record JournalRecordResult(JournalOutcome Outcome, string? EntryId, string? Status, string Detail);

/// <summary>A fix for a rejected posting: accounts to replace, or rebuild the entry from its fact with the current chart.</summary>
public sealed record RepostRequest(string By, string? Note, IReadOnlyDictionary<string, string>? AccountOverrides, bool Rebuild);

/// <summary>
/// The journal's entry point. Order, till and payment flows call <see cref="RecordAsync"/> with a financial fact:
/// the entry is built (pure), stored once per fact, and its posting queued for the ERP (or kept for the day's summary
/// in summarised mode). Calling it again with the same fact is harmless and re-queues a posting that was lost.
/// </summary>
public sealed class JournalService(
    IJournalStore store, IMessageSender sender, IExceptionStore exceptions, PilotGate pilot, FinanceOptions options, TimeProvider clock)
{
    public async Task<JournalRecordResult> RecordAsync(FinancialFact fact, CancellationToken ct, string? sourceMessageId = null) =>
        (await RecordAllAsync([(fact, sourceMessageId)], ct))[0];

    /// <summary>
    /// Many facts (a till upload's receipts), each recorded as by <see cref="RecordAsync"/>; the entries are stored
    /// together (one write per store and day for up to 100). Results come in the facts' order.
    /// </summary>
    public async Task<IReadOnlyList<JournalRecordResult>> RecordAllAsync(IReadOnlyList<(FinancialFact Fact, string? SourceMessageId)> facts,
        CancellationToken ct)
    {
        var results = new JournalRecordResult[facts.Count];
        var candidates = new List<(int Index, StoredJournalEntry Entry, FinancialFact Fact)>();
        for (var i = 0; i < facts.Count; i++)
        {
            var (fact, sourceMessageId) = (WithoutCardNumbers(facts[i].Fact), facts[i].SourceMessageId);
            switch (JournalBuilder.Build(fact, options.Chart, options.Rules))
            {
                case JournalDecision.Refuse refuse:
                    await exceptions.RaiseAsync(new BusinessException(
                        $"unbalanced:{JournalIds.ForFact(fact)}", Owners.Finance, FinanceExceptionReasons.UnbalancedFact, refuse.Reason,
                        sourceMessageId ?? fact.FactId, null, Keys(fact.Store, fact.BusinessDay, null, fact.FactId), ExceptionStatuses.Open, clock.GetUtcNow()), ct);
                    results[i] = new JournalRecordResult(JournalOutcome.Refused, null, null, refuse.Reason);
                    break;
                case JournalDecision.Nothing nothing:
                    results[i] = new JournalRecordResult(JournalOutcome.NothingToPost, null, null, nothing.Reason);
                    break;
                case JournalDecision.Post post:
                    var pilotMode = await pilot.ModeAsync(PilotFlow.Journal, fact.Store, ct);
                    if (pilotMode == FlowMode.Off)
                    {
                        results[i] = new JournalRecordResult(JournalOutcome.NothingToPost, null, null, $"{fact.Kind} {fact.FactId}: pilot: the journal is off at {fact.Store}");
                        break;
                    }
                    var now = clock.GetUtcNow();
                    var status = pilotMode == FlowMode.Shadow ? PostingStatuses.Shadow
                        : options.ModeFor(fact.Store) == PostingMode.Summarised ? PostingStatuses.AwaitingSummary
                        : PostingStatuses.Recorded;
                    var factJson = FinanceJson.Serialize(fact);
                    candidates.Add((i, new StoredJournalEntry(post.Entry, status, 0, now,
                        QueuedAt: status != PostingStatuses.Recorded || !options.PostToErp ? null : now, Fact: factJson.Length <= 30_000 ? factJson : null)
                        .WithAudit(now, "journal", "recorded", $"{fact.Kind} {fact.FactId}"), fact));
                    break;
                default:
                    throw new InvalidOperationException("unknown journal decision");
            }
        }
        if (candidates.Count == 0) return results;

        var stored = await store.AddAllAsync([.. candidates.Select(c => c.Entry)], ct);
        // Days owed from before the lookback window are marked once, by the oldest: the mark covers every later day.
        var owedSince = candidates.Zip(stored)
            .Where(x => x.Second.Added && IsOwed(x.Second.Entry.Status) && x.First.Fact.BusinessDay <= WindowStart(x.Second.Entry.RecordedAt))
            .Select(x => (DateOnly?)x.First.Fact.BusinessDay).Min();
        if (owedSince is { } oldest) await store.MarkOwedAsync(oldest, ct);
        var postings = new List<Envelope>();
        for (var k = 0; k < candidates.Count; k++)
        {
            var (i, fact) = (candidates[k].Index, candidates[k].Fact);
            var (entry, added) = stored[k];
            // A crash after the add and before the enqueue is healed by the redelivery of the same fact, which
            // lands here; the posting is idempotent by entry id, so a second message does no harm.
            if (entry.Status == PostingStatuses.Recorded && options.PostToErp)
                postings.Add(ErpPostingEnvelopes.Create(entry, clock.GetUtcNow(), facts[i].SourceMessageId));
            results[i] = new JournalRecordResult(added ? JournalOutcome.Recorded : JournalOutcome.AlreadyRecorded, entry.EntryId, entry.Status,
                $"{fact.Kind} {fact.FactId}: {entry.EntryId} {entry.Status}");
        }
        // A till window's postings go out together, in as few messages as hold them.
        if (postings.Count > 0) await sender.SendAllAsync(QueueNames.ErpPostings, postings, ct);
        return results;
    }

    /// <summary>The locations and their time zones: a store's money is dated by its local business day.</summary>
    public ValueTask<LocationDirectory> LocationsAsync(CancellationToken ct) => pilot.LocationsAsync(ct);

    /// <summary>Whether the journal is on, in shadow or off at a store (its pilot switch).</summary>
    public ValueTask<FlowMode> ModeAsync(string store, CancellationToken ct) => pilot.ModeAsync(PilotFlow.Journal, store, ct);

    /// <summary>
    /// Re-posts a rejected entry after a fix (or unchanged, once the ERP side is fixed): a new revision, queued again,
    /// with an audit entry; its open exception is acknowledged now and resolved when the ERP accepts it.
    /// </summary>
    public async Task<(StoredJournalEntry? Entry, string? Refusal)> RepostAsync(DateOnly businessDay, string storeId, string entryId, RepostRequest request, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            if (await store.GetAsync(businessDay, storeId, entryId, ct) is not { } current) return (null, null);
            if (current.Status != PostingStatuses.Rejected)
                return (current, $"{entryId} is {current.Status}; only a rejected posting can be re-posted");
            var (entry, refusal) = Fix(current, request);
            if (refusal is not null) return (current, refusal);
            var now = clock.GetUtcNow();
            var changes = entry!.Lines.SequenceEqual(current.Entry.Lines) ? "unchanged" : request.Rebuild ? "rebuilt from its fact" : "accounts replaced";
            var next = (current with { Entry = entry, Status = PostingStatuses.Recorded, Revision = current.Revision + 1, QueuedAt = now, Rejection = null })
                .WithAudit(now, request.By, "reposted", $"revision {current.Revision + 1}, {changes}{(request.Note is { } note ? $": {note}" : "")}");
            if (!await store.TryReplaceAsync(next, ct)) continue;
            if (current.OpenExceptionId is { } exceptionId)
                await exceptions.TransitionAsync(Owners.Finance, exceptionId, ExceptionLifecycle.Acknowledge, request.By,
                    $"re-posted as revision {next.Revision} ({changes})", now, ct);
            if (options.PostToErp)
                await sender.SendAsync(QueueNames.ErpPostings, ErpPostingEnvelopes.Create(next, now, null), ct);
            return (next, null);
        }
        throw new InvalidOperationException($"journal entry {entryId} kept changing while it was re-posted");
    }

    private (JournalEntry? Entry, string? Refusal) Fix(StoredJournalEntry current, RepostRequest request)
    {
        var entry = current.Entry;
        if (request.Rebuild)
        {
            if (entry.Source == JournalEntry.SummarySource) return (null, "a summary is fixed with account overrides, not rebuilt");
            if (current.Fact is null || FinanceJson.Read(current.Fact).Fact is not { } fact) return (null, "the entry's fact was not kept; fix it with account overrides");
            switch (JournalBuilder.Build(fact, options.Chart, options.Rules))
            {
                case JournalDecision.Post post: entry = post.Entry; break;
                case JournalDecision.Refuse refuse: return (null, $"the rebuilt entry is refused: {refuse.Reason}");
                default: return (null, "the rebuilt entry moves no money");
            }
        }
        if (request.AccountOverrides is { Count: > 0 } overrides)
        {
            if (overrides.Any(o => string.IsNullOrWhiteSpace(o.Value))) return (null, "an account override maps to an empty account");
            entry = entry with { Lines = entry.Lines.Select(l => overrides.TryGetValue(l.Account, out var to) ? l with { Account = to.Trim() } : l).ToList() };
        }
        return (entry, null);
    }

    /// <summary>
    /// Summarised mode: closes the store's (or every store's) business day into summaries and queues them. Entries that
    /// arrive later go into a further summary of the same day when it is closed again.
    /// </summary>
    public async Task<IReadOnlyList<StoredJournalEntry>> CloseSummariesAsync(DateOnly businessDay, string? storeId, CancellationToken ct)
    {
        var stores = storeId is not null
            ? [storeId]
            : (await store.FindAsync(businessDay, businessDay, PostingStatuses.AwaitingSummary, ct)).Select(e => e.Entry.Store).Distinct().ToList();
        var queued = new List<StoredJournalEntry>();
        foreach (var s in stores)
        {
            foreach (var summary in await store.SummariseAsync(businessDay, s, clock.GetUtcNow(), ct))
            {
                if (options.PostToErp)
                    await sender.SendAsync(QueueNames.ErpPostings, ErpPostingEnvelopes.Create(summary, clock.GetUtcNow(), null), ct);
                queued.Add(summary);
            }
        }
        return queued;
    }

    /// <summary>
    /// The summary timer: closes every business day in the look-back window that ended long enough ago, and every older
    /// day since the owed-since mark (entries that arrived late or were never summarised).
    /// </summary>
    public async Task<string> CloseDueSummariesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var from = await ScanFromAsync(now, ct);
        var queued = 0;
        for (var day = from.Day; day < today; day = day.AddDays(1))
        {
            if (new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + options.SummaryCloseAfter > now) continue;
            queued += (await CloseSummariesAsync(day, null, ct)).Count;
        }
        return $"{queued} summaries queued for the ERP";
    }

    /// <summary>
    /// The safety net behind "nothing lost": entries still owed to the ERP whose posting was queued long ago (its
    /// message dead-lettered during an outage, or lost in a crash) are queued again. Postings are idempotent.
    /// </summary>
    public async Task<string> RequeueStaleAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var from = await ScanFromAsync(now, ct);
        var unposted = await store.FindAsync(from.Day, today.AddDays(1), PostingStatuses.Recorded, ct);
        var requeued = 0;
        foreach (var entry in unposted)
        {
            if (entry.QueuedAt is { } queuedAt && now - queuedAt < options.RequeueAfter) continue;
            if (!await store.TryReplaceAsync(entry with { QueuedAt = now }, ct)) continue;
            await sender.SendAsync(QueueNames.ErpPostings, ErpPostingEnvelopes.Create(entry, now, null), ct);
            requeued++;
        }
        var awaitingSummary = await store.FindAsync(from.Day, WindowStart(now), PostingStatuses.AwaitingSummary, ct);
        await KeepOwedMarkAsync(from, [.. unposted, .. awaitingSummary], now, ct);
        return $"{requeued} unposted journal entries queued again";
    }

    /// <summary>The first day of the timers' look-back window: older days are scanned only since the owed-since mark.</summary>
    private DateOnly WindowStart(DateTimeOffset now) => DateOnly.FromDateTime(now.UtcDateTime).AddDays(-options.LookbackDays);

    private static bool IsOwed(string status) => status is PostingStatuses.Recorded or PostingStatuses.AwaitingSummary;

    private sealed record ScanStart(DateOnly Day, DateOnly? Mark, string? Version);

    private async Task<ScanStart> ScanFromAsync(DateTimeOffset now, CancellationToken ct)
    {
        var (mark, version) = await store.OwedSinceAsync(ct);
        var windowStart = WindowStart(now);
        return new ScanStart(mark is { } day && day < windowStart ? day : windowStart, mark, version);
    }

    /// <summary>
    /// Keeps the mark at the oldest day still owed that the next run's window would no longer reach, or clears it.
    /// A writer that moved the mark meanwhile (a late entry) wins: the next run scans from its older day.
    /// </summary>
    private async Task KeepOwedMarkAsync(ScanStart scanned, IEnumerable<StoredJournalEntry> owed, DateTimeOffset now, CancellationToken ct)
    {
        var windowStart = WindowStart(now);
        var oldest = owed.Where(e => e.Entry.BusinessDay <= windowStart).Select(e => (DateOnly?)e.Entry.BusinessDay).Min();
        if (oldest != scanned.Mark) await store.TrySetOwedSinceAsync(oldest, scanned.Version, ct);
    }

    /// <summary>Card numbers never reach the journal: references and reasons are free text a till or an agent typed.</summary>
    private static FinancialFact WithoutCardNumbers(FinancialFact fact)
    {
        static string? Mask(string? text) => text is null ? null : PanMasker.MaskText(text).Text;
        fact = fact with { Reference = Mask(fact.Reference) };
        return fact switch
        {
            FinancialFact.Refund r => r with { Reason = Mask(r.Reason) },
            FinancialFact.Chargeback c => c with { Reason = Mask(c.Reason) },
            _ => fact,
        };
    }

    internal static Dictionary<string, string> Keys(string store, DateOnly businessDay, string? entryId, string? factId)
    {
        var keys = new Dictionary<string, string> { [BusinessKeys.Store] = store, [FinanceKeys.BusinessDay] = businessDay.ToString("yyyy-MM-dd") };
        if (entryId is not null) keys[FinanceKeys.Entry] = entryId;
        if (factId is not null) keys[FinanceKeys.Fact] = factId;
        return keys;
    }
}

/// <summary>Business keys of finance messages and exceptions, beside the shared ones.</summary>
public static class FinanceKeys
{
    public const string BusinessDay = "businessDay";
    public const string Entry = "entry";
    public const string Fact = "fact";
    /// <summary>"shadow" on an exception raised for a store whose journal is in pilot shadow.</summary>
    public const string Pilot = "pilot";
}

public static class ErpPostingEnvelopes
{
    public const string Type = "finance.journal.post";

    /// <summary>A small message naming the entry; the handler reads the entry as stored, so a fix is what gets posted.</summary>
    public static Envelope Create(StoredJournalEntry entry, DateTimeOffset at, string? causation) => new(
        Guid.CreateVersion7(at).ToString("N"), Type, $"erp-post:{entry.EntryId}:{entry.Revision}", entry.EntryId, causation,
        JournalService.Keys(entry.Entry.Store, entry.Entry.BusinessDay, entry.EntryId, null), at, "finance", Payload: null);
}

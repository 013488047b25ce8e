using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Finance;

namespace RetailFunctions.Storage;

/// <summary>
/// The journal on Table storage: one partition per business day and store (<c>{yyyyMMdd}|{store}</c>), one row per
/// entry or summary (<c>e:{entryId}</c>). The entry id derives from the fact id, so the row is its own idempotency
/// record; status changes are ETag-checked. A summary and the entries it counts share a partition, so gathering
/// entries into a summary is an entity-group transaction that also touches the summary row: an entry is counted in
/// exactly one summary, even with two runtimes closing the same day.
/// </summary>
public sealed class TableJournalStore(StorageAccount account) : IJournalStore
{
    private const int MaxAttempts = 16;
    private const int MaxPropertyChars = 30_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private TableClient Table => account.Table(TableNames.Journal);

    // A store's entries of a day share a partition: those recorded side by side (many orders' events handled at
    // once) are added together, one entity-group transaction for many.
    private readonly PartitionGroupCommit _entries = new(() => account.Table(TableNames.Journal), TableTransactionActionType.Add);

    public static string Partition(DateOnly businessDay, string store) => $"{Day(businessDay)}|{TableKeys.Escape(store)}";

    private static string Day(DateOnly businessDay) => businessDay.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string Row(string entryId) => $"e:{TableKeys.Escape(entryId)}";

    // The owed-since mark sorts after every business day's partition, so no day's range ever reads it.
    private const string OwedPartition = "~owed";
    private const string OwedRow = "since";

    public async Task<(StoredJournalEntry Entry, bool Added)> AddAsync(StoredJournalEntry entry, CancellationToken cancellationToken)
    {
        var entity = ToEntity(entry);
        try
        {
            var response = await Table.AddEntityAsync(entity, cancellationToken);
            return (entry with { Version = response.Headers.ETag?.ToString() }, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(entry.Entry.BusinessDay, entry.Entry.Store, entry.EntryId, cancellationToken)
                ?? throw new InvalidOperationException($"journal entry {entry.EntryId} exists and cannot be read");
            return (existing, false);
        }
    }

    /// <summary>
    /// Entries of one store and day share a partition: they are added up to 100 per transaction (fewer when large, so a
    /// transaction stays within its 4 MiB), together with what other callers add to the partition meanwhile. A
    /// transaction whose entries are not all new (a redelivery, a till's upload sent again) is followed by a read of
    /// which of them are stored (14 to a query), and the rest are added in one transaction; only when that fails too
    /// (another writer added some meanwhile) are they added one at a time.
    /// </summary>
    public async Task<IReadOnlyList<(StoredJournalEntry Entry, bool Added)>> AddAllAsync(IReadOnlyList<StoredJournalEntry> entries,
        CancellationToken cancellationToken)
    {
        var results = new (StoredJournalEntry Entry, bool Added)[entries.Count];
        var groups = entries.Select((entry, index) => new Adding(entry, index, ToEntity(entry)))
            .DistinctBy(e => (e.Entity.PartitionKey, e.Entity.RowKey))
            .GroupBy(e => e.Entity.PartitionKey)
            .SelectMany(g => TableTransactions.Chunks(g, e => e.Bytes));
        foreach (var chunk in groups)
        {
            if (await _entries.WriteTaggedAsync([.. chunk.Select(c => c.Entity)], cancellationToken, chunk.Sum(c => c.Bytes)) is { } versions)
                for (var i = 0; i < chunk.Length; i++)
                    results[chunk[i].Index] = (chunk[i].Entry with { Version = versions[i] }, true);
            else
                await AddNotStoredAsync(chunk, results, cancellationToken);
        }
        // The same entry twice in one call: the second finds the first.
        for (var i = 0; i < entries.Count; i++)
            if (results[i].Entry is null) results[i] = (results.First(r => r.Entry?.EntryId == entries[i].EntryId && r.Entry.Entry.Store == entries[i].Entry.Store).Entry, false);
        return results;
    }

    /// <summary>An entry to add, its row and what the row weighs in a transaction (measured once).</summary>
    private sealed record Adding(StoredJournalEntry Entry, int Index, TableEntity Entity)
    {
        public int Bytes { get; } = TableTransactions.PayloadBytes(Entity);
    }

    /// <summary>Answers the chunk's entries already stored with what is stored, and adds the rest.</summary>
    private async Task AddNotStoredAsync(IReadOnlyList<Adding> chunk, (StoredJournalEntry Entry, bool Added)[] results, CancellationToken cancellationToken)
    {
        var stored = await StoredAsync(chunk[0].Entity.PartitionKey, [.. chunk.Select(c => c.Entity.RowKey)], cancellationToken);
        var rest = new List<Adding>();
        foreach (var one in chunk)
        {
            if (stored.TryGetValue(one.Entity.RowKey, out var found)) results[one.Index] = (found, false);
            else rest.Add(one);
        }
        if (rest.Count == 0) return;
        try
        {
            var response = await Table.SubmitTransactionAsync(
                rest.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e.Entity)), cancellationToken);
            for (var i = 0; i < rest.Count; i++)
                results[rest[i].Index] = (rest[i].Entry with { Version = response.Value[i].Headers.ETag?.ToString() }, true);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            foreach (var one in rest) results[one.Index] = await AddAsync(one.Entry, cancellationToken);
        }
    }

    /// <summary>Which of a partition's rows are stored, read by key (as few queries as the filter's limit allows).</summary>
    private async Task<Dictionary<string, StoredJournalEntry>> StoredAsync(string partition, IReadOnlyList<string> rows,
        CancellationToken cancellationToken) =>
        (await Table.QueryRowsAsync(partition, rows.Select(RowTerm.Key), cancellationToken))
            .ToDictionary(e => e.RowKey, FromEntity, StringComparer.Ordinal);

    public async Task<StoredJournalEntry?> GetAsync(DateOnly businessDay, string store, string entryId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition(businessDay, store), Row(entryId), cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    public async Task<IReadOnlyList<StoredJournalEntry>> ListAsync(DateOnly businessDay, string? store, CancellationToken cancellationToken)
    {
        var filter = store is not null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {Partition(businessDay, store)}")
            : TableClient.CreateQueryFilter($"PartitionKey ge {Day(businessDay) + "|"} and PartitionKey lt {Day(businessDay) + "}"}");
        var found = new List<StoredJournalEntry>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            found.Add(FromEntity(e));
        return found;
    }

    public async Task<bool> TryReplaceAsync(StoredJournalEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Version is null) throw new ArgumentException("an entry is replaced only as it was read (with its version)", nameof(entry));
        try
        {
            await Table.UpdateEntityAsync(ToEntity(entry), new ETag(entry.Version), TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<StoredJournalEntry>> FindAsync(DateOnly from, DateOnly to, string status, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {Day(from) + "|"} and PartitionKey lt {Day(to.AddDays(1)) + "|"} and Status eq {status}");
        var found = new List<StoredJournalEntry>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            found.Add(FromEntity(e));
        return found;
    }

    public async Task<(DateOnly? Day, string? Version)> OwedSinceAsync(CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(OwedPartition, OwedRow, cancellationToken: cancellationToken);
        return row.HasValue ? (ParseDay(row.Value!.GetString("Day")), row.Value.ETag.ToString()) : (null, null);
    }

    public async Task MarkOwedAsync(DateOnly businessDay, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (day, version) = await OwedSinceAsync(cancellationToken);
            if (day is { } marked && marked <= businessDay) return;
            if (await TrySetOwedSinceAsync(businessDay, version, cancellationToken)) return;
        }
        throw new InvalidOperationException($"the journal's owed-since mark kept changing while {businessDay:yyyy-MM-dd} was marked");
    }

    public async Task<bool> TrySetOwedSinceAsync(DateOnly? businessDay, string? version, CancellationToken cancellationToken)
    {
        try
        {
            if (businessDay is not { } day)
            {
                if (version is not null) await Table.DeleteEntityAsync(OwedPartition, OwedRow, new ETag(version), cancellationToken);
                return true;
            }
            var entity = new TableEntity(OwedPartition, OwedRow) { ["Day"] = Day(day) };
            if (version is null) await Table.AddEntityAsync(entity, cancellationToken);
            else await Table.UpdateEntityAsync(entity, new ETag(version), TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    private static DateOnly? ParseDay(string? day) =>
        DateOnly.TryParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : null;

    public async Task<IReadOnlyList<StoredJournalEntry>> SummariseAsync(DateOnly businessDay, string store, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var partition = Partition(businessDay, store);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (await GatherAsync(partition, businessDay, store, at, cancellationToken) && await FinishAsync(partition, businessDay, store, at, cancellationToken))
            {
                return (await ReadPartitionAsync(partition, cancellationToken))
                    .Select(r => r.Stored)
                    .Where(s => s.Entry.Source == JournalEntry.SummarySource && s.Status == PostingStatuses.Recorded)
                    .ToList();
            }
            // Another writer changed the day meanwhile (a new entry, a second runtime closing it): read again.
            await Task.Delay(Random.Shared.Next(5, 20 * attempt), cancellationToken);
        }
        throw new InvalidOperationException($"the journal of {store} on {businessDay:yyyy-MM-dd} kept changing while it was summarised");
    }

    /// <summary>Moves every entry awaiting a summary into its currency's open summary; false on a concurrent change.</summary>
    private async Task<bool> GatherAsync(string partition, DateOnly businessDay, string store, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rows = await ReadPartitionAsync(partition, cancellationToken);
        foreach (var pending in rows.Where(r => r.Stored.Status == PostingStatuses.AwaitingSummary).GroupBy(r => r.Stored.Entry.Currency))
        {
            var currency = pending.Key;
            var open = rows.Where(r => IsSummary(r, currency) && r.Stored.Status == PostingStatuses.Building).Take(1).ToList();
            ETag summaryTag;
            string summaryId;
            if (open.Count == 0)
            {
                summaryId = JournalIds.ForSummary(store, businessDay, currency, rows.Count(r => IsSummary(r, currency)) + 1);
                var building = new StoredJournalEntry(
                    new JournalEntry(summaryId, JournalEntry.SummarySource, "0 entries", store, "mixed", businessDay, currency, null, []),
                    PostingStatuses.Building, 0, at).WithAudit(at, "journal", "summary opened", null);
                try
                {
                    summaryTag = (await Table.AddEntityAsync(ToEntity(building), cancellationToken)).Headers.ETag!.Value;
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    return false;
                }
            }
            else
            {
                summaryId = open[0].Stored.EntryId;
                summaryTag = open[0].Entity.ETag;
            }

            foreach (var chunk in pending.Chunk(99))
            {
                // The summary row changes in the same transaction, so a summary being finished (or gathered by another
                // runtime) and these entries being counted in it can never interleave.
                var actions = new List<TableTransactionAction>
                {
                    new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, Row(summaryId)) { ["GatheredAt"] = at }, summaryTag),
                };
                actions.AddRange(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                    new TableEntity(partition, r.Entity.RowKey) { ["Status"] = PostingStatuses.Summarised, ["SummaryId"] = summaryId }, r.Entity.ETag)));
                try
                {
                    var response = await Table.SubmitTransactionAsync(actions, cancellationToken);
                    summaryTag = response.Value[0].Headers.ETag!.Value;
                }
                catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>Turns each open summary into a postable entry of its members' lines; false on a concurrent change.</summary>
    private async Task<bool> FinishAsync(string partition, DateOnly businessDay, string store, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rows = await ReadPartitionAsync(partition, cancellationToken);
        foreach (var open in rows.Where(r => r.Stored.Entry.Source == JournalEntry.SummarySource && r.Stored.Status == PostingStatuses.Building))
        {
            var summary = open.Stored;
            var members = rows.Where(r => r.Stored.SummaryId == summary.EntryId).Select(r => r.Stored.Entry).ToList();
            var built = JournalSummary.Build(summary.EntryId, store, businessDay, summary.Entry.Currency, members);
            var finished = built is { Lines.Count: > 0 }
                ? (summary with { Entry = built, Status = PostingStatuses.Recorded, QueuedAt = at })
                    .WithAudit(at, "journal", "summary closed", $"{members.Count} entries")
                : (summary with { Status = PostingStatuses.Empty }).WithAudit(at, "journal", "summary closed", $"{members.Count} entries net to nothing");
            try
            {
                await Table.UpdateEntityAsync(ToEntity(finished), open.Entity.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsSummary((StoredJournalEntry Stored, TableEntity Entity) row, string currency) =>
        row.Stored.Entry.Source == JournalEntry.SummarySource && row.Stored.Entry.Currency == currency;

    private async Task<List<(StoredJournalEntry Stored, TableEntity Entity)>> ReadPartitionAsync(string partition, CancellationToken cancellationToken)
    {
        var rows = new List<(StoredJournalEntry, TableEntity)>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
            rows.Add((FromEntity(e), e));
        return rows;
    }

    private static TableEntity ToEntity(StoredJournalEntry stored)
    {
        var entry = stored.Entry;
        var lines = JsonSerializer.Serialize(entry.Lines, Json);
        if (lines.Length > MaxPropertyChars)
            throw new InvalidOperationException($"journal entry {entry.EntryId} has too many lines to store ({entry.Lines.Count})");
        return new TableEntity(Partition(entry.BusinessDay, entry.Store), Row(entry.EntryId))
        {
            ["EntryId"] = entry.EntryId,
            ["Source"] = entry.Source,
            ["FactId"] = entry.FactId,
            ["Store"] = entry.Store,
            ["Channel"] = entry.Channel,
            ["BusinessDay"] = entry.BusinessDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Currency"] = entry.Currency,
            ["Reference"] = entry.Reference,
            ["Lines"] = lines,
            ["TotalDebit"] = entry.TotalDebit.ToString(CultureInfo.InvariantCulture),
            ["Status"] = stored.Status,
            ["Revision"] = stored.Revision,
            ["RecordedAt"] = stored.RecordedAt,
            ["QueuedAt"] = stored.QueuedAt,
            ["PostedAt"] = stored.PostedAt,
            ["ErpDocumentId"] = stored.ErpDocumentId,
            ["Rejection"] = Truncate(stored.Rejection),
            ["OpenExceptionId"] = stored.OpenExceptionId,
            ["SummaryId"] = stored.SummaryId,
            ["History"] = JsonSerializer.Serialize(KeepRecent(stored.History ?? []), Json),
            ["Fact"] = stored.Fact is { Length: <= MaxPropertyChars } fact ? fact : null,
        };
    }

    /// <summary>The first audit step and the latest ones: a long re-post history must still fit its property.</summary>
    private static IReadOnlyList<JournalAudit> KeepRecent(IReadOnlyList<JournalAudit> history) =>
        history.Count <= 50 ? history : [history[0], .. history.Skip(history.Count - 49)];

    private static string? Truncate(string? text) => text is { Length: > MaxPropertyChars } ? text[..MaxPropertyChars] : text;

    private static StoredJournalEntry FromEntity(TableEntity e)
    {
        var entry = new JournalEntry(
            e.GetString("EntryId"), e.GetString("Source"), e.GetString("FactId"), e.GetString("Store"), e.GetString("Channel"),
            DateOnly.ParseExact(e.GetString("BusinessDay"), "yyyy-MM-dd", CultureInfo.InvariantCulture), e.GetString("Currency"), e.GetString("Reference"),
            JsonSerializer.Deserialize<List<JournalLine>>(e.GetString("Lines") ?? "[]", Json)!);
        return new StoredJournalEntry(entry, e.GetString("Status"), e.GetInt32("Revision") ?? 0, e.GetDateTimeOffset("RecordedAt") ?? default,
            e.GetDateTimeOffset("QueuedAt"), e.GetDateTimeOffset("PostedAt"), e.GetString("ErpDocumentId"), e.GetString("Rejection"),
            e.GetString("OpenExceptionId"), e.GetString("SummaryId"),
            JsonSerializer.Deserialize<List<JournalAudit>>(e.GetString("History") ?? "[]", Json), e.GetString("Fact"), e.ETag.ToString());
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Reconciliation;

namespace RetailFunctions.Storage;

/// <summary>
/// The reconciliation's rows: <c>report</c>/<c>{day}</c> a day's report; <c>diff-{yyyyMMdd}</c>/<c>{difference id}</c>
/// its differences with the run that found them; <c>open-{area}</c>/<c>{key}</c> items carried from day to day
/// (timing differences) with the day they cleared or were escalated, sorted by key as the engine reads them.
/// </summary>
public sealed class TableReconciliationStore(StorageAccount account) : IReconciliationStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private const string ReportPartition = "report";
    // Table properties hold at most 64 KiB: a large report is kept in several.
    private const int ChunkChars = 30_000;
    private TableClient Table => account.Table(TableNames.Reconciliation);

    public async Task SaveReportAsync(ReconciliationReport report, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(report, Json);
        var entity = new TableEntity(ReportPartition, Iso(report.BusinessDay)) { ["RunId"] = report.RunId, ["RanAt"] = report.RanAt };
        var chunks = json.Chunk(ChunkChars).Select(c => new string(c)).ToList();
        entity["Chunks"] = chunks.Count;
        for (var i = 0; i < chunks.Count; i++) entity[$"Report{i}"] = chunks[i];
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ReconciliationReport?> GetReportAsync(DateOnly businessDay, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(ReportPartition, Iso(businessDay), cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var e = row.Value!;
        var json = string.Concat(Enumerable.Range(0, e.GetInt32("Chunks") ?? 0).Select(i => e.GetString($"Report{i}")));
        return JsonSerializer.Deserialize<ReconciliationReport>(json, Json);
    }

    public async Task<IReadOnlyList<ReconciledDay>> ListReportsAsync(int max, CancellationToken cancellationToken)
    {
        // One small row per day: read the partition's keys and run columns (not the report chunks), then take the latest.
        var days = new List<ReconciledDay>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == ReportPartition, select: ["RowKey", "RunId", "RanAt"],
            cancellationToken: cancellationToken))
            if (DateOnly.TryParseExact(e.RowKey, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                days.Add(new ReconciledDay(day, e.GetString("RunId"), e.GetDateTimeOffset("RanAt") ?? default));
        return [.. days.OrderByDescending(d => d.BusinessDay).Take(max)];
    }

    public async Task SaveDifferencesAsync(string runId, IReadOnlyList<ReconciliationDifference> differences, CancellationToken cancellationToken)
    {
        foreach (var day in differences.GroupBy(d => DiffPartition(d.BusinessDay)))
        foreach (var chunk in day.GroupBy(d => TableKeys.Escape(d.Id)).Select(g => g.Last()).Chunk(100))
            await Table.SubmitTransactionAsync(chunk.Select(d => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(day.Key, TableKeys.Escape(d.Id)) { ["RunId"] = runId, ["Difference"] = JsonSerializer.Serialize(d, Json) })), cancellationToken);
    }

    public async IAsyncEnumerable<StoredDifference> DifferencesAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var partition = DiffPartition(businessDay);
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == partition, cancellationToken: cancellationToken))
            yield return new StoredDifference(JsonSerializer.Deserialize<ReconciliationDifference>(e.GetString("Difference"), Json)!, e.GetString("RunId"));
    }

    public async Task DeleteDifferenceAsync(ReconciliationDifference difference, CancellationToken cancellationToken) =>
        await Table.DeleteEntityAsync(DiffPartition(difference.BusinessDay), TableKeys.Escape(difference.Id), cancellationToken: cancellationToken);

    public async IAsyncEnumerable<MatchItem> CarriedAsync(ReconciliationArea area, DateOnly businessDay,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var partition = OpenPartition(area);
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            var item = JsonSerializer.Deserialize<MatchItem>(e.GetString("Item"), Json)!;
            if (item.Day >= businessDay) continue;
            if (Day(e, "ClearedOn") is { } cleared && cleared < businessDay) continue;
            if (Day(e, "EscalatedOn") is { } escalated && escalated < businessDay) continue;
            yield return item;
        }
    }

    public async Task SaveCarriedAsync(IReadOnlyList<CarriedChange> changes, CancellationToken cancellationToken)
    {
        foreach (var area in changes.GroupBy(c => OpenPartition(c.Area)))
        foreach (var chunk in area.GroupBy(c => TableKeys.Escape(c.Item.Key)).Select(g => g.Last()).Chunk(100))
        {
            await Table.SubmitTransactionAsync(chunk.Select(c =>
            {
                var entity = new TableEntity(area.Key, TableKeys.Escape(c.Item.Key));
                switch (c.Outcome)
                {
                    case CarriedOutcome.Carried:
                        entity["Item"] = JsonSerializer.Serialize(c.Item, Json);
                        entity["Day"] = Iso(c.Item.Day);
                        break;
                    case CarriedOutcome.Cleared:
                        entity["ClearedOn"] = Iso(c.On);
                        break;
                    case CarriedOutcome.Escalated:
                        entity["EscalatedOn"] = Iso(c.On);
                        break;
                }
                // Merge: a later day's clearing survives when the day that carried the item runs again.
                return new TableTransactionAction(TableTransactionActionType.UpsertMerge, entity);
            }), cancellationToken);
        }
    }

    public async Task ForgetCarriedFromAsync(ReconciliationArea area, DateOnly businessDay, CancellationToken cancellationToken)
    {
        var partition = OpenPartition(area);
        var day = Iso(businessDay);
        var actions = new List<TableTransactionAction>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            if (e.GetString("Day") == day)
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, e.RowKey), e.ETag));
            else if (e.GetString("ClearedOn") == day || e.GetString("EscalatedOn") == day)
            {
                // What this day decided about earlier items is decided again by its new run.
                if (e.GetString("ClearedOn") == day) e["ClearedOn"] = null;
                if (e.GetString("EscalatedOn") == day) e["EscalatedOn"] = null;
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, e, e.ETag));
            }
            if (actions.Count == 100)
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                actions.Clear();
            }
        }
        if (actions.Count > 0) await Table.SubmitTransactionAsync(actions, cancellationToken);
    }

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    private static string DiffPartition(DateOnly day) => $"diff-{day:yyyyMMdd}";
    private static string OpenPartition(ReconciliationArea area) => $"open-{area.Name()}";

    private static DateOnly? Day(TableEntity e, string name) =>
        e.GetString(name) is { Length: > 0 } text ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
}

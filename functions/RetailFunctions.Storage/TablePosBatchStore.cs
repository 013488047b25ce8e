using Azure.Data.Tables;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>
/// One partition per batch: the batch row and one status row per transaction position. A day's index partition
/// (<c>day-{yyyyMMdd}</c>, one row per batch id, which sorts by time) lists what was received that day.
/// </summary>
public sealed class TablePosBatchStore(StorageAccount account) : IPosBatchStore
{
    private const string BatchRow = "batch";
    private TableClient Table => account.Table(TableNames.PosBatches);

    public async Task CreateAsync(PosBatch batch, CancellationToken cancellationToken)
    {
        // The index row first: a batch row without one would be missing from its day's list.
        var day = DateOnly.FromDateTime(batch.ReceivedAt.UtcDateTime);
        await Table.UpsertEntityAsync(new TableEntity(DayPartition(day), TableKeys.Escape(batch.BatchId)) { ["BatchId"] = batch.BatchId },
            TableUpdateMode.Replace, cancellationToken);
        await Table.AddEntityAsync(ToEntity(batch), cancellationToken);
    }

    public async Task<IReadOnlyList<PosBatch>> ListByDayAsync(DateOnly day, int max, CancellationToken cancellationToken)
    {
        var partition = DayPartition(day);
        var ids = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == partition, maxPerPage: Math.Min(max, 1000),
            select: ["BatchId"], cancellationToken: cancellationToken))
        {
            ids.Add(e.GetString("BatchId"));
            if (ids.Count >= max) break;
        }
        // An operator's read of a day: the batch rows live in their own partitions, so they are read side by side,
        // a few at a time, and kept in the index's order (by batch id, which sorts by time).
        var batches = new PosBatch?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => batches[i] = await GetAsync(ids[i], ct));
        return [.. batches.OfType<PosBatch>()];
    }

    private static string DayPartition(DateOnly day) => $"day-{day:yyyyMMdd}";

    public async Task<PosBatch?> GetAsync(string batchId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(batchId), BatchRow, cancellationToken: cancellationToken);
        return row.HasValue ? ToBatch(row.Value!) : null;
    }

    public async Task<IReadOnlyList<PosTransactionStatus>> GetTransactionsAsync(string batchId, int skip, int take, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(batchId);
        var from = TransactionRow(skip + 1);
        var found = new List<PosTransactionStatus>();
        await foreach (var e in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo(from) >= 0 && e.RowKey.CompareTo("tx;") < 0,
            maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
        {
            found.Add(new PosTransactionStatus((int)(e.GetInt32("Position") ?? 0), e.GetString("Receipt"), e.GetString("Kind"),
                e.GetString("Status"), e.GetString("Reason"), e.GetInt32("MovementsApplied") ?? 0, e.GetInt32("MovementsAlreadyApplied") ?? 0));
            if (found.Count >= take) break;
        }
        return found;
    }

    public async Task SaveChunkAsync(PosBatch batch, IReadOnlyList<PosTransactionStatus> statuses, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(batch.BatchId);
        var actions = statuses.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, TransactionRow(s.Position))
        {
            ["Position"] = s.Position,
            ["Receipt"] = s.Receipt,
            ["Kind"] = s.Kind,
            ["Status"] = s.Status,
            ["Reason"] = s.Reason,
            ["MovementsApplied"] = s.MovementsApplied,
            ["MovementsAlreadyApplied"] = s.MovementsAlreadyApplied,
        })).Append(new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(batch)));
        await Table.SubmitTransactionAsync(actions, cancellationToken);
    }

    private static string TransactionRow(int position) => $"tx:{position:D9}";

    private static TableEntity ToEntity(PosBatch b) => new(TableKeys.Escape(b.BatchId), BatchRow)
    {
        ["BatchId"] = b.BatchId,
        ["Store"] = b.Store,
        ["Format"] = b.Format,
        ["Blob"] = b.Blob,
        ["Status"] = b.Status,
        ["DeclaredTransactions"] = b.DeclaredTransactions,
        ["ProcessedThrough"] = b.ProcessedThrough,
        ["Applied"] = b.Applied,
        ["Exceptions"] = b.Exceptions,
        ["Malformed"] = b.Malformed,
        ["Recorded"] = b.Recorded,
        ["PansMasked"] = b.PansMasked,
        ["ReceivedAt"] = b.ReceivedAt,
        ["CompletedAt"] = b.CompletedAt,
        ["Failure"] = b.Failure,
        ["ReplayOf"] = b.ReplayOf,
    };

    private static PosBatch ToBatch(TableEntity e) => new(
        e.GetString("BatchId"), e.GetString("Store"), e.GetString("Format"), e.GetString("Blob"), e.GetString("Status"),
        e.GetInt32("DeclaredTransactions") ?? 0, e.GetInt32("ProcessedThrough") ?? 0, e.GetInt32("Applied") ?? 0,
        e.GetInt32("Exceptions") ?? 0, e.GetInt32("Malformed") ?? 0, e.GetInt32("Recorded") ?? 0, e.GetInt32("PansMasked") ?? 0,
        e.GetDateTimeOffset("ReceivedAt") ?? default, e.GetDateTimeOffset("CompletedAt"), e.GetString("Failure"), e.GetString("ReplayOf"));
}

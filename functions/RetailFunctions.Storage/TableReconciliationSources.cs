using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Reconciliation;

namespace RetailFunctions.Storage;

/// <summary>How far after a business day its till uploads may still arrive (stores offline for days upload late).</summary>
public sealed record TillSourceOptions(int LateUploadDays = 7);

/// <summary>
/// The tills' side, from the POS uploads as stored: before a day is read, every upload received from the day before it
/// to <see cref="TillSourceOptions.LateUploadDays"/> after it that is not indexed yet is read once and its
/// transactions written to <c>pos-{yyyyMMdd}</c> rows of the reconciliation table, keyed by receipt (so a receipt
/// uploaded twice is one row); the day is then read back in key order. The table does the sorting, so no day is ever
/// held in memory.
/// </summary>
public sealed class TableTillRecordSource(StorageAccount account, IBlobStore blobs, ICatalogStore catalog, TillSourceOptions options, TimeProvider clock)
    : ITillRecordSource
{
    private const string IndexedPartition = "pos-indexed";
    private TableClient Table => account.Table(TableNames.Reconciliation);

    public async IAsyncEnumerable<TillRecord> TillRecordsAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await IndexUploadsAsync(businessDay, cancellationToken);
        var partition = Partition(businessDay);
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            yield return new TillRecord(e.GetString("Key"), e.GetString("Store"), e.GetString("Workstation"), Enum.Parse<TillRecordKind>(e.GetString("Kind")),
                e.GetString("Currency"), JsonSerializer.Deserialize<List<TenderAmount>>(e.GetString("Tenders"), TableReconciliationStore.Json)!,
                e.GetString("Due") is { } due ? decimal.Parse(due, CultureInfo.InvariantCulture) : null);
        }
    }

    private async Task IndexUploadsAsync(DateOnly businessDay, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var stores = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var received = businessDay.AddDays(-1); received <= businessDay.AddDays(options.LateUploadDays) && received <= today; received = received.AddDays(1))
        {
            await foreach (var (name, _) in blobs.ListAsync(ContainerNames.PosUploads, $"{received:yyyy/MM/dd}/", ct))
            {
                var marker = await Table.GetEntityIfExistsAsync<TableEntity>(IndexedPartition, TableKeys.Escape(name), cancellationToken: ct);
                if (marker.HasValue) continue;
                var transactions = await IndexAsync(name, stores, ct);
                await Table.UpsertEntityAsync(new TableEntity(IndexedPartition, TableKeys.Escape(name)) { ["Transactions"] = transactions }, TableUpdateMode.Replace, ct);
            }
        }
    }

    private async Task<int> IndexAsync(string blob, Dictionary<string, string> stores, CancellationToken ct)
    {
        // Rows wait per day partition, at most 100 each (one entity-group transaction); a receipt twice in a file is one row.
        var pending = new Dictionary<string, Dictionary<string, TableEntity>>(StringComparer.Ordinal);
        var count = 0;
        await using var content = await blobs.OpenReadAsync(ContainerNames.PosUploads, blob, ct);
        foreach (var transaction in TillRecords.Read(blob, content))
        {
            var posStore = transaction.Receipt.StoreId;
            if (!stores.TryGetValue(posStore, out var store))
                stores[posStore] = store = await catalog.ResolveLocationAsync("pos", posStore, ct) ?? posStore;
            // A receipt without the till's business day is its store's local day, as the ingestion dated it.
            var dated = transaction.BusinessDayStated ? transaction : transaction.DatedIn(BusinessDays.ZoneOf(await catalog.GetLocationAsync(store, ct)));
            if (TillRecords.From(dated, store) is not { } record) continue;
            count++;
            var partition = Partition(dated.Receipt.BusinessDay);
            if (!pending.TryGetValue(partition, out var rows)) pending[partition] = rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
            rows[TableKeys.Escape(record.Key)] = new TableEntity(partition, TableKeys.Escape(record.Key))
            {
                ["Key"] = record.Key,
                ["Store"] = record.Store,
                ["Workstation"] = record.Workstation,
                ["Kind"] = record.Kind.ToString(),
                ["Currency"] = record.Currency,
                ["Tenders"] = JsonSerializer.Serialize(record.Tenders, TableReconciliationStore.Json),
                ["Upload"] = blob,
                ["Due"] = record.Due?.ToString(CultureInfo.InvariantCulture),
            };
            if (rows.Count < 100) continue;
            await FlushAsync(rows, ct);
        }
        foreach (var rows in pending.Values) await FlushAsync(rows, ct);
        return count;
    }

    private async Task FlushAsync(Dictionary<string, TableEntity> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await Table.SubmitTransactionAsync(rows.Values.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct);
        rows.Clear();
    }

    private static string Partition(DateOnly day) => $"pos-{day:yyyyMMdd}";
}

/// <summary>
/// Physical counts from the stock ledger: the day's cycle-count movements (by business day, or by the day they
/// happened when they have none), each with the on-hand figure of the movement before it at that location.
/// The ledger's partitions are SKUs, so they come back sorted by sku|location.
/// </summary>
public sealed class TableStockCountSource(StorageAccount account) : IStockCountSource
{
    private TableClient Table => account.Table(TableNames.Inventory);

    public async IAsyncEnumerable<StockCount> CountsAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var day = businessDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"Kind eq {nameof(MovementKind.CycleCount)}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (!e.RowKey.StartsWith("mov:", StringComparison.Ordinal)) continue;
            var movementDay = e.GetString("BusinessDay") ?? e.GetDateTimeOffset("OccurredAt")?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (movementDay != day) continue;
            var location = e.GetString("Location");
            var before = await OnHandBeforeAsync(e.PartitionKey, location, e.RowKey, cancellationToken);
            yield return new StockCount(e.GetString("Sku"), location, TableInventoryStore.Load(e, "Quantity"), before,
                $"{e.GetString("IdempotencyKey")} by {e.GetString("Actor")}");
        }
    }

    /// <summary>On hand after the movement before this one at the same location (0 when it is the first).</summary>
    private async Task<decimal> OnHandBeforeAsync(string partition, string location, string rowKey, CancellationToken ct)
    {
        var prefix = $"mov:{TableKeys.Escape(location)}:";
        decimal before = 0m;
        await foreach (var m in Table.QueryAsync<TableEntity>(x => x.PartitionKey == partition && x.RowKey.CompareTo(prefix) >= 0 && x.RowKey.CompareTo(rowKey) < 0,
            select: ["OnHandAfter"], cancellationToken: ct))
            before = TableInventoryStore.Load(m, "OnHandAfter");
        return before;
    }
}

using System.Collections.Concurrent;
using System.Text;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Storage;

/// <summary>
/// Orders in one table. Each order is one row (partition = order id, row "order") holding its state and its outbox
/// as JSON, written together under the row's ETag. A table property holds at most 64 KiB, so larger JSON is split
/// across numbered properties. Channel references are index rows: partition "ref:{channel}", row "{normalized value}".
/// </summary>
public sealed class TableOrderStore(StorageAccount account) : IOrderStore
{
    private const string OrderRow = "order";
    private const int ChunkChars = 30_000;
    private TableClient Table => account.Table(TableNames.Orders);

    public async Task<StoredOrder> LoadAsync(string orderId, CancellationToken cancellationToken)
    {
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(orderId, OrderRow, cancellationToken: cancellationToken);
        if (!found.HasValue) return new StoredOrder(Order.Empty(orderId), [], null);
        var entity = found.Value!;
        return new StoredOrder(
            OrderJson.Deserialize<Order>(ReadChunks(entity, "State")),
            OrderJson.Deserialize<List<OrderEffect>>(ReadChunks(entity, "Pending")),
            entity.ETag.ToString());
    }

    public async Task<StoredOrder?> TrySaveAsync(string orderId, StoredOrder loaded, OrderChange change, CancellationToken cancellationToken)
    {
        var (order, pending, etag) = (change.Order, change.Pending, loaded.ETag);
        var entity = new TableEntity(order.OrderId, OrderRow)
        {
            ["Status"] = order.Status.ToString(),
            ["Channel"] = order.Draft?.Channel,
            ["PendingCount"] = pending.Count,
            ["Sequence"] = order.Sequence,
        };
        WriteChunks(entity, "State", OrderJson.Serialize(order));
        WriteChunks(entity, "Pending", OrderJson.Serialize(pending));
        try
        {
            var written = etag is null
                ? await Table.AddEntityAsync(entity, cancellationToken)
                : await Table.UpdateEntityAsync(entity, new ETag(etag), TableUpdateMode.Replace, cancellationToken);
            return new StoredOrder(order, pending,
                written.Headers.ETag?.ToString() ?? throw new InvalidOperationException($"the write of order {order.OrderId} returned no ETag"));
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    public async Task<string?> FindAsync(string channel, string value, CancellationToken cancellationToken)
    {
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(ReferencePartition(channel), TableKeys.Escape(OrderIds.NormalizeReference(value)),
            cancellationToken: cancellationToken);
        return found.HasValue ? found.Value!.GetString("OrderId") : null;
    }

    public Task IndexAsync(string orderId, string channel, IReadOnlyList<ChannelReference> references, CancellationToken cancellationToken) =>
        IndexAllAsync(channel, [(orderId, references)], cancellationToken);

    /// <summary>
    /// A channel's index rows share its partition, so many orders' rows go in one entity-group transaction (100 rows
    /// each). A row two orders name (a printed receipt number reused) is written once, for the later order.
    /// </summary>
    public async Task IndexAllAsync(string channel, IReadOnlyList<(string OrderId, IReadOnlyList<ChannelReference> References)> orders,
        CancellationToken cancellationToken)
    {
        var partition = ReferencePartition(channel);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (orderId, references) in orders)
            foreach (var value in references.Select(r => r.Value).Append(orderId))
                rows[TableKeys.Escape(OrderIds.NormalizeReference(value))] = orderId;
        var actions = rows.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
            new TableEntity(partition, row.Key) { ["OrderId"] = row.Value })).ToList();
        foreach (var batch in actions.Chunk(100))
            await Table.SubmitTransactionAsync(batch, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListIdsAsync(string prefix, CancellationToken cancellationToken)
    {
        // Order ids are partition keys, so one prefix is one key range.
        var to = prefix[..^1] + (char)(prefix[^1] + 1);
        var ids = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {to} and RowKey eq {OrderRow}"),
                           select: ["PartitionKey"], cancellationToken: cancellationToken))
            ids.Add(e.PartitionKey);
        return ids;
    }

    public async Task<IReadOnlyList<string>> ListWithPendingAsync(DateTimeOffset unchangedSince, int max, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.RowKey == OrderRow && e.GetInt32("PendingCount") > 0 && e.Timestamp < unchangedSince,
                           select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            ids.Add(e.PartitionKey);
            if (ids.Count >= max) break;
        }
        return ids;
    }

    private static string ReferencePartition(string channel) => $"ref:{channel.ToLowerInvariant()}";

    internal static void WriteChunks(TableEntity entity, string name, string json)
    {
        var chunks = json.Chunk(ChunkChars).Select(c => new string(c)).ToList();
        entity[$"{name}Chunks"] = chunks.Count;
        for (var i = 0; i < chunks.Count; i++) entity[$"{name}{i}"] = chunks[i];
    }

    internal static string ReadChunks(TableEntity entity, string name)
    {
        var count = entity.GetInt32($"{name}Chunks") ?? 0;
        var json = new StringBuilder();
        for (var i = 0; i < count; i++) json.Append(entity.GetString($"{name}{i}"));
        return json.ToString();
    }
}

/// <summary>
/// Stores' pick lists: partition = location, row = "{order}:{shipment}". The row this process last wrote is kept with
/// its tag (a bounded set), so the next stage of the shipment is written without reading it first; the write is
/// ETag-checked, and a row someone else changed meanwhile is read again. Stages of one shipment are written one at a
/// time in this process.
/// </summary>
public sealed class TableStoreTaskStore(StorageAccount account) : IStoreTaskStore
{
    private const int RememberedRows = 4_096;
    private readonly ConcurrentDictionary<string, TableEntity> _written = new(StringComparer.Ordinal);
    private readonly StripedLock _rows = new();
    private TableClient Table => account.Table(TableNames.StoreTasks);

    public async Task AddAsync(StoreTask task, CancellationToken cancellationToken)
    {
        var entity = ToEntity(task);
        using var turn = await _rows.AcquireAsync($"{entity.PartitionKey}|{entity.RowKey}", cancellationToken);
        try
        {
            var added = await Table.AddEntityAsync(entity, cancellationToken);
            if (added.Headers.ETag is { } etag) Remember(entity, etag);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Requested already; its stage may have moved on since.
        }
    }

    public async Task AdvanceAsync(string location, string orderId, string shipmentId, ShipmentStage stage, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(location);
        var row = RowKey(orderId, shipmentId);
        // Stages of one shipment arriving together (pick and pack published moments apart) take turns on the kept row
        // rather than colliding on its tag.
        using var turn = await _rows.AcquireAsync($"{partition}|{row}", cancellationToken);
        var kept = _written.TryGetValue($"{partition}|{row}", out var written) ? written : null;
        // A row only moves forward, so a stage that is no step forward of the kept copy is none of the row either
        // (a repeat, a late message, a closed task): nothing to read or write.
        if (kept is not null && !IsLater(stage, Enum.Parse<ShipmentStage>(kept.GetString("Stage")))) return;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            // A kept row is trusted only for a write (its tag is checked); a lost race reads it again.
            var entity = kept;
            kept = null;
            if (entity is null)
            {
                var found = await Table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
                if (!found.HasValue) return;
                entity = found.Value!;
                if (!IsLater(stage, Enum.Parse<ShipmentStage>(entity.GetString("Stage")))) return;
            }
            var next = new TableEntity(entity) { ["Stage"] = stage.ToString(), ["UpdatedAt"] = at };
            try
            {
                var updated = await Table.UpdateEntityAsync(next, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                if (updated.Headers.ETag is { } etag) Remember(next, etag);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                if (e.Status == 404) return;
            }
        }
    }

    private void Remember(TableEntity entity, ETag etag)
    {
        if (_written.Count >= RememberedRows) _written.Clear();
        _written[$"{entity.PartitionKey}|{entity.RowKey}"] = new TableEntity(entity) { ETag = etag };
    }

    public async Task<IReadOnlyList<StoreTask>> ListAsync(string location, bool openOnly, CancellationToken cancellationToken)
    {
        var tasks = new List<StoreTask>();
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == TableKeys.Escape(location), cancellationToken: cancellationToken))
        {
            var task = FromEntity(e);
            if (!openOnly || IsOpen(task.Stage)) tasks.Add(task);
        }
        return [.. tasks.OrderBy(t => t.RequestedAt)];
    }

    private static bool IsOpen(ShipmentStage stage) => stage is ShipmentStage.Allocated or ShipmentStage.Picking or ShipmentStage.Packed or ShipmentStage.ReadyForPickup;

    /// <summary>Closing stages (cancelled, expired, gone to the customer) are final; otherwise only forward.</summary>
    private static bool IsLater(ShipmentStage next, ShipmentStage current) => IsOpen(current) && next != current && (next > current || !IsOpen(next));

    private static string RowKey(string orderId, string shipmentId) => TableKeys.Escape($"{orderId}:{shipmentId}");

    private static TableEntity ToEntity(StoreTask task) => new(TableKeys.Escape(task.Location), RowKey(task.OrderId, task.ShipmentId))
    {
        ["OrderId"] = task.OrderId,
        ["ShipmentId"] = task.ShipmentId,
        ["Method"] = task.Method.ToString(),
        ["Lines"] = OrderJson.Serialize(task.Lines),
        ["Stage"] = task.Stage.ToString(),
        ["RequestedAt"] = task.RequestedAt,
        ["UpdatedAt"] = task.UpdatedAt,
    };

    private static StoreTask FromEntity(TableEntity e) => new(
        TableKeys.Unescape(e.PartitionKey),
        e.GetString("OrderId"),
        e.GetString("ShipmentId"),
        Enum.Parse<FulfilmentMethod>(e.GetString("Method")),
        OrderJson.Deserialize<List<ShipmentLine>>(e.GetString("Lines")),
        Enum.Parse<ShipmentStage>(e.GetString("Stage")),
        e.GetDateTimeOffset("RequestedAt") ?? default,
        e.GetDateTimeOffset("UpdatedAt") ?? default);
}

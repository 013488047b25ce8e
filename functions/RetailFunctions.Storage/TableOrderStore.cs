using System.Text;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Storage;

/// <summary>
/// Orders in one table. Each order is one row (partition = order id, row "Order:{order id}") holding its state and
/// its outbox as JSON, written together under the row's ETag. The row key repeats the id because the storage emulator
/// finds a row by its row key first: a row key every order shared made each order's read and write scan all orders.
/// A table property holds at most 64 KiB, so larger JSON is split across numbered properties. Channel references are
/// index rows: partition "ref:{channel}", row "{normalized value}" (lower case, so never an order row's key).
/// <para>
/// An order whose id is its channel's own id (<see cref="OrderIds.ForChannel"/>: app, marketplace, curbside) is
/// found without an index row when every spelling of its references leads to its id (the id in lower or upper case,
/// as the reference is written): its row says so (<c>FoundById</c>), and a lookup that misses the index reads those
/// rows instead. Such an order's index would be a second write in another partition beside its insert.
/// </para>
/// </summary>
public sealed class TableOrderStore(StorageAccount account) : IOrderStore
{
    /// <summary>An order row's key: an index row's key is a reference in lower case, so it never starts so.</summary>
    public static string OrderRow(string orderId) => $"Order:{orderId}";

    /// <summary>The order rows among the index rows: row keys from "Order:" up to, not including, "Order;".</summary>
    public const string OrderRowsFilter = "RowKey ge 'Order:' and RowKey lt 'Order;'";
    private const int ChunkChars = 30_000;
    private const string FoundById = "FoundById";
    private static readonly HashSet<string> ChannelIdChannels =
        new([Channels.App, Channels.Marketplace, Channels.Curbside], StringComparer.Ordinal);
    private TableClient Table => account.Table(TableNames.Orders);
    private readonly PartitionGroupCommit _index = new(() => account.Table(TableNames.Orders), TableTransactionActionType.UpsertReplace);

    public async Task<StoredOrder> LoadAsync(string orderId, CancellationToken cancellationToken)
    {
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(orderId, OrderRow(orderId), cancellationToken: cancellationToken);
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
        var entity = new TableEntity(order.OrderId, OrderRow(order.OrderId))
        {
            ["Status"] = order.Status.ToString(),
            ["Channel"] = order.Draft?.Channel,
            ["PendingCount"] = pending.Count,
            ["Sequence"] = order.Sequence,
        };
        if (order.Draft is { } draft && IsFoundById(order.OrderId, draft.Channel, draft.References)) entity[FoundById] = true;
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
        if (found.HasValue) return found.Value!.GetString("OrderId");
        if (!ChannelIdChannels.Contains(channel)) return null;
        // Not indexed: the orders this spelling can name by their id, read side by side; the first that says it is found so.
        var candidates = IdsNamedBy(channel, value).ToList();
        if (candidates.Count == 0) return null;
        var rows = await Task.WhenAll(candidates.Select(id =>
            Table.GetEntityIfExistsAsync<TableEntity>(id, OrderRow(id), select: [FoundById], cancellationToken: cancellationToken)));
        return candidates.Where((_, i) => rows[i].HasValue && rows[i].Value!.GetBoolean(FoundById) == true).FirstOrDefault();
    }

    /// <summary>
    /// The ids an order of a channel-id channel may have when a lookup names it so: the reference as written, in lower
    /// and in upper case, or, written as our id, that id in either case. Every spelling that normalizes alike names the same ids.
    /// </summary>
    private static IEnumerable<string> IdsNamedBy(string channel, string value)
    {
        // Only references that are ids as written are found so: "A B" must not find the order of "A_B".
        var (written, normalized) = (value.Trim(), OrderIds.NormalizeReference(value));
        if (OrderIds.Safe(normalized) != normalized) return [];
        var prefix = $"{channel}-";
        string[] bare = normalized.StartsWith(prefix, StringComparison.Ordinal) ? [normalized, normalized[prefix.Length..]] : [normalized];
        return (OrderIds.Safe(written) == written ? [OrderIds.ForChannel(channel, written)] : Array.Empty<string>())
            .Concat(bare.SelectMany(b => new[] { OrderIds.ForChannel(channel, b), OrderIds.ForChannel(channel, b.ToUpperInvariant()) }))
            .Distinct(StringComparer.Ordinal);
    }

    /// <summary>Whether every reference of the order, and its id, is found by the order's own row without an index row.</summary>
    internal static bool IsFoundById(string orderId, string channel, IReadOnlyList<ChannelReference> references) =>
        ChannelIdChannels.Contains(channel) && OrderIds.Safe(orderId) == orderId
        && references.Select(r => r.Value).Append(orderId).All(value => IdsNamedBy(channel, value).Contains(orderId));

    /// <summary>
    /// One order's index rows, written with those of other orders of the channel indexed at the same moment (they share
    /// its partition): a burst of orders costs a few transactions instead of one each. An order found by its id
    /// without them (see the class) writes none.
    /// </summary>
    public Task IndexAsync(string orderId, string channel, IReadOnlyList<ChannelReference> references, CancellationToken cancellationToken)
    {
        if (IsFoundById(orderId, channel, references)) return Task.CompletedTask;
        var rows = IndexRows(channel, [(orderId, references)]);
        return rows.Count <= TableTransactions.MaxOperations
            ? _index.WriteAsync(rows, cancellationToken)
            : IndexAllAsync(channel, [(orderId, references)], cancellationToken);
    }

    /// <summary>
    /// A channel's index rows share its partition, so many orders' rows go in one entity-group transaction (100 rows
    /// each). A row two orders name (a printed receipt number reused) is written once, for the later order.
    /// </summary>
    public async Task IndexAllAsync(string channel, IReadOnlyList<(string OrderId, IReadOnlyList<ChannelReference> References)> orders,
        CancellationToken cancellationToken)
    {
        foreach (var batch in IndexRows(channel, orders).Chunk(TableTransactions.MaxOperations))
            await Table.SubmitTransactionAsync(batch.Select(Upsert), cancellationToken);
    }

    private static TableTransactionAction Upsert(TableEntity row) => new(TableTransactionActionType.UpsertReplace, row);

    private static List<TableEntity> IndexRows(string channel,
        IReadOnlyList<(string OrderId, IReadOnlyList<ChannelReference> References)> orders)
    {
        var partition = ReferencePartition(channel);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (orderId, references) in orders)
            foreach (var value in references.Select(r => r.Value).Append(orderId))
                rows[TableKeys.Escape(OrderIds.NormalizeReference(value))] = orderId;
        return [.. rows.Select(row => new TableEntity(partition, row.Key) { ["OrderId"] = row.Value })];
    }

    public async Task<IReadOnlyList<string>> ListIdsAsync(string prefix, CancellationToken cancellationToken)
    {
        // Order ids are partition keys, so one prefix is one key range.
        var to = prefix[..^1] + (char)(prefix[^1] + 1);
        var ids = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {to}") + $" and {OrderRowsFilter}",
                           select: ["PartitionKey"], cancellationToken: cancellationToken))
            ids.Add(e.PartitionKey);
        return ids;
    }

    public async Task<IReadOnlyList<string>> ListWithPendingAsync(DateTimeOffset unchangedSince, int max, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PendingCount gt 0 and Timestamp lt {unchangedSince}") + $" and {OrderRowsFilter}",
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

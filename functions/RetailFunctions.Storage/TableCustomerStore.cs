using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Customers;

namespace RetailFunctions.Storage;

/// <summary>
/// Profiles on Table storage:
/// <list type="bullet">
/// <item>partition <c>{customerId}</c>: row <c>p:{customerId}</c> the profile (state, merge pointer, JSON; ETag-checked),
/// rows <c>h:{key}</c> its purchases and returns, one per activity key;</item>
/// <item>partition and row <c>x:{kind}:{value}</c>: the contact-point index, each identifier held by exactly one profile;</item>
/// <item>partition and row <c>o:{orderId}</c>: whose an order is, for returns that name no shopper.</item>
/// </list>
/// </summary>
public sealed class TableCustomerStore(StorageAccount account) : ICustomerStore
{
    // Table string properties hold 64 KiB (32K UTF-16 characters): a large profile is split over several.
    private const int ChunkLength = 30_000;
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private TableClient Table => account.Table(TableNames.Customers);

    public async Task<CustomerState> GetAsync(string customerId, CancellationToken cancellationToken) =>
        (await ReadAsync(customerId, cancellationToken)).State;

    public async Task<CustomerRow> LoadAsync(string customerId, CancellationToken cancellationToken)
    {
        var (state, etag) = await ReadAsync(customerId, cancellationToken);
        return new CustomerRow(state, etag?.ToString());
    }

    public async Task<CustomerRow?> TrySaveAsync(string customerId, CustomerRow loaded, CustomerState change, CancellationToken cancellationToken)
    {
        var entity = ToEntity(customerId, change);
        try
        {
            var written = loaded.ETag is { } current
                ? await Table.UpdateEntityAsync(entity, new ETag(current), TableUpdateMode.Replace, cancellationToken)
                : await Table.AddEntityAsync(entity, cancellationToken);
            return new CustomerRow(change, written.Headers.ETag?.ToString());
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    public async Task<string?> FindAsync(ContactPoint point, CancellationToken cancellationToken)
    {
        var key = IndexKey(point);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(key, key, ["CustomerId"], cancellationToken);
        return row.HasValue ? row.Value!.GetString("CustomerId") : null;
    }

    public async Task<bool> ClaimAsync(ContactPoint point, string customerId, CancellationToken cancellationToken)
    {
        var key = IndexKey(point);
        try
        {
            await Table.AddEntityAsync(new TableEntity(key, key) { ["CustomerId"] = customerId, ["Kind"] = ContactPoint.KindName(point.Kind) }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await FindAsync(point, cancellationToken) == customerId;
        }
    }

    public async Task<IReadOnlyList<string>> HoldersAsync(ContactKind kind, string prefix, CancellationToken cancellationToken)
    {
        // Index rows sort by key, so one kind's values with a prefix are one key range.
        var from = IndexKey(new ContactPoint(kind, prefix));
        var to = from[..^1] + (char)(from[^1] + 1);
        var holders = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {from} and PartitionKey lt {to}"),
                           select: ["CustomerId"], cancellationToken: cancellationToken))
            if (row.GetString("CustomerId") is { } id) holders.Add(id);
        return [.. holders];
    }

    public async Task ReleaseAsync(ContactPoint point, string customerId, CancellationToken cancellationToken)
    {
        var key = IndexKey(point);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(key, key, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("CustomerId") != customerId) return;
        try
        {
            await Table.DeleteEntityAsync(key, key, row.Value.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or taken over by another profile meanwhile: either way no longer ours.
        }
    }

    public async Task<bool> AddHistoryAsync(string customerId, HistoryEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(ToHistoryEntity(customerId, entry), cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<bool> TryAddWithHistoryAsync(string customerId, CustomerState state, HistoryEntry first,
        CancellationToken cancellationToken)
    {
        try
        {
            await Table.SubmitTransactionAsync([
                new TableTransactionAction(TableTransactionActionType.Add, ToEntity(customerId, state)),
                new TableTransactionAction(TableTransactionActionType.Add, ToHistoryEntity(customerId, first)),
            ], cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    private static TableEntity ToHistoryEntity(string customerId, HistoryEntry e) => new(TableKeys.Escape(customerId), HistoryRow(e.Key))
    {
        ["Key"] = e.Key,
        ["Kind"] = e.Kind.ToString(),
        ["OrderId"] = e.OrderId,
        ["OriginalOrderId"] = e.OriginalOrderId,
        ["Channel"] = e.Channel,
        ["Store"] = e.Store,
        ["Net"] = TableInventoryStore.Store(e.Net.Amount),
        ["Currency"] = e.Net.Currency,
        ["At"] = e.At,
        ["RecordedOn"] = e.RecordedOn,
    };

    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string customerId, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(customerId);
        var history = new List<HistoryEntry>();
        await foreach (var e in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo("h:") >= 0 && e.RowKey.CompareTo("h;") < 0, cancellationToken: cancellationToken))
        {
            history.Add(new HistoryEntry(e.GetString("Key"), Enum.Parse<ActivityKind>(e.GetString("Kind")), e.GetString("OrderId"), e.GetString("OriginalOrderId"),
                e.GetString("Channel"), e.GetString("Store"), new Money(TableInventoryStore.Load(e, "Net"), e.GetString("Currency")),
                e.GetDateTimeOffset("At") ?? default, e.GetString("RecordedOn")));
        }
        return history.OrderBy(h => h.At).ToList();
    }

    public async Task LinkOrderAsync(string orderId, string customerId, CancellationToken cancellationToken)
    {
        var key = OrderKey(orderId);
        try
        {
            await Table.AddEntityAsync(new TableEntity(key, key) { ["CustomerId"] = customerId }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // The order is already someone's: the first profile it was recorded on keeps it.
        }
    }

    public async Task<string?> FindOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        var key = OrderKey(orderId);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(key, key, ["CustomerId"], cancellationToken);
        return row.HasValue ? row.Value!.GetString("CustomerId") : null;
    }

    private static string OrderKey(string orderId) => TableKeys.Escape($"o:{orderId}");

    private static string IndexKey(ContactPoint point) => TableKeys.Escape($"x:{point.Key}");
    private static string ProfileRow(string customerId) => $"p:{TableKeys.Escape(customerId)}";
    private static string HistoryRow(string key) => $"h:{TableKeys.Escape(key)}";

    private async Task<(CustomerState State, ETag? ETag)> ReadAsync(string customerId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(customerId), ProfileRow(customerId), cancellationToken: cancellationToken);
        return row.HasValue ? (FromEntity(row.Value!), row.Value!.ETag) : (CustomerState.None, null);
    }

    private static TableEntity ToEntity(string customerId, CustomerState state)
    {
        var entity = new TableEntity(TableKeys.Escape(customerId), ProfileRow(customerId)) { ["CustomerId"] = customerId };
        switch (state)
        {
            case CustomerState.Active a:
                entity["State"] = "active";
                WriteChunks(entity, JsonSerializer.Serialize(a.Profile, Json));
                break;
            case CustomerState.Merged m:
                entity["State"] = "merged";
                entity["Into"] = m.Into;
                entity["MergeId"] = m.MergeId;
                WriteChunks(entity, JsonSerializer.Serialize(m.Profile, Json));
                break;
            case CustomerState.Anonymized a:
                entity["State"] = "anonymized";
                entity["AnonymizedAt"] = a.At;
                entity["Reason"] = a.Reason;
                WriteChunks(entity, JsonSerializer.Serialize(a.Merges, Json));
                break;
            default:
                throw new InvalidOperationException($"cannot store a {state.GetType().Name} profile");
        }
        return entity;
    }

    private static CustomerState FromEntity(TableEntity entity)
    {
        var json = ReadChunks(entity);
        return entity.GetString("State") switch
        {
            "active" => new CustomerState.Active(JsonSerializer.Deserialize<CustomerProfile>(json, Json)!),
            "merged" => new CustomerState.Merged(JsonSerializer.Deserialize<CustomerProfile>(json, Json)!, entity.GetString("Into"), entity.GetString("MergeId")),
            "anonymized" => new CustomerState.Anonymized(entity.GetString("CustomerId"), entity.GetDateTimeOffset("AnonymizedAt") ?? default,
                entity.GetString("Reason") ?? "", JsonSerializer.Deserialize<List<MergeRecord>>(json, Json) ?? []),
            var other => throw new InvalidOperationException($"unknown profile state '{other}'"),
        };
    }

    private static void WriteChunks(TableEntity entity, string json)
    {
        var chunks = (json.Length + ChunkLength - 1) / ChunkLength;
        entity["Chunks"] = chunks;
        for (var i = 0; i < chunks; i++) entity[$"Json{i}"] = json.Substring(i * ChunkLength, Math.Min(ChunkLength, json.Length - i * ChunkLength));
    }

    private static string ReadChunks(TableEntity entity)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < (entity.GetInt32("Chunks") ?? 0); i++) builder.Append(entity.GetString($"Json{i}"));
        return builder.ToString();
    }
}

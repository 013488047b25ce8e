using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>
/// The points ledger on Table storage, one partition per customer: <c>a:{customerId}</c> the account (balance, lots,
/// rolling spend; ETag-checked), <c>o:{orderId}</c> what each order earned and returned, <c>e:{sequence}</c> the
/// append-only entries, <c>i:{key}</c> applied commands with the events they wrote. A command's rows are read by key
/// side by side, and a decision's rows written in one entity-group transaction, so a redemption is checked against the
/// balance it changes: two redemptions racing for the same points cannot both pass.
/// </summary>
public sealed class TableLoyaltyStore(StorageAccount account) : ILoyaltyStore
{
    private static readonly JsonSerializerOptions Json = TableCustomerStore.Json;
    private static readonly Dictionary<string, Type> EventTypes =
        typeof(LoyaltyEvent).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(LoyaltyEvent))).ToDictionary(t => t.Name);
    private TableClient Table => account.Table(TableNames.Loyalty);

    public async Task<LoyaltyRows> LoadAsync(LoyaltyKey key, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(key.CustomerId);
        var accountRow = AccountRow(key.CustomerId);
        var idempotencyRow = IdempotencyRow(key.IdempotencyKey);
        var orderRow = key.OrderId is { } orderId ? OrderRow(orderId) : null;
        // Read by key: the ledger gains rows with every order.
        var rows = (await Table.ReadRowsAsync(partition, new[] { accountRow, idempotencyRow, orderRow }.OfType<string>(), cancellationToken))
            .OfType<TableEntity>().ToDictionary(e => e.RowKey, StringComparer.Ordinal);
        var stored = rows.GetValueOrDefault(accountRow);
        var order = orderRow is null ? null : rows.GetValueOrDefault(orderRow);
        return new LoyaltyRows(
            stored is null ? LoyaltyAccount.Open(key.CustomerId) : JsonSerializer.Deserialize<LoyaltyAccount>(stored.GetString("Json"), Json)!,
            stored?.ETag.ToString(),
            order is null ? null : JsonSerializer.Deserialize<OrderAccrual>(order.GetString("Json"), Json),
            order?.ETag.ToString(),
            rows.GetValueOrDefault(idempotencyRow) is { } applied ? AppliedEvents(applied) : null);
    }

    public async Task<LoyaltyRows?> TrySaveAsync(LoyaltyKey key, LoyaltyRows loaded, LoyaltyChange change, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(key.CustomerId);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity(partition, IdempotencyRow(change.IdempotencyKey))
            {
                ["Events"] = JsonSerializer.Serialize(change.Events.Select(e => new StoredEvent(e.GetType().Name, JsonSerializer.Serialize(e, e.GetType(), Json))), Json),
                ["At"] = change.At,
            }),
            Written(ToAccountEntity(partition, change.Account), loaded.AccountTag),
        };
        if (change.Order is { } order) actions.Add(Written(ToOrderEntity(partition, order), loaded.OrderTag));
        actions.AddRange(change.Entries.Select(entry => new TableTransactionAction(TableTransactionActionType.Add, ToEntryEntity(partition, entry))));
        try
        {
            var response = await Table.SubmitTransactionAsync(actions, cancellationToken);
            var tags = response.Value.Select(r => r.Headers.ETag?.ToString()).ToList();
            return new LoyaltyRows(change.Account, tags[1], change.Order ?? loaded.Order, change.Order is null ? loaded.OrderTag : tags[2], change.Events);
        }
        catch (TableTransactionFailedException failure) when (failure.Status is 409 or 412)
        {
            return null;
        }
    }

    private static TableTransactionAction Written(TableEntity entity, string? etag) => etag is { } tag
        ? new(TableTransactionActionType.UpdateReplace, entity, new ETag(tag))
        : new(TableTransactionActionType.Add, entity);

    public async Task<LoyaltyAccount> GetAccountAsync(string customerId, CancellationToken cancellationToken) =>
        (await ReadAccountAsync(customerId, cancellationToken)).Account;

    public async Task<LoyaltyRows> LoadAccountAsync(string customerId, CancellationToken cancellationToken)
    {
        var (account, tag) = await ReadAccountAsync(customerId, cancellationToken);
        return LoyaltyRows.AccountOnly(account, tag?.ToString());
    }

    public async Task<IReadOnlyList<LoyaltyEntry>> GetEntriesAsync(string customerId, int max, CancellationToken cancellationToken)
    {
        var account = await GetAccountAsync(customerId, cancellationToken);
        var from = EntryRow(Math.Max(1, account.Sequence - max + 1));
        var partition = TableKeys.Escape(customerId);
        var entries = new List<LoyaltyEntry>();
        await foreach (var e in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo(from) >= 0 && e.RowKey.CompareTo("e;") < 0, cancellationToken: cancellationToken))
        {
            entries.Add(new LoyaltyEntry(e.GetInt64("Sequence") ?? 0, e.GetString("Kind"), e.GetInt64("Points") ?? 0, e.GetInt64("BalanceAfter") ?? 0,
                e.GetString("Reference"), e.GetString("Detail"), e.GetDateTimeOffset("At") ?? default));
        }
        return entries;
    }

    public async Task<IReadOnlyList<string>> DueForExpiryAsync(DateTimeOffset at, int max, CancellationToken cancellationToken)
    {
        var due = new List<string>();
        var filter = TableClient.CreateQueryFilter($"RowKey ge {"a:"} and RowKey lt {"a;"} and NextExpiry le {at}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, select: ["CustomerId"], cancellationToken: cancellationToken))
        {
            due.Add(e.GetString("CustomerId"));
            if (due.Count >= max) break;
        }
        return due;
    }

    private sealed record StoredEvent(string Type, string Json);

    private static List<LoyaltyEvent> AppliedEvents(TableEntity row)
    {
        var stored = JsonSerializer.Deserialize<List<StoredEvent>>(row.GetString("Events") ?? "[]", Json) ?? [];
        return stored.Select(s => (LoyaltyEvent)JsonSerializer.Deserialize(s.Json, EventTypes[s.Type], Json)!).ToList();
    }

    private static string AccountRow(string customerId) => $"a:{TableKeys.Escape(customerId)}";
    private static string OrderRow(string orderId) => $"o:{TableKeys.Escape(orderId)}";
    private static string EntryRow(long sequence) => $"e:{sequence:D12}";
    private static string IdempotencyRow(string key) => $"i:{TableKeys.Escape(key)}";

    private async Task<(LoyaltyAccount Account, ETag? ETag)> ReadAccountAsync(string customerId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(customerId), AccountRow(customerId), cancellationToken: cancellationToken);
        if (!row.HasValue) return (LoyaltyAccount.Open(customerId), null);
        var account = JsonSerializer.Deserialize<LoyaltyAccount>(row.Value!.GetString("Json"), Json)!;
        return (account, row.Value.ETag);
    }

    public async Task<OrderAccrual?> GetOrderAsync(string customerId, string orderId, CancellationToken cancellationToken) =>
        (await ReadOrderAsync(TableKeys.Escape(customerId), orderId, cancellationToken)).Order;

    private async Task<(OrderAccrual? Order, ETag? ETag)> ReadOrderAsync(string partition, string orderId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(partition, OrderRow(orderId), cancellationToken: cancellationToken);
        return row.HasValue ? (JsonSerializer.Deserialize<OrderAccrual>(row.Value!.GetString("Json"), Json), row.Value.ETag) : (null, null);
    }

    private static TableEntity ToAccountEntity(string partition, LoyaltyAccount account) => new(partition, AccountRow(account.CustomerId))
    {
        ["CustomerId"] = account.CustomerId,
        ["Balance"] = account.Balance,
        ["Sequence"] = account.Sequence,
        ["NextExpiry"] = account.Lots.Count == 0 ? null : account.Lots.Min(l => l.ExpiresAt),
        ["Json"] = JsonSerializer.Serialize(account, Json),
    };

    private static TableEntity ToOrderEntity(string partition, OrderAccrual order) => new(partition, OrderRow(order.OrderId))
    {
        ["Json"] = JsonSerializer.Serialize(order, Json),
    };

    private static TableEntity ToEntryEntity(string partition, LoyaltyEntry entry) => new(partition, EntryRow(entry.Sequence))
    {
        ["Sequence"] = entry.Sequence,
        ["Kind"] = entry.Kind,
        ["Points"] = entry.Points,
        ["BalanceAfter"] = entry.BalanceAfter,
        ["Reference"] = entry.Reference,
        ["Detail"] = entry.Detail,
        ["At"] = entry.At,
    };
}

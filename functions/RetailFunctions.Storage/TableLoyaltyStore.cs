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
/// append-only entries, <c>i:{key}</c> applied commands with the events they wrote. A decision's rows are written in
/// one entity-group transaction, so a redemption is checked against the balance it changes: two redemptions racing
/// for the same points cannot both pass, the loser reads the new balance and decides again.
/// </summary>
public sealed class TableLoyaltyStore(StorageAccount account) : ILoyaltyStore
{
    private const int MaxAttempts = 64;
    private static readonly JsonSerializerOptions Json = TableCustomerStore.Json;
    private static readonly Dictionary<string, Type> EventTypes =
        typeof(LoyaltyEvent).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(LoyaltyEvent))).ToDictionary(t => t.Name);
    private readonly StripedLock _writers = new();
    private TableClient Table => account.Table(TableNames.Loyalty);

    public async Task<LoyaltyResult> ExecuteAsync(LoyaltyCommand command, LoyaltyProgram program, CancellationToken cancellationToken)
    {
        // One writer per customer in this process; across instances the account's ETag decides.
        using var writer = await _writers.AcquireAsync(command.CustomerId, cancellationToken);
        var partition = TableKeys.Escape(command.CustomerId);
        var idempotencyRow = $"i:{TableKeys.Escape(command.IdempotencyKey)}";
        for (var attempt = 1; ; attempt++)
        {
            if (await AppliedAsync(partition, idempotencyRow, cancellationToken) is { } applied)
                return new LoyaltyResult(CommandOutcome.AlreadyApplied, applied, (await ReadAccountAsync(command.CustomerId, cancellationToken)).Account);

            var (account, accountTag) = await ReadAccountAsync(command.CustomerId, cancellationToken);
            var orderId = OrderOf(command);
            var (order, orderTag) = orderId is null ? (null, null) : await ReadOrderAsync(partition, orderId, cancellationToken);
            var slice = new LoyaltySlice(account, order);
            var events = LoyaltyDecider.Decide(command, slice, program);
            if (events.Count == 0) return new LoyaltyResult(CommandOutcome.NoOp, [], account);
            var after = LoyaltyDecider.Evolve(slice, events);
            var compacted = LoyaltyDecider.Compact(after.Account, command.At, program.SpendWindowDays);

            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Add, new TableEntity(partition, idempotencyRow)
                {
                    ["Events"] = JsonSerializer.Serialize(events.Select(e => new StoredEvent(e.GetType().Name, JsonSerializer.Serialize(e, e.GetType(), Json))), Json),
                    ["At"] = command.At,
                }),
                accountTag is { } tag
                    ? new(TableTransactionActionType.UpdateReplace, ToAccountEntity(partition, compacted), tag)
                    : new(TableTransactionActionType.Add, ToAccountEntity(partition, compacted)),
            };
            if (after.Order is { } changed && !Equals(changed, order))
                actions.Add(orderTag is { } otag
                    ? new(TableTransactionActionType.UpdateReplace, ToOrderEntity(partition, changed), otag)
                    : new(TableTransactionActionType.Add, ToOrderEntity(partition, changed)));
            var balance = account.Balance;
            for (var i = 0; i < events.Count; i++)
            {
                balance += events[i].Delta;
                actions.Add(new(TableTransactionActionType.Add, ToEntryEntity(partition, LoyaltyEntries.From(events[i], account.Sequence + i + 1, balance))));
            }

            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                return new LoyaltyResult(CommandOutcome.Applied, events, compacted);
            }
            catch (TableTransactionFailedException failure) when (failure.Status is 409 or 412)
            {
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException($"the points of {command.CustomerId} stayed contended after {attempt} attempts", failure);
                await Task.Delay(Random.Shared.Next(1, 4 * Math.Min(attempt, 10)), cancellationToken);
            }
        }
    }

    public async Task<LoyaltyAccount> GetAccountAsync(string customerId, CancellationToken cancellationToken) =>
        (await ReadAccountAsync(customerId, cancellationToken)).Account;

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

    private async Task<IReadOnlyList<LoyaltyEvent>?> AppliedAsync(string partition, string idempotencyRow, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(partition, idempotencyRow, cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var stored = JsonSerializer.Deserialize<List<StoredEvent>>(row.Value!.GetString("Events") ?? "[]", Json) ?? [];
        return stored.Select(s => (LoyaltyEvent)JsonSerializer.Deserialize(s.Json, EventTypes[s.Type], Json)!).ToList();
    }

    private static string? OrderOf(LoyaltyCommand command) => command switch
    {
        LoyaltyCommand.Accrue c => c.OrderId,
        LoyaltyCommand.Reverse c => c.OrderId,
        _ => null,
    };

    private static string AccountRow(string customerId) => $"a:{TableKeys.Escape(customerId)}";
    private static string OrderRow(string orderId) => $"o:{TableKeys.Escape(orderId)}";
    private static string EntryRow(long sequence) => $"e:{sequence:D12}";

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

using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Storage;

/// <summary>
/// Stores' pick list rows: partition = location, row = "{order}:{shipment}". A row is written when its task is
/// requested and when it closes; the stages in between are the order's (<see cref="StorePickList"/>).
/// <para>
/// A location's requests and closes share its partition, so they are written together: one writer per location takes
/// every request and close waiting, as one entity-group transaction. A request is written before
/// <see cref="AddAsync"/> returns. A close is not waited for: it rides on the location's next request, or is written
/// alone after a few quiet seconds (five). Until then, and should this process die first, the list learns it from
/// the order and closes the row again.
/// </para>
/// </summary>
public sealed class TableStoreTaskStore(StorageAccount account, TimeSpan? closeDelay = null) : IStoreTaskStore
{
    private const int MaxChars = 1_000_000;
    private static readonly IReadOnlyDictionary<string, Exception> NoneRefused = new Dictionary<string, Exception>();
    private const int RememberedClosed = 4_096;
    private readonly TimeSpan _closeDelay = closeDelay ?? TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, Waiting> _locations = new(StringComparer.Ordinal);

    /// <summary>Rows closed here ("{partition}|{row}"): a closed row is final, so later closes and requests write nothing.</summary>
    private readonly ConcurrentDictionary<string, byte> _closed = new(StringComparer.Ordinal);

    private TableClient Table => account.Table(TableNames.StoreTasks);

    private sealed record Request(TableEntity Row, TaskCompletionSource Written);

    private sealed record Close(ShipmentStage Stage, DateTimeOffset At);

    /// <summary>One location's rows waiting to be written, and whether its writer runs or a lone close is due.</summary>
    private sealed class Waiting
    {
        public List<Request> Requests { get; } = [];
        public Dictionary<string, Close> Closes { get; } = new(StringComparer.Ordinal);
        public bool Writing { get; set; }
        public bool FlushScheduled { get; set; }
        public bool FlushDue { get; set; }
    }

    public Task AddAsync(StoreTask task, CancellationToken cancellationToken)
    {
        var entity = ToEntity(task);
        // Requested again after it closed here (a redelivery): the row stands.
        if (_closed.ContainsKey($"{entity.PartitionKey}|{entity.RowKey}")) return Task.CompletedTask;
        var waiting = _locations.GetOrAdd(entity.PartitionKey, _ => new Waiting());
        var request = new Request(entity, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (waiting)
        {
            waiting.Requests.Add(request);
            if (!waiting.Writing) Start(entity.PartitionKey, waiting);
        }
        // A caller that gives up does not take the row out of the write.
        return request.Written.Task.WaitAsync(cancellationToken);
    }

    public Task CloseAsync(string location, string orderId, string shipmentId, ShipmentStage stage, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        var (partition, row) = (TableKeys.Escape(location), RowKey(orderId, shipmentId));
        if (StoreTask.IsOpenStage(stage) || _closed.ContainsKey($"{partition}|{row}")) return Task.CompletedTask;
        var waiting = _locations.GetOrAdd(partition, _ => new Waiting());
        lock (waiting)
        {
            // The first close is the one kept: a closed task is not closed again.
            waiting.Closes.TryAdd(row, new Close(stage, at));
            if (!waiting.Writing) ScheduleFlush(partition, waiting);
        }
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<StoreTask>> ListAsync(string location, bool openOnly, CancellationToken cancellationToken)
    {
        var tasks = new List<StoreTask>();
        var partition = TableKeys.Escape(location);
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            var task = FromEntity(e);
            if (!openOnly || StoreTask.IsOpenStage(task.Stage)) tasks.Add(task);
        }
        return [.. tasks.OrderBy(t => t.RequestedAt)];
    }

    private void Start(string partition, Waiting waiting)
    {
        waiting.Writing = true;
        _ = Task.Run(() => WriteWaitingAsync(partition, waiting));
    }

    /// <summary>A close with no request to ride on is written alone once the delay has passed.</summary>
    private void ScheduleFlush(string partition, Waiting waiting)
    {
        if (waiting.FlushScheduled) return;
        waiting.FlushScheduled = true;
        _ = Task.Run(async () =>
        {
            await Task.Delay(_closeDelay);
            lock (waiting)
            {
                waiting.FlushScheduled = false;
                waiting.FlushDue = true;
                if (!waiting.Writing) Start(partition, waiting);
            }
        });
    }

    /// <summary>Writes while requests wait (with the closes that fit beside them), or once when a lone close is due.</summary>
    private async Task WriteWaitingAsync(string partition, Waiting waiting)
    {
        while (true)
        {
            List<Request> requests;
            List<KeyValuePair<string, Close>> closes;
            lock (waiting)
            {
                if (waiting.Requests.Count == 0 && !(waiting.FlushDue && waiting.Closes.Count > 0))
                {
                    waiting.Writing = false;
                    waiting.FlushDue = false;
                    if (waiting.Closes.Count > 0) ScheduleFlush(partition, waiting);
                    return;
                }
                requests = Fitting(waiting.Requests);
                waiting.Requests.RemoveRange(0, requests.Count);
                var rows = requests.Select(r => r.Row.RowKey).Distinct(StringComparer.Ordinal).Count();
                closes = [.. waiting.Closes.Take(TableTransactions.MaxOperations - rows)];
                foreach (var close in closes) waiting.Closes.Remove(close.Key);
                if (waiting.Closes.Count == 0) waiting.FlushDue = false;
            }
            try
            {
                var refused = await WriteAsync(partition, requests, closes);
                foreach (var request in requests)
                    if (refused.GetValueOrDefault(request.Row.RowKey) is { } why) request.Written.TrySetException(why);
                    else request.Written.TrySetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The requests' messages are delivered again; the closes are the order's to tell, and the list closes them again.
                foreach (var request in requests) request.Written.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// One transaction: each requested row added (already closed when its close came with it), each other close merged
    /// into its row. A row already there is left as it is (a repeated request; its close is merged instead) and a close
    /// whose row is not there yet is dropped (the list closes it once the request lands): either is taken out and the
    /// rest written again.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, Exception>> WriteAsync(string partition, IReadOnlyList<Request> requests,
        IReadOnlyList<KeyValuePair<string, Close>> closes)
    {
        var closing = closes.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        // Each action with the close it carries (none for a request still open).
        var actions = new List<(TableTransactionAction Action, Close? Close)>();
        foreach (var row in requests.Select(r => r.Row).DistinctBy(r => r.RowKey))
        {
            var entity = new TableEntity(row);
            var close = closing.Remove(row.RowKey, out var c) ? c : null;
            actions.Add((new(TableTransactionActionType.Add, close is null ? entity : Closed(entity, close)), close));
        }
        actions.AddRange(closing.Select(c => (CloseAction(partition, c.Key, c.Value), (Close?)c.Value)));
        while (actions.Count > 0)
        {
            try
            {
                await Table.SubmitTransactionAsync(actions.Select(a => a.Action), CancellationToken.None);
                foreach (var (action, _) in actions.Where(a => a.Close is not null)) Remember($"{partition}|{action.Entity.RowKey}");
                return NoneRefused;
            }
            catch (TableTransactionFailedException failure)
                when (failure.Status is 409 or 404 && failure.FailedTransactionActionIndex is { } index)
            {
                var (failed, close) = actions[index];
                actions.RemoveAt(index);
                if (failed.ActionType == TableTransactionActionType.Add && close is not null)
                    actions.Add((CloseAction(partition, failed.Entity.RowKey, close), close));
            }
            catch (RequestFailedException) when (actions.Count > 1)
            {
                // A row the service refuses (too large, say) must not hold back the others in its transaction.
                return await WriteEachAsync(partition, actions);
            }
        }
        return NoneRefused;
    }

    /// <summary>Each row on its own, as the transaction would have written it; the rows refused, with why.</summary>
    private async Task<IReadOnlyDictionary<string, Exception>> WriteEachAsync(string partition,
        IReadOnlyList<(TableTransactionAction Action, Close? Close)> actions)
    {
        var refused = new Dictionary<string, Exception>(StringComparer.Ordinal);
        foreach (var (action, close) in actions)
        {
            var row = action.Entity.RowKey;
            try
            {
                if (action.ActionType == TableTransactionActionType.Add) await Table.AddEntityAsync(action.Entity);
                else await Table.UpdateEntityAsync(action.Entity, ETag.All, TableUpdateMode.Merge);
            }
            catch (RequestFailedException e) when (e.Status == 409 && close is not null)
            {
                await Table.UpdateEntityAsync(CloseAction(partition, row, close).Entity, ETag.All, TableUpdateMode.Merge);
            }
            catch (RequestFailedException e) when (e.Status == 409 || e.Status == 404 && close is not null)
            {
                // Requested already; or a close whose request has not landed (the list closes it once it has).
                continue;
            }
            catch (RequestFailedException e)
            {
                refused[row] = e;
                continue;
            }
            if (close is not null) Remember($"{partition}|{row}");
        }
        return refused;
    }

    /// <summary>The requests one transaction takes: at most 100 rows, and not more text than its 4 MiB body holds.</summary>
    private static List<Request> Fitting(IReadOnlyList<Request> waiting) =>
        [.. Runs.Cut(waiting, r => r.Row.GetString("Lines")?.Length ?? 0, TableTransactions.MaxOperations, (chars, _) => chars <= MaxChars)
            .FirstOrDefault() ?? []];

    private static TableTransactionAction CloseAction(string partition, string row, Close close) =>
        new(TableTransactionActionType.UpdateMerge, Closed(new TableEntity(partition, row), close), ETag.All);

    private static TableEntity Closed(TableEntity entity, Close close)
    {
        entity["Stage"] = close.Stage.ToString();
        entity["UpdatedAt"] = close.At;
        return entity;
    }

    private void Remember(string key)
    {
        if (_closed.Count >= RememberedClosed) _closed.Clear();
        _closed[key] = 0;
    }

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

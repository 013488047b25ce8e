using System.Collections.Concurrent;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Aggregates;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>
/// The stock ledger's write path on the aggregate runner, as a group commit. Commands of one SKU queue in this
/// process; one writer at a time takes every command waiting and runs them as one decision (<see cref="StockGroupPlan"/>)
/// in one transaction (the rest go in the next), and each caller gets its own command's answer.
/// <para>
/// The slice the SKU's last write returned is passed to the runner as assumed, so a hot SKU costs one round trip per
/// group: every row a decision rests on is checked by the write (levels and policies by tag, idempotency rows and new
/// reservations by adding them), and a decision that writes nothing, or refuses anything, is made again on a fresh
/// read. The runner's writer lock is the store's, shared with marking a push (which touches a level's tag).
/// </para>
/// </summary>
public sealed class StockGroupCommit(IInventoryStore store)
{
    private const int MaxAttempts = 64;
    private const int MaxQueues = 10_000;
    private static readonly TimeSpan ContendedFor = TimeSpan.FromSeconds(1);
    private readonly AggregateRunner<StockKey, StockRows, StockChange> _runner = new(store, MaxAttempts, writers: store.Writers);
    private readonly ConcurrentDictionary<string, SkuQueue> _queues = new(StringComparer.Ordinal);

    public async Task<InventoryResult> ExecuteAsync(InventoryCommand command, CancellationToken cancellationToken) =>
        (await ExecuteAllAsync([command], cancellationToken))[0];

    /// <summary>Many commands (a POS chunk's lines): each SKU's are decided together; the answers come in the commands' order.</summary>
    public async Task<IReadOnlyList<InventoryResult>> ExecuteAllAsync(IReadOnlyList<InventoryCommand> commands, CancellationToken cancellationToken)
    {
        var waiters = commands.Select(c => new Waiter(c)).ToList();
        foreach (var sku in waiters.GroupBy(w => w.Command.Sku, StringComparer.Ordinal))
            Enqueue(sku.Key, [.. sku]);
        // A caller that gives up does not cancel the write: the commands may already be in it.
        await Task.WhenAll(waiters.Select(w => w.Answer.Task)).WaitAsync(cancellationToken);
        return waiters.Select(w => w.Answer.Task.Result).ToList();
    }

    private sealed class Waiter(InventoryCommand command)
    {
        public InventoryCommand Command { get; } = command;
        /// <summary>Whether the caller does backlog work: a write shared with a caller that does not, does not wait as backlog.</summary>
        public bool Backlog { get; } = BacklogWork.IsCurrent;
        public TaskCompletionSource<InventoryResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class SkuQueue
    {
        public List<Waiter> Waiting { get; } = [];
        public bool Writing { get; set; }
        /// <summary>When another writer (another instance) last came first on this SKU.</summary>
        public DateTimeOffset ContendedAt { get; set; } = DateTimeOffset.MinValue;
    }

    private void Enqueue(string sku, IReadOnlyList<Waiter> waiters)
    {
        var queue = _queues.GetOrAdd(sku, _ => new SkuQueue());
        bool start;
        lock (queue)
        {
            queue.Waiting.AddRange(waiters);
            start = !queue.Writing;
            queue.Writing = true;
        }
        if (start) _ = Task.Run(() => WriteWaitingAsync(sku, queue));
    }

    /// <summary>Next write takes all waiting: runs until the SKU's queue is empty.</summary>
    private async Task WriteWaitingAsync(string sku, SkuQueue queue)
    {
        while (true)
        {
            List<Waiter> taken;
            lock (queue)
            {
                if (queue.Waiting.Count == 0)
                {
                    queue.Writing = false;
                    if (_queues.Count > MaxQueues) _queues.TryRemove(new KeyValuePair<string, SkuQueue>(sku, queue));
                    return;
                }
                taken = [.. queue.Waiting];
                queue.Waiting.Clear();
            }
            try
            {
                BacklogWork.Set(taken.All(w => w.Backlog));
                for (var rest = (IReadOnlyList<Waiter>)taken; rest.Count > 0;)
                    rest = await WriteGroupAsync(sku, queue, rest);
            }
            catch (Exception e)
            {
                foreach (var waiter in taken) waiter.Answer.TrySetException(e);
            }
            // Another instance writes this SKU too: leave it a gap between our writes, or it may lose every race while
            // we write back to back. Our own requests gather meanwhile and go in the next group.
            if (DateTimeOffset.UtcNow - queue.ContendedAt < ContendedFor) await Task.Delay(Random.Shared.Next(5, 15));
        }
    }

    /// <summary>Decides and writes as many of the commands as one transaction holds; returns those left for the next.</summary>
    private async Task<IReadOnlyList<Waiter>> WriteGroupAsync(string sku, SkuQueue queue, IReadOnlyList<Waiter> waiters)
    {
        var commands = waiters.Select(w => w.Command).ToList();
        var key = StockKey.Of(sku, commands);
        var assumed = store.LastWritten(sku)?.AsSliceOf(key, commands);
        var ran = await _runner.RunAsync(sku, key, rows => Decide(rows, commands, assumed), CancellationToken.None, assumed);
        if (ran.Attempts > 1) queue.ContendedAt = DateTimeOffset.UtcNow;
        for (var i = 0; i < ran.Result.Count; i++) waiters[i].Answer.TrySetResult(ran.Result[i]);
        return waiters.Skip(ran.Result.Count).ToList();
    }

    /// <summary>
    /// A refusal or a no-op on the assumed slice may rest on a row the write does not check (a level nothing else in
    /// the group changes): then nothing is written, so that the runner reads the slice and decides again.
    /// </summary>
    private static Decision<StockChange, IReadOnlyList<InventoryResult>> Decide(StockRows rows, IReadOnlyList<InventoryCommand> commands, StockRows? assumed)
    {
        var decision = StockGroupPlan.Decide(rows, commands);
        return ReferenceEquals(rows, assumed) && decision.Result.Any(r => r.Outcome != CommandOutcome.Applied)
            ? Decision.Nothing<StockChange, IReadOnlyList<InventoryResult>>(decision.Result)
            : decision;
    }
}

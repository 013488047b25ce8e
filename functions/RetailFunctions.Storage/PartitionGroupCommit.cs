using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace RetailFunctions.Storage;

/// <summary>
/// Rows that share a partition, written as a group commit: each caller hands in its rows and waits; one writer per
/// partition takes every caller waiting (up to 100 rows) into one entity-group transaction, and each caller learns
/// the fate of its own rows. Rows are added, a caller's together or not at all (a row already there was written by an
/// earlier delivery, and stands: that caller's rows are left out and it learns so), or upserted (the later caller's row
/// wins). A transaction refused for another reason is written caller by caller, so only the callers at fault fail.
/// </summary>
internal sealed class PartitionGroupCommit(Func<TableClient> table, TableTransactionActionType action)
{
    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    private sealed record Waiter(IReadOnlyList<TableEntity> Rows, TaskCompletionSource<bool> Written);

    private sealed class Partition
    {
        public List<Waiter> Waiting { get; } = [];
        public bool Writing { get; set; }
    }

    /// <summary>
    /// Writes the rows (all of one partition, at most 100) with those of other callers waiting: true when they were
    /// written, false when an add found one of them already there (written before, or by another caller in the same
    /// transaction), and none of them was added.
    /// </summary>
    public Task<bool> WriteAsync(IReadOnlyList<TableEntity> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return Task.FromResult(true);
        var waiter = new Waiter(rows, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        var partition = _partitions.GetOrAdd(rows[0].PartitionKey, _ => new Partition());
        lock (partition)
        {
            partition.Waiting.Add(waiter);
            if (!partition.Writing)
            {
                partition.Writing = true;
                _ = Task.Run(() => WriteWaitingAsync(partition));
            }
        }
        // A caller that gives up does not take its rows out of the write.
        return waiter.Written.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteWaitingAsync(Partition partition)
    {
        while (true)
        {
            List<Waiter> taken;
            lock (partition)
            {
                if (partition.Waiting.Count == 0)
                {
                    partition.Writing = false;
                    return;
                }
                taken = Fitting(partition.Waiting);
                partition.Waiting.RemoveRange(0, taken.Count);
            }
            try
            {
                var (refused, there) = await WriteAsync(taken);
                foreach (var waiter in taken)
                    if (refused.GetValueOrDefault(waiter) is { } why) waiter.Written.TrySetException(why);
                    else waiter.Written.TrySetResult(!there.Contains(waiter));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                foreach (var waiter in taken) waiter.Written.TrySetException(e);
            }
        }
    }

    /// <summary>The callers the next transaction takes: as many as fit its 100 rows (one caller always).</summary>
    private static List<Waiter> Fitting(List<Waiter> waiting) =>
        [.. Runs.Cut(waiting, w => w.Rows.Count, int.MaxValue, (rows, _) => rows <= TableTransactions.MaxOperations).FirstOrDefault() ?? []];

    /// <summary>
    /// The callers' rows in one transaction (each row key once): the callers refused, with why, and those whose add
    /// found a row already there.
    /// </summary>
    private async Task<(IReadOnlyDictionary<Waiter, Exception> Refused, IReadOnlySet<Waiter> There)> WriteAsync(IReadOnlyList<Waiter> waiters)
    {
        var refused = new Dictionary<Waiter, Exception>(ReferenceEqualityComparer.Instance);
        var there = new HashSet<Waiter>(ReferenceEqualityComparer.Instance);
        var writing = waiters.ToList();
        if (action == TableTransactionActionType.Add)
        {
            // A caller adding a row an earlier caller in this transaction adds: the earlier one's is written, the later was there.
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var waiter in waiters)
            {
                if (waiter.Rows.Any(r => keys.Contains(r.RowKey))) there.Add(waiter);
                else keys.UnionWith(waiter.Rows.Select(r => r.RowKey));
            }
            writing.RemoveAll(there.Contains);
        }
        while (writing.Count > 0)
        {
            var rows = writing.SelectMany(w => w.Rows).GroupBy(r => r.RowKey, StringComparer.Ordinal).Select(g => g.Last()).ToList();
            try
            {
                await table().SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(action, r)), CancellationToken.None);
                return (refused, there);
            }
            catch (TableTransactionFailedException failure)
                when (IsThere(failure) && failure.FailedTransactionActionIndex is { } index)
            {
                // Its caller's rows leave the transaction together.
                var owner = writing.First(w => w.Rows.Contains(rows[index]));
                there.Add(owner);
                writing.Remove(owner);
            }
            catch (RequestFailedException e) when (writing.Count == 1)
            {
                if (IsThere(e)) there.Add(writing[0]);
                else refused[writing[0]] = e;
                return (refused, there);
            }
            catch (RequestFailedException)
            {
                foreach (var waiter in writing)
                {
                    try
                    {
                        await table().SubmitTransactionAsync(waiter.Rows.Select(r => new TableTransactionAction(action, r)), CancellationToken.None);
                    }
                    catch (RequestFailedException e)
                    {
                        if (IsThere(e)) there.Add(waiter);
                        else refused[waiter] = e;
                    }
                }
                return (refused, there);
            }
        }
        return (refused, there);
    }

    /// <summary>An add that found its row already written.</summary>
    private bool IsThere(RequestFailedException e) => action == TableTransactionActionType.Add && e.Status == 409;
}

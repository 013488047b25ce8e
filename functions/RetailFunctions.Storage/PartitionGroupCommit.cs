using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace RetailFunctions.Storage;

/// <summary>
/// Rows that share a partition, written as a group commit: each caller hands in its rows and waits; one writer per
/// partition takes every caller waiting (up to 100 rows) into one entity-group transaction, and each caller learns
/// the fate of its own rows. Rows are added (a row already there was written by an earlier delivery, and stands) or
/// upserted (the later caller's row wins). A transaction refused for another reason is written row by row, so only
/// the callers whose rows are at fault fail.
/// </summary>
internal sealed class PartitionGroupCommit(Func<TableClient> table, TableTransactionActionType action)
{
    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    private sealed record Waiter(IReadOnlyList<TableEntity> Rows, TaskCompletionSource Written);

    private sealed class Partition
    {
        public List<Waiter> Waiting { get; } = [];
        public bool Writing { get; set; }
    }

    /// <summary>Writes the rows (all of one partition, at most 100) with those of other callers waiting.</summary>
    public Task WriteAsync(IReadOnlyList<TableEntity> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return Task.CompletedTask;
        var waiter = new Waiter(rows, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
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
                var refused = await WriteAsync(taken);
                foreach (var waiter in taken)
                    if (waiter.Rows.Select(r => refused.GetValueOrDefault(r.RowKey)).FirstOrDefault(e => e is not null) is { } why)
                        waiter.Written.TrySetException(why);
                    else waiter.Written.TrySetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                foreach (var waiter in taken) waiter.Written.TrySetException(e);
            }
        }
    }

    private static List<Waiter> Fitting(List<Waiter> waiting)
    {
        var (taken, rows) = (new List<Waiter>(), 0);
        foreach (var waiter in waiting)
        {
            rows += waiter.Rows.Count;
            if (taken.Count > 0 && rows > TableTransactions.MaxOperations) break;
            taken.Add(waiter);
        }
        return taken;
    }

    /// <summary>The callers' rows in one transaction (each row key once); the rows refused, with why.</summary>
    private async Task<IReadOnlyDictionary<string, Exception>> WriteAsync(IReadOnlyList<Waiter> waiters)
    {
        var rows = waiters.SelectMany(w => w.Rows).GroupBy(r => r.RowKey, StringComparer.Ordinal)
            .Select(g => action == TableTransactionActionType.Add ? g.First() : g.Last()).ToList();
        var refused = new Dictionary<string, Exception>(StringComparer.Ordinal);
        while (rows.Count > 0)
        {
            try
            {
                await table().SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(action, r)), CancellationToken.None);
                return refused;
            }
            catch (TableTransactionFailedException failure)
                when (IsThere(failure) && failure.FailedTransactionActionIndex is { } index)
            {
                rows.RemoveAt(index);
            }
            catch (RequestFailedException) when (rows.Count > 1)
            {
                foreach (var row in rows)
                {
                    try
                    {
                        await table().SubmitTransactionAsync([new TableTransactionAction(action, row)], CancellationToken.None);
                    }
                    catch (RequestFailedException e) when (!IsThere(e))
                    {
                        refused[row.RowKey] = e;
                    }
                }
                return refused;
            }
            catch (RequestFailedException e) when (IsThere(e))
            {
                return refused;
            }
        }
        return refused;
    }

    /// <summary>An add that found its row already written.</summary>
    private bool IsThere(RequestFailedException e) => action == TableTransactionActionType.Add && e.Status == 409;
}

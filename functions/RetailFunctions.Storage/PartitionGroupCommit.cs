using System.Collections.Concurrent;
using System.Numerics;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Storage;

/// <summary>
/// Rows that share a partition, written as a group commit: each caller hands in its rows and waits; one writer per
/// partition takes every caller waiting (up to 100 rows) into one entity-group transaction, and each caller learns
/// the fate of its own rows. Rows are added, a caller's together or not at all (a row already there was written by an
/// earlier delivery, and stands: that caller's rows are left out and it learns so), or upserted (the later caller's row
/// wins). A transaction refused for another reason is written caller by caller, so only the callers at fault fail.
/// A transaction takes callers while their rows stay within its 100 operations and its payload limit.
/// </summary>
internal sealed class PartitionGroupCommit(Func<TableClient> table, TableTransactionActionType action)
{
    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    private sealed record Waiter(IReadOnlyList<TableEntity> Rows, Load Size, TaskCompletionSource<IReadOnlyList<string?>?> Written, bool Backlog);

    /// <summary>What a caller's rows take of a transaction: operations and payload bytes.</summary>
    private readonly record struct Load(int Rows, int Bytes) : IAdditionOperators<Load, Load, Load>, IAdditiveIdentity<Load, Load>
    {
        public static Load AdditiveIdentity => default;
        public static Load operator +(Load left, Load right) => new(left.Rows + right.Rows, left.Bytes + right.Bytes);
        public bool FitsOneTransaction => Rows <= TableTransactions.MaxOperations && Bytes <= TableTransactions.MaxPayloadBytes;
    }

    private sealed class Partition
    {
        public List<Waiter> Waiting { get; } = [];
        public bool Writing { get; set; }
    }

    /// <summary>
    /// Writes the rows (all of one partition, fitting one transaction) with those of other callers waiting: true when
    /// they were written, false when an add found one of them already there (written before, or by another caller in
    /// the same transaction), and none of them was added.
    /// </summary>
    public async Task<bool> WriteAsync(IReadOnlyList<TableEntity> rows, CancellationToken cancellationToken) =>
        await WriteTaggedAsync(rows, cancellationToken) is not null;

    /// <summary>
    /// As <see cref="WriteAsync"/>, answering the tag each row was written with (in the rows' order), or null when an
    /// add found one of them already there. <paramref name="payloadBytes"/>: the rows' weight, when the caller has
    /// measured it already (<see cref="TableTransactions.PayloadBytes"/>), so it is not measured twice.
    /// </summary>
    public Task<IReadOnlyList<string?>?> WriteTaggedAsync(IReadOnlyList<TableEntity> rows, CancellationToken cancellationToken, int? payloadBytes = null)
    {
        if (rows.Count == 0) return Task.FromResult<IReadOnlyList<string?>?>([]);
        var size = new Load(rows.Count, payloadBytes ?? rows.Sum(TableTransactions.PayloadBytes));
        if (!size.FitsOneTransaction)
            throw new ArgumentException($"{rows.Count} rows of {size.Bytes} bytes do not fit one transaction", nameof(rows));
        var waiter = new Waiter(rows, size, new TaskCompletionSource<IReadOnlyList<string?>?>(TaskCreationOptions.RunContinuationsAsynchronously),
            BacklogWork.IsCurrent);
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
                BacklogWork.Set(taken.All(w => w.Backlog));
                var (refused, written) = await WriteAsync(taken);
                foreach (var waiter in taken)
                    if (refused.GetValueOrDefault(waiter) is { } why) waiter.Written.TrySetException(why);
                    else waiter.Written.TrySetResult(written.GetValueOrDefault(waiter));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                foreach (var waiter in taken) waiter.Written.TrySetException(e);
            }
        }
    }

    /// <summary>The callers the next transaction takes: as many as fit it (one caller always).</summary>
    private static List<Waiter> Fitting(List<Waiter> waiting) =>
        [.. Runs.Cut(waiting, w => w.Size, int.MaxValue, (size, _) => size.FitsOneTransaction).FirstOrDefault() ?? []];

    /// <summary>
    /// The callers' rows in one transaction (each row key once): the callers refused, with why, and the tags of those
    /// written; a caller in neither had an add find a row already there.
    /// </summary>
    private async Task<(IReadOnlyDictionary<Waiter, Exception> Refused, IReadOnlyDictionary<Waiter, IReadOnlyList<string?>> Written)> WriteAsync(
        IReadOnlyList<Waiter> waiters)
    {
        var refused = new Dictionary<Waiter, Exception>(ReferenceEqualityComparer.Instance);
        var written = new Dictionary<Waiter, IReadOnlyList<string?>>(ReferenceEqualityComparer.Instance);
        var writing = waiters.ToList();
        if (action == TableTransactionActionType.Add)
        {
            // A caller adding a row an earlier caller in this transaction adds: the earlier one's is written, the later was there.
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var waiter in waiters)
            {
                if (waiter.Rows.Any(r => keys.Contains(r.RowKey))) writing.Remove(waiter);
                else keys.UnionWith(waiter.Rows.Select(r => r.RowKey));
            }
        }
        while (writing.Count > 0)
        {
            var rows = writing.SelectMany(w => w.Rows).GroupBy(r => r.RowKey, StringComparer.Ordinal).Select(g => g.Last()).ToList();
            try
            {
                var tags = await SubmitAsync(rows);
                foreach (var waiter in writing) written[waiter] = [.. waiter.Rows.Select(r => tags[r.RowKey])];
                return (refused, written);
            }
            catch (TableTransactionFailedException failure)
                when (IsThere(failure) && failure.FailedTransactionActionIndex is { } index)
            {
                // Its caller's rows leave the transaction together.
                writing.Remove(writing.First(w => w.Rows.Contains(rows[index])));
            }
            catch (RequestFailedException e) when (writing.Count == 1)
            {
                if (!IsThere(e)) refused[writing[0]] = e;
                return (refused, written);
            }
            catch (RequestFailedException)
            {
                foreach (var waiter in writing)
                {
                    try
                    {
                        var tags = await SubmitAsync(waiter.Rows);
                        written[waiter] = [.. waiter.Rows.Select(r => tags[r.RowKey])];
                    }
                    catch (RequestFailedException e)
                    {
                        if (!IsThere(e)) refused[waiter] = e;
                    }
                }
                return (refused, written);
            }
        }
        return (refused, written);
    }

    /// <summary>One transaction of the rows (each row key once): the tag each was written with, by row key.</summary>
    private async Task<Dictionary<string, string?>> SubmitAsync(IReadOnlyList<TableEntity> rows)
    {
        var response = await table().SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(action, r)), CancellationToken.None);
        var tags = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++) tags[rows[i].RowKey] = response.Value[i].Headers.ETag?.ToString();
        return tags;
    }

    /// <summary>An add that found its row already written.</summary>
    private bool IsThere(RequestFailedException e) => action == TableTransactionActionType.Add && e.Status == 409;
}

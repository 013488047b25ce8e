using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Storage;

/// <summary>
/// Captured payments, one partition per business day, one row per settlement key. Tables return a partition in row
/// key order, so a day streams sorted without being held in memory.
/// <para>
/// A day's captures share its partition, so those recorded at the same time (many orders' events handled side by
/// side) are written together: one writer per day takes every row waiting, up to 100, in one entity-group
/// transaction, and each caller returns once its row is written. A row already there (an earlier delivery of the same
/// event) is taken out and the rest written again; a transaction refused for another reason is written row by row, so
/// only the row at fault fails.
/// </para>
/// </summary>
public sealed class TableCapturedPaymentStore(StorageAccount account) : ICapturedPaymentLedger
{
    private const int MaxRows = 100;
    private readonly ConcurrentDictionary<string, DayRows> _days = new(StringComparer.Ordinal);
    private TableClient Table => account.Table(TableNames.CapturedPayments);

    private sealed record Waiter(TableEntity Row, TaskCompletionSource Written);

    private sealed class DayRows
    {
        public List<Waiter> Waiting { get; } = [];
        public bool Writing { get; set; }
    }

    public Task RecordAsync(MatchItem payment, CancellationToken cancellationToken)
    {
        var row = new TableEntity(Day(payment.Day), TableKeys.Escape(payment.Key))
        {
            ["Store"] = payment.Store,
            ["Kind"] = payment.Kind,
            ["Amount"] = payment.Amount.ToString(CultureInfo.InvariantCulture),
            ["Currency"] = payment.Currency,
            ["Reference"] = payment.Reference,
            ["Fee"] = payment.Fee?.ToString(CultureInfo.InvariantCulture),
        };
        var waiter = new Waiter(row, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var day = _days.GetOrAdd(row.PartitionKey, _ => new DayRows());
        lock (day)
        {
            day.Waiting.Add(waiter);
            if (!day.Writing)
            {
                day.Writing = true;
                _ = Task.Run(() => WriteWaitingAsync(day));
            }
        }
        // A caller that gives up does not take the row out of the write.
        return waiter.Written.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteWaitingAsync(DayRows day)
    {
        while (true)
        {
            List<Waiter> taken;
            lock (day)
            {
                if (day.Waiting.Count == 0)
                {
                    day.Writing = false;
                    return;
                }
                taken = [.. day.Waiting.Take(MaxRows)];
                day.Waiting.RemoveRange(0, taken.Count);
            }
            try
            {
                var refused = await WriteAsync([.. taken.Select(w => w.Row).DistinctBy(r => r.RowKey)]);
                foreach (var waiter in taken)
                    if (refused.GetValueOrDefault(waiter.Row.RowKey) is { } why) waiter.Written.TrySetException(why);
                    else waiter.Written.TrySetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                foreach (var waiter in taken) waiter.Written.TrySetException(e);
            }
        }
    }

    /// <summary>The rows added in one transaction; those refused, with why (a row already recorded is not refused).</summary>
    private async Task<IReadOnlyDictionary<string, Exception>> WriteAsync(List<TableEntity> rows)
    {
        var refused = new Dictionary<string, Exception>(StringComparer.Ordinal);
        while (rows.Count > 0)
        {
            try
            {
                await Table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)),
                    CancellationToken.None);
                return refused;
            }
            catch (TableTransactionFailedException failure)
                when (failure.Status == 409 && failure.FailedTransactionActionIndex is { } index)
            {
                // Recorded already by an earlier delivery of the same event.
                rows.RemoveAt(index);
            }
            catch (RequestFailedException) when (rows.Count > 1)
            {
                foreach (var row in rows)
                {
                    try
                    {
                        await Table.AddEntityAsync(row);
                    }
                    catch (RequestFailedException e) when (e.Status != 409)
                    {
                        refused[row.RowKey] = e;
                    }
                }
                return refused;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                return refused;
            }
        }
        return refused;
    }

    public async IAsyncEnumerable<MatchItem> CapturedPaymentsAsync(DateOnly businessDay, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Day(businessDay), cancellationToken: cancellationToken))
            yield return new MatchItem(TableKeys.Unescape(e.RowKey), e.GetString("Store"), e.GetString("Kind"),
                decimal.Parse(e.GetString("Amount"), CultureInfo.InvariantCulture),
                e.GetString("Fee") is { } fee ? decimal.Parse(fee, CultureInfo.InvariantCulture) : null, e.GetString("Currency"), businessDay, e.GetString("Reference"));
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

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
/// key order, so a day streams sorted without being held in memory. A day's captures recorded side by side (many
/// orders' events handled at once) are written together, in one entity-group transaction (<see cref="PartitionGroupCommit"/>).
/// </summary>
public sealed class TableCapturedPaymentStore(StorageAccount account) : ICapturedPaymentLedger
{
    private TableClient Table => account.Table(TableNames.CapturedPayments);
    private readonly PartitionGroupCommit _days = new(() => account.Table(TableNames.CapturedPayments), TableTransactionActionType.Add);

    /// <summary>Returns once the row is written; a capture recorded before (an earlier delivery of its event) is kept as it was.</summary>
    public Task RecordAsync(MatchItem payment, CancellationToken cancellationToken) =>
        _days.WriteAsync([new TableEntity(Day(payment.Day), TableKeys.Escape(payment.Key))
        {
            ["Store"] = payment.Store,
            ["Kind"] = payment.Kind,
            ["Amount"] = payment.Amount.ToString(CultureInfo.InvariantCulture),
            ["Currency"] = payment.Currency,
            ["Reference"] = payment.Reference,
            ["Fee"] = payment.Fee?.ToString(CultureInfo.InvariantCulture),
        }], cancellationToken);

    public async IAsyncEnumerable<MatchItem> CapturedPaymentsAsync(DateOnly businessDay, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Day(businessDay), cancellationToken: cancellationToken))
            yield return new MatchItem(TableKeys.Unescape(e.RowKey), e.GetString("Store"), e.GetString("Kind"),
                decimal.Parse(e.GetString("Amount"), CultureInfo.InvariantCulture),
                e.GetString("Fee") is { } fee ? decimal.Parse(fee, CultureInfo.InvariantCulture) : null, e.GetString("Currency"), businessDay, e.GetString("Reference"));
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

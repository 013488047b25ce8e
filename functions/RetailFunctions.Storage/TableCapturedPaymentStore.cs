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
/// </summary>
public sealed class TableCapturedPaymentStore(StorageAccount account) : ICapturedPaymentLedger
{
    private TableClient Table => account.Table(TableNames.CapturedPayments);

    public async Task RecordAsync(MatchItem payment, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(new TableEntity(Day(payment.Day), TableKeys.Escape(payment.Key))
            {
                ["Store"] = payment.Store,
                ["Kind"] = payment.Kind,
                ["Amount"] = payment.Amount.ToString(CultureInfo.InvariantCulture),
                ["Currency"] = payment.Currency,
                ["Reference"] = payment.Reference,
                ["Fee"] = payment.Fee?.ToString(CultureInfo.InvariantCulture),
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Recorded already by an earlier delivery of the same event.
        }
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

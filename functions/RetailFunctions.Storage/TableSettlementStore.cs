using System.Globalization;
using Azure.Data.Tables;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Settlements;

namespace RetailFunctions.Storage;

/// <summary>
/// Settlement lines, one partition per business day (the UTC date processed). Payment lines are keyed
/// <c>p {payment key} {source}:{id}</c> so a day's payments come back sorted by payment key, a payment settled twice
/// on two adjacent rows; other lines (payouts, adjustments, disputes...) <c>x {source}:{id}</c>. Upserts by line, so
/// importing a statement again writes the same rows.
/// </summary>
public sealed class TableSettlementStore(StorageAccount account) : ISettlementStore
{
    // A space sorts before every character an id has, so "p 12 ..." comes before "p 123 ...", as "12" before "123".
    private const string PaymentPrefix = "p ";
    private const string OtherPrefix = "x ";
    private TableClient Table => account.Table(TableNames.Settlements);

    public async Task<int> UpsertAsync(IEnumerable<SettlementLine> lines, CancellationToken cancellationToken)
    {
        var written = 0;
        foreach (var day in lines.GroupBy(Partition))
        {
            // One entity-group transaction per 100 rows of a partition; a line listed twice in one file is written once.
            foreach (var chunk in day.GroupBy(RowKey).Select(g => g.Last()).Chunk(100))
            {
                await Table.SubmitTransactionAsync(chunk.Select(l => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(l))), cancellationToken);
                written += chunk.Length;
            }
        }
        return written;
    }

    public async IAsyncEnumerable<MatchItem> PaymentsAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var partition = Day(businessDay);
        await foreach (var e in Table.QueryAsync<TableEntity>(
            x => x.PartitionKey == partition && x.RowKey.CompareTo(PaymentPrefix) >= 0 && x.RowKey.CompareTo("p!") < 0, cancellationToken: cancellationToken))
            yield return ToLine(e).ToMatchItem();
    }

    public async IAsyncEnumerable<SettlementLine> LinesAsync(DateOnly businessDay, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var partition = Day(businessDay);
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == partition, cancellationToken: cancellationToken))
            yield return ToLine(e);
    }

    private static string Day(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
    private static string Partition(SettlementLine line) => Day(line.BusinessDay);

    private static string RowKey(SettlementLine line) => line.IsPayment
        ? $"{PaymentPrefix}{TableKeys.Escape(line.PaymentKey!)} {TableKeys.Escape($"{line.Source}:{line.Id}")}"
        : $"{OtherPrefix}{TableKeys.Escape($"{line.Source}:{line.Id}")}";

    private static string Store(decimal value) => value.ToString(CultureInfo.InvariantCulture);
    private static decimal Load(TableEntity e, string name) => decimal.Parse(e.GetString(name), CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(SettlementLine l) => new(Partition(l), RowKey(l))
    {
        ["Source"] = l.Source,
        ["Id"] = l.Id,
        ["Type"] = l.Type,
        ["PaymentKey"] = l.PaymentKey,
        ["Store"] = l.Store,
        ["Amount"] = Store(l.Amount),
        ["Fee"] = Store(l.Fee),
        ["Net"] = Store(l.Net),
        ["Currency"] = l.Currency,
        ["ProcessedAt"] = l.ProcessedAt,
        ["AvailableOn"] = l.AvailableOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["PayoutId"] = l.PayoutId,
        ["PayoutStatus"] = l.PayoutStatus,
        ["OrderId"] = l.OrderId,
        ["Description"] = l.Description is { Length: > 1000 } d ? d[..1000] : l.Description,
    };

    private static SettlementLine ToLine(TableEntity e) => new(
        e.GetString("Source"), e.GetString("Id"), e.GetString("Type"), e.GetString("PaymentKey"), e.GetString("Store"),
        Load(e, "Amount"), Load(e, "Fee"), Load(e, "Net"), e.GetString("Currency"), e.GetDateTimeOffset("ProcessedAt") ?? default,
        e.GetString("AvailableOn") is { } on ? DateOnly.ParseExact(on, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        e.GetString("PayoutId"), e.GetString("PayoutStatus"), e.GetString("OrderId"), e.GetString("Description"));
}

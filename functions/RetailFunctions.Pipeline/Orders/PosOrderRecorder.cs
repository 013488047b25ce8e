using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// Records till sales on the unified order record, so they can be found by their receipt and returned anywhere. A
/// window of sales is recorded where it is read: the orders' references are indexed together (they share the
/// channel's index partition), then each new order is saved on "no row yet" without a read, side by side. A return
/// travels on the order-workflow queue to the order it gives back to, which may not be recorded yet (it then waits).
/// Without an order service (a recorder that only sends) the sales travel on the queue as well.
/// </summary>
public sealed class PosOrderRecorder(IMessageSender sender, ICatalogStore catalog, IOrderStore orders, TimeProvider clock, OrderService? service = null)
{
    private const int Parallelism = 64;

    public async Task<string?> RecordAsync(PosTransaction transaction, string sourceReference, IReadOnlyDictionary<string, string> keys, CancellationToken ct) =>
        (await RecordAllAsync([(transaction, sourceReference, keys)], ct))[0];

    /// <summary>Till transactions of an upload: their sales' order ids (null for a transaction that is no sale), in their order.</summary>
    public async Task<IReadOnlyList<string?>> RecordAllAsync(
        IReadOnlyList<(PosTransaction Transaction, string SourceReference, IReadOnlyDictionary<string, string> Keys)> transactions, CancellationToken ct)
    {
        var sales = new Sale?[transactions.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, transactions.Count), Options(ct), async (i, token) =>
            sales[i] = await SaleAsync(transactions[i].Transaction, transactions[i].SourceReference, transactions[i].Keys, token));
        var recorded = sales.OfType<Sale>().ToList();
        if (service is null)
        {
            await Parallel.ForEachAsync(recorded, Options(ct), async (sale, token) =>
                await sender.SendAsync(QueueNames.OrderWorkflow, OrderEnvelopes.Commands(sale.OrderId, sale.Commands, clock.GetUtcNow(), sale.Keys), token));
        }
        else if (recorded.Count > 0)
        {
            await orders.IndexAllAsync(Channels.Pos, [.. recorded.Select(s => (s.OrderId, PosOrderCommands.References(s.Receipt)))], ct);
            await Parallel.ForEachAsync(recorded, Options(ct), async (sale, token) => await service.ExecuteIndexedAsync(sale.OrderId, sale.Commands, token));
        }
        // Returns after the window's sales: one that gives back a sale of the same window finds it recorded.
        await Parallel.ForEachAsync(transactions, Options(ct), async (t, token) =>
        {
            var store = await catalog.ResolveLocationAsync(SourceSystems.Pos, t.Transaction.Receipt.StoreId, token);
            foreach (var (original, command) in PosOrderCommands.Returns(t.Transaction, store))
                await sender.SendAsync(QueueNames.OrderWorkflow,
                    OrderEnvelopes.Commands(await ReturnedOrderAsync(original, token), [command], clock.GetUtcNow(), t.Keys), token);
        });
        return [.. sales.Select(s => s?.OrderId)];
    }

    private static ParallelOptions Options(CancellationToken ct) => new() { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct };

    private sealed record Sale(string OrderId, ReceiptKey Receipt, IReadOnlyList<OrderCommand> Commands, IReadOnlyDictionary<string, string> Keys);

    /// <summary>A till sale's order commands, its SKUs and store resolved; null for a transaction that sells nothing.</summary>
    private async Task<Sale?> SaleAsync(PosTransaction transaction, string sourceReference, IReadOnlyDictionary<string, string> keys, CancellationToken ct)
    {
        if (!PosOrderCommands.IsOrder(transaction)) return null;
        var store = await catalog.ResolveLocationAsync(SourceSystems.Pos, transaction.Receipt.StoreId, ct);
        var skus = new Dictionary<int, string?>();
        foreach (var line in transaction.Lines.Where(l => !l.Voided))
            skus[line.Position] = await ResolveSkuAsync(line, ct);
        var orderId = OrderIds.ForReceipt(transaction.Receipt);
        return new Sale(orderId, transaction.Receipt, PosOrderCommands.Record(transaction, store, skus, sourceReference, clock.GetUtcNow()), keys);
    }

    /// <summary>
    /// The order a till return gives back to: its receipt's, or, when the till named the receipt by its printed number
    /// only, the order that number finds. Before that sale is known the return waits under the number.
    /// </summary>
    private async Task<string> ReturnedOrderAsync(TillReturnTarget original, CancellationToken ct) =>
        original.Receipt is { } receipt ? OrderIds.ForReceipt(receipt)
        : await orders.FindAsync(Channels.Pos, original.ReceiptNumber, ct) ?? OrderIds.Safe($"pos-number-{original.ReceiptNumber}");

    private async Task<string?> ResolveSkuAsync(PosLine line, CancellationToken ct) =>
        await catalog.ResolveSkuAsync(SourceSystems.Pos, AliasKinds.Item, line.ItemId, ct)
        ?? await catalog.ResolveSkuAsync(SourceSystems.Pos, AliasKinds.Sku, line.ItemId, ct)
        ?? (Gtin.Normalize(line.Barcode) is { } gtin ? await catalog.ResolveSkuAsync(SourceSystems.Pos, AliasKinds.Barcode, gtin, ct) : null);
}

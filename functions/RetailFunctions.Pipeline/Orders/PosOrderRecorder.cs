using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// Records a till sale on the unified order record, so it can be found by its receipt and returned anywhere. The
/// sale is sent to the order-workflow queue rather than decided here: a batch of hundreds of receipts moves its
/// stock at the till's pace, and the orders follow on their own worker.
/// </summary>
public sealed class PosOrderRecorder(IMessageSender sender, ICatalogStore catalog, IOrderStore orders, TimeProvider clock)
{
    /// <summary>Till transactions of an upload: their order commands are sent side by side rather than one after another.</summary>
    public Task RecordAllAsync(IReadOnlyList<(PosTransaction Transaction, string SourceReference, IReadOnlyDictionary<string, string> Keys)> transactions,
        CancellationToken ct) =>
        Parallel.ForEachAsync(transactions, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (t, token) => await RecordAsync(t.Transaction, t.SourceReference, t.Keys, token));

    public async Task<string?> RecordAsync(PosTransaction transaction, string sourceReference, IReadOnlyDictionary<string, string> keys, CancellationToken ct)
    {
        var store = await catalog.ResolveLocationAsync(SourceSystems.Pos, transaction.Receipt.StoreId, ct);
        // A return linked to its receipt is recorded on that receipt's order, wherever and whenever it happens.
        foreach (var (original, command) in PosOrderCommands.Returns(transaction, store))
            await sender.SendAsync(QueueNames.OrderWorkflow, OrderEnvelopes.Commands(await ReturnedOrderAsync(original, ct), [command], clock.GetUtcNow(), keys), ct);
        if (!PosOrderCommands.IsOrder(transaction)) return null;
        var skus = new Dictionary<int, string?>();
        foreach (var line in transaction.Lines.Where(l => !l.Voided))
            skus[line.Position] = await ResolveSkuAsync(line, ct);
        var orderId = OrderIds.ForReceipt(transaction.Receipt);
        var now = clock.GetUtcNow();
        await sender.SendAsync(QueueNames.OrderWorkflow,
            OrderEnvelopes.Commands(orderId, PosOrderCommands.Record(transaction, store, skus, sourceReference, now), now, keys), ct);
        return orderId;
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

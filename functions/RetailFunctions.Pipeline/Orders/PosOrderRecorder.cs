using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>Records a till sale on the unified order record, so it can be found by its receipt and returned anywhere.</summary>
public sealed class PosOrderRecorder(OrderService orders, ICatalogStore catalog, TimeProvider clock)
{
    public async Task<string?> RecordAsync(PosTransaction transaction, string sourceReference, CancellationToken ct)
    {
        if (!PosOrderCommands.IsOrder(transaction)) return null;
        var store = await catalog.ResolveLocationAsync(SourceSystems.Pos, transaction.Receipt.StoreId, ct);
        var skus = new Dictionary<int, string?>();
        foreach (var line in transaction.Lines.Where(l => !l.Voided))
            skus[line.Position] = await ResolveSkuAsync(line, ct);
        var orderId = OrderIds.ForReceipt(transaction.Receipt);
        await orders.ExecuteAllAsync(orderId, PosOrderCommands.Record(transaction, store, skus, sourceReference, clock.GetUtcNow()), ct);
        return orderId;
    }

    private async Task<string?> ResolveSkuAsync(PosLine line, CancellationToken ct) =>
        await catalog.ResolveSkuAsync(SourceSystems.Pos, AliasKinds.Item, line.ItemId, ct)
        ?? await catalog.ResolveSkuAsync(SourceSystems.Pos, AliasKinds.Sku, line.ItemId, ct)
        ?? (Gtin.Normalize(line.Barcode) is { } gtin ? await catalog.ResolveSkuAsync(SourceSystems.Pos, AliasKinds.Barcode, gtin, ct) : null);
}

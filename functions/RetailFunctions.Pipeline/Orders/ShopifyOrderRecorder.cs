using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// The web store's order topics, into the order workflow: resolve each line's SKU and the location against the
/// catalog, translate (pure), execute. Every topic carries the whole order, so each one converges the same record.
/// </summary>
public sealed class ShopifyOrderRecorder(OrderService orders, ICatalogStore catalog, TimeProvider clock)
{
    private readonly CatalogAliasCache _aliases = new(catalog, clock);

    public async Task<string> RecordOrderAsync(ShopifyDelivery delivery, OrderSnapshot order, string? sourceReference, CancellationToken ct)
    {
        var orderId = OrderIds.ForShopify(delivery.ShopDomain, order.ChannelOrderId);
        var skus = new Dictionary<string, string?>();
        foreach (var line in order.Lines)
            skus[line.ChannelLineId] = await ResolveSkuAsync(line.VariantId, line.Sku, ct);
        var location = await ResolveLocationAsync(order.ChannelLocationId, ct);
        var now = clock.GetUtcNow();

        var result = await orders.ExecuteAllAsync(orderId,
            [ShopifyOrderCommands.Record(delivery, order, skus, location, now, sourceReference), .. ShopifyOrderCommands.Payments(delivery, order, now)], ct);
        var unmapped = skus.Count(s => s.Value is null && order.Lines.First(l => l.ChannelLineId == s.Key) is { IsGiftCard: false } l && (l.VariantId ?? l.Sku) is not null);
        return $"order {orderId}: {result.Order.Status}" + (unmapped > 0 ? $"; {unmapped} lines without a canonical SKU" : "")
            + (order.ChannelLocationId is not null && location is null ? $"; location {order.ChannelLocationId} is not mapped, routed instead" : "");
    }

    public async Task<string> RecordFulfilmentAsync(ShopifyDelivery delivery, FulfillmentSnapshot fulfillment, CancellationToken ct)
    {
        var orderId = OrderIds.ForShopify(delivery.ShopDomain, fulfillment.ChannelOrderId);
        var location = await ResolveLocationAsync(fulfillment.ChannelLocationId, ct);
        var result = await orders.ExecuteAsync(orderId, ShopifyOrderCommands.Fulfilment(delivery, fulfillment, location, clock.GetUtcNow()), ct);
        return $"fulfillment {fulfillment.ChannelFulfillmentId} of order {orderId}: {(result.Changed ? "recorded" : "already recorded")}; {result.Order.Status}";
    }

    /// <summary>
    /// An order edit. Lines it adds that the order does not have yet carry no price: the order's next snapshot
    /// (<c>orders/updated</c>, which the web store sends with every edit) brings them, and the outcome says so.
    /// </summary>
    public async Task<string> RecordEditAsync(ShopifyDelivery delivery, OrderEditSnapshot edit, CancellationToken ct)
    {
        var orderId = OrderIds.ForShopify(delivery.ShopDomain, edit.ChannelOrderId);
        var command = ShopifyOrderCommands.Edit(delivery, edit, clock.GetUtcNow());
        var result = await orders.ExecuteAsync(orderId, command, ct);
        var awaiting = command.Added.Keys.Concat(command.Removed.Keys).Where(l => result.Order.Line(l) is null).ToList();
        return $"edit {edit.ChannelEditId} of order {orderId}: "
            + (!result.Order.IsKnown ? "order not known yet; its next snapshot carries the edit"
                : result.Changed ? "applied" : "already reflected in the order")
            + (result.Order.IsKnown && awaiting.Count > 0 ? $"; lines {string.Join(", ", awaiting)} await the order's next snapshot for their price" : "")
            + $"; {result.Order.Status}";
    }

    public async Task<string> RecordRefundAsync(ShopifyDelivery delivery, RefundSnapshot refund, CancellationToken ct)
    {
        var orderId = OrderIds.ForShopify(delivery.ShopDomain, refund.ChannelOrderId);
        var locations = new Dictionary<string, string?>();
        var skus = new Dictionary<string, string?>();
        foreach (var line in refund.Lines)
        {
            locations[line.ChannelRefundLineId] = await ResolveLocationAsync(line.ChannelLocationId, ct);
            skus[line.ChannelRefundLineId] = await ResolveSkuAsync(line.VariantId, line.Sku, ct);
        }
        var known = await orders.LoadAsync(orderId, ct);
        var gateways = known.Order.Payments.Select(p => p.Tender.Gateway).OfType<string>().ToList();
        var result = await orders.ExecuteAsync(orderId, ShopifyOrderCommands.Refund(delivery, refund, locations, skus, gateways, clock.GetUtcNow(),
            known.Order.Draft?.TaxesIncluded ?? false), ct);
        return $"refund {refund.ChannelRefundId} of order {orderId}: {(result.Changed ? "recorded" : "already recorded")}; {result.Order.Status}";
    }

    private async Task<string?> ResolveSkuAsync(string? variantId, string? sku, CancellationToken ct)
    {
        foreach (var (kind, value) in ShopifyStockPlan.ItemAliases(variantId, sku))
            if (await _aliases.SkuAsync(SourceSystems.Shopify, kind, value, ct) is { } resolved)
                return resolved;
        return null;
    }

    private async Task<string?> ResolveLocationAsync(string? channelLocationId, CancellationToken ct) =>
        channelLocationId is null ? null : await _aliases.LocationAsync(SourceSystems.Shopify, channelLocationId, ct);
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;

namespace RetailFunctions.Pipeline.Handlers;

/// <summary>Pure rules for what a web-store event does to stock and to the catalog.</summary>
public static class ShopifyStockPlan
{
    /// <summary>Lines that move physical stock: not gift cards, not custom lines without a variant or SKU.</summary>
    public static IEnumerable<OrderLineSnapshot> StockLines(OrderSnapshot order) =>
        order.Lines.Where(l => !l.IsGiftCard && l.Quantity > 0m && (l.VariantId is not null || !string.IsNullOrWhiteSpace(l.Sku)));

    /// <summary>Refund lines whose goods come back to stock. Cancellation restocks are the cancel event's job.</summary>
    public static bool ReturnsToStock(RefundLineSnapshot line) =>
        line.Quantity > 0m && line.RestockType is "return" or "legacy_restock";

    public static IReadOnlyList<(string Kind, string Value)> ItemAliases(string? variantId, string? sku)
    {
        var aliases = new List<(string, string)>();
        if (variantId is not null) aliases.Add((AliasKinds.Variant, variantId));
        if (!string.IsNullOrWhiteSpace(sku)) aliases.Add((AliasKinds.Sku, sku.Trim()));
        return aliases;
    }

    /// <summary>One reservation per web order line, named so every topic about the order finds the same one.</summary>
    public static string ReservationId(ShopifyDelivery delivery, OrderSnapshot order, OrderLineSnapshot line) =>
        $"shopify:{delivery.ShopDomain}:order:{order.ChannelOrderId}:line:{line.ChannelLineId}";

    /// <summary>
    /// What an order topic asks for a line: a cancelled order releases, a fulfilled line is consumed (sold), any
    /// other state holds the line reserved. Each is idempotent, so the order of arrival does not matter.
    /// </summary>
    public static StockIntent IntentFor(ShopifyDelivery delivery, OrderSnapshot order, OrderLineSnapshot line)
    {
        var reservationId = ReservationId(delivery, order, line);
        if (order.CancelledAt is not null) return new StockIntent.Release(reservationId);
        if (line.FulfillmentStatus is "fulfilled") return new StockIntent.Consume(reservationId);
        return new StockIntent.Reserve(Channels.Web, reservationId, $"web order {order.OrderName ?? order.ChannelOrderId}", ExpiresAt: null);
    }

    public static ChannelStockChange Change(ShopifyDelivery delivery, OrderSnapshot order, OrderLineSnapshot line, StockIntent intent, DateTimeOffset at) =>
        new(SourceSystems.Shopify,
            ItemAliases(line.VariantId, line.Sku),
            order.ChannelLocationId,
            intent,
            line.Quantity,
            $"{ReservationId(delivery, order, line)}:{intent.GetType().Name.ToLowerInvariant()}",
            Actor: $"shopify:{delivery.ShopDomain}",
            Reason: intent switch
            {
                StockIntent.Release => $"web order {order.OrderName ?? order.ChannelOrderId} cancelled",
                StockIntent.Consume => $"web order {order.OrderName ?? order.ChannelOrderId} fulfilled",
                _ => $"web order {order.OrderName ?? order.ChannelOrderId}",
            },
            SourceEvent: $"{delivery.Topic}:{delivery.WebhookId}",
            OccurredAt: at);

    public static ChannelStockChange Fulfil(ShopifyDelivery delivery, FulfillmentSnapshot fulfillment, FulfillmentLineSnapshot line, DateTimeOffset at) =>
        new(SourceSystems.Shopify,
            ItemAliases(line.VariantId, line.Sku),
            fulfillment.ChannelLocationId,
            new StockIntent.Consume($"shopify:{delivery.ShopDomain}:order:{fulfillment.ChannelOrderId}:line:{line.ChannelLineId}"),
            line.Quantity,
            $"shopify:{delivery.ShopDomain}:order:{fulfillment.ChannelOrderId}:line:{line.ChannelLineId}:consume",
            Actor: $"shopify:{delivery.ShopDomain}",
            Reason: $"fulfillment {fulfillment.ChannelFulfillmentId} of web order {fulfillment.ChannelOrderId}",
            SourceEvent: $"{delivery.Topic}:{delivery.WebhookId}",
            OccurredAt: at);

    public static ChannelStockChange Return(ShopifyDelivery delivery, RefundSnapshot refund, RefundLineSnapshot line, DateTimeOffset at) =>
        new(SourceSystems.Shopify,
            ItemAliases(line.VariantId, line.Sku),
            line.ChannelLocationId,
            new StockIntent.Move(MovementKind.Return),
            line.Quantity,
            $"shopify:{delivery.ShopDomain}:refund:{refund.ChannelRefundId}:line:{line.ChannelRefundLineId}:return",
            Actor: $"shopify:{delivery.ShopDomain}",
            Reason: $"refund {refund.ChannelRefundId} of web order {refund.ChannelOrderId} restocked",
            SourceEvent: $"{delivery.Topic}:{delivery.WebhookId}",
            OccurredAt: at);

    public static CatalogItem CatalogItemOf(ProductSnapshot product, ProductVariantSnapshot variant, string sku)
    {
        var aliases = new List<SkuAlias>
        {
            new(SourceSystems.Shopify, AliasKinds.Variant, variant.VariantId),
            new(SourceSystems.Shopify, AliasKinds.Sku, sku),
        };
        if (variant.InventoryItemId is not null)
            aliases.Add(new(SourceSystems.Shopify, AliasKinds.InventoryItem, variant.InventoryItemId));
        var title = variant.Title is { Length: > 0 } and not "Default Title" ? $"{product.Title} - {variant.Title}" : product.Title;
        return new CatalogItem(sku, title, Gtin.Normalize(variant.Barcode) ?? NullIfBlank(variant.Barcode), null, variant.Price, aliases);
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

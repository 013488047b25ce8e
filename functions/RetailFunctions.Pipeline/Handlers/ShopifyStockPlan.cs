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

    public static ChannelStockChange Change(ShopifyDelivery delivery, OrderSnapshot order, OrderLineSnapshot line, MovementKind kind, DateTimeOffset at) =>
        new(SourceSystems.Shopify,
            ItemAliases(line.VariantId, line.Sku),
            order.ChannelLocationId,
            kind,
            line.Quantity,
            $"shopify:{delivery.ShopDomain}:order:{order.ChannelOrderId}:line:{line.ChannelLineId}:{kind.ToString().ToLowerInvariant()}",
            Actor: $"shopify:{delivery.ShopDomain}",
            Reason: kind == MovementKind.Sale ? $"web order {order.OrderName ?? order.ChannelOrderId}" : $"web order {order.OrderName ?? order.ChannelOrderId} cancelled",
            SourceEvent: $"{delivery.Topic}:{delivery.WebhookId}",
            OccurredAt: at);

    public static ChannelStockChange Return(ShopifyDelivery delivery, RefundSnapshot refund, RefundLineSnapshot line, DateTimeOffset at) =>
        new(SourceSystems.Shopify,
            ItemAliases(line.VariantId, line.Sku),
            line.ChannelLocationId,
            MovementKind.Return,
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

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>Pure rules for what a web-store event names: its items, which refunds restock, its catalog entries.</summary>
public static class ShopifyStockPlan
{
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

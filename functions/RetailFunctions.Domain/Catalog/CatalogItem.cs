namespace RetailFunctions.Domain.Catalog;

/// <summary>
/// Another system's name for a canonical SKU: the till's item id, a web variant id, a barcode.
/// Kind says which identifier of that system it is (item, variant, inventory-item, sku, barcode).
/// </summary>
public sealed record SkuAlias(string System, string Kind, string Value);

public static class AliasKinds
{
    public const string Item = "item";
    public const string Variant = "variant";
    public const string InventoryItem = "inventory-item";
    public const string Sku = "sku";
    public const string Barcode = "barcode";
}

public sealed record CatalogItem(
    string Sku,
    string? Title,
    string? Barcode,
    string? UnitOfMeasure,
    decimal? Price,
    IReadOnlyList<SkuAlias> Aliases);

/// <summary>
/// A store or warehouse, and what other systems call it (POS store id, Shopify location id). TimeZone is its IANA zone
/// (null: UTC): its business days are its local days.
/// </summary>
public sealed record LocationAlias(string System, string Value);

public sealed record Location(
    string Id,
    string? Name,
    double? Latitude,
    double? Longitude,
    IReadOnlyList<LocationAlias> Aliases,
    string? Region = null,
    string? TimeZone = null);

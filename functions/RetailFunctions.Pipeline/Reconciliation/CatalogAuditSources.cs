using System.Text.Json;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline.Settlements;

namespace RetailFunctions.Pipeline.Reconciliation;

/// <summary>What the catalog audit reads: every item of the SKU cross-reference, and each channel's catalog as last uploaded.</summary>
public interface ICatalogAuditSource
{
    IAsyncEnumerable<CatalogItem> ItemsAsync(CancellationToken cancellationToken);
    IAsyncEnumerable<ChannelListing> ListingsAsync(CancellationToken cancellationToken);
    /// <summary>Replaces a channel's catalog snapshot.</summary>
    Task SaveChannelAsync(string channel, IReadOnlyList<ChannelListing> listings, CancellationToken cancellationToken);
}

/// <summary>
/// A channel's catalog as uploaded: Shopify products (<c>{"products": [...]}</c> as the Admin API lists them, each
/// variant a listing with its sku, barcode, price and weight unit) or a plain array of listings
/// (<c>[{"listingId", "productId", "sku", "barcode", "unitOfMeasure", "price", "currency", "title"}]</c>).
/// Barcodes stay text exactly as sent, so a mangled one is reported rather than repaired.
/// </summary>
public static class ChannelCatalogReader
{
    /// <exception cref="PayloadException">The field that is wrong, by JSON path.</exception>
    public static IReadOnlyList<ChannelListing> Read(string channel, Stream json, string? currency)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw new PayloadException("$", $"not valid JSON (line {e.LineNumber + 1}): {e.Message.Split(" LineNumber")[0]}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("products", out var products) && products.ValueKind == JsonValueKind.Array)
                return products.EnumerateArray().SelectMany((p, i) => Product(channel, p, $"products[{i}]", currency)).ToList();
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("product", out var product))
                return Product(channel, product, "product", currency).ToList();
            if (root.ValueKind == JsonValueKind.Array)
                return root.EnumerateArray().Select((l, i) => Listing(channel, l, $"[{i}]", currency)).ToList();
            throw new PayloadException("$", "expected Shopify products ({\"products\": [...]}) or an array of listings");
        }
    }

    private static IEnumerable<ChannelListing> Product(string channel, JsonElement product, string at, string? currency)
    {
        if (product.ValueKind != JsonValueKind.Object) throw new PayloadException(at, "expected an object");
        var productId = Text(product, "id", at) ?? throw new PayloadException($"{at}.id", "required");
        var title = Text(product, "title", at);
        if (!product.TryGetProperty("variants", out var variants) || variants.ValueKind != JsonValueKind.Array)
            throw new PayloadException($"{at}.variants", "required (an array)");
        var i = 0;
        foreach (var v in variants.EnumerateArray())
        {
            var vat = $"{at}.variants[{i++}]";
            var variantTitle = Text(v, "title", vat);
            yield return new ChannelListing(channel,
                Text(v, "id", vat) ?? throw new PayloadException($"{vat}.id", "required"),
                productId,
                Blank(Text(v, "sku", vat)),
                Blank(Text(v, "barcode", vat)),
                IsWeighed(v) ? Blank(Text(v, "weight_unit", vat)) : "EA",
                Price(v, "price", vat),
                currency,
                variantTitle is null or "Default Title" ? title : $"{title} - {variantTitle}");
        }
    }

    // A variant sold by weight says so with a unit price measurement; otherwise it is sold each, and its weight unit is shipping data.
    private static bool IsWeighed(JsonElement v) =>
        v.TryGetProperty("unit_price_measurement", out var m) && m.ValueKind == JsonValueKind.Object
        && m.TryGetProperty("measured_type", out var t) && t.GetString() == "weight";

    private static ChannelListing Listing(string channel, JsonElement l, string at, string? currency)
    {
        if (l.ValueKind != JsonValueKind.Object) throw new PayloadException(at, "expected an object");
        return new ChannelListing(channel,
            Text(l, "listingId", at) ?? Text(l, "sku", at) ?? throw new PayloadException($"{at}.listingId", "required (or a sku)"),
            Blank(Text(l, "productId", at)), Blank(Text(l, "sku", at)), Blank(Text(l, "barcode", at)), Blank(Text(l, "unitOfMeasure", at)),
            Price(l, "price", at), Blank(Text(l, "currency", at)) ?? currency, Blank(Text(l, "title", at)));
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Strings as sent; numbers from their raw text (ids keep their 64 bits, barcodes typed as numbers keep their digits).</summary>
    private static string? Text(JsonElement e, string name, string at) =>
        !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null : v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => throw new PayloadException($"{at}.{name}", "expected a string"),
        };

    private static decimal? Price(JsonElement e, string name, string at)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d)) return d;
        if (v.ValueKind == JsonValueKind.String && SettlementValues.TryMoney(v.GetString(), out var s)) return s;
        throw new PayloadException($"{at}.{name}", $"'{v.GetRawText()}' is not a price");
    }
}

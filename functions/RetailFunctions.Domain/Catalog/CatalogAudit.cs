namespace RetailFunctions.Domain.Catalog;

/// <summary>
/// How a sales channel lists an item: a web store variant, a till's item record. <see cref="ProductId"/> groups the
/// variants of one product; <see cref="ListingId"/> is the channel's own id for this listing.
/// </summary>
public sealed record ChannelListing(
    string Channel,
    string ListingId,
    string? ProductId,
    string? Sku,
    string? Barcode,
    string? UnitOfMeasure,
    decimal? Price,
    string? Currency,
    string? Title);

public static class CatalogIssues
{
    public const string DuplicateSku = "duplicate-sku";
    public const string DuplicateBarcode = "duplicate-barcode";
    public const string SingleChannel = "single-channel";
    public const string MissingVariant = "missing-variant";
    public const string MissingSku = "missing-sku";
    public const string UnitOfMeasureMismatch = "unit-of-measure-mismatch";
    public const string InvalidBarcode = "invalid-barcode";
    public const string MangledBarcode = "mangled-barcode";
    public const string PriceMismatch = "price-mismatch";

    /// <summary>Issues that break selling or stock (errors) before those that mislead (warnings).</summary>
    public static string Severity(string issue) => issue switch
    {
        DuplicateSku or DuplicateBarcode or MangledBarcode or InvalidBarcode or MissingSku or UnitOfMeasureMismatch => "error",
        _ => "warning",
    };
}

/// <summary>One thing a merchandiser should fix: where (SKU, channel, listing), what is wrong, and what to do.</summary>
public sealed record CatalogFinding(string Issue, string Severity, string? Sku, string? Channel, string? ListingId, string? Value, string Detail, string Action);

public sealed record CatalogAuditReport(int Items, int Listings, IReadOnlyList<string> Channels, IReadOnlyDictionary<string, int> ByIssue, IReadOnlyList<CatalogFinding> Findings);

/// <summary>
/// The pre-go-live audit of the SKU cross-reference against each channel's catalog. Pure: the same catalog gives the
/// same findings in the same order (errors first, then by issue, SKU and channel).
/// </summary>
public static class CatalogAudit
{
    /// <summary>The system name of the cross-reference itself in findings.</summary>
    public const string CrossReference = "catalog";

    private static readonly Dictionary<string, string> UnitSynonyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["EA"] = "EA", ["EACH"] = "EA", ["UNIT"] = "EA", ["PC"] = "EA", ["PCS"] = "EA", ["PIECE"] = "EA",
        ["LB"] = "LB", ["LBS"] = "LB", ["POUND"] = "LB", ["KG"] = "KG", ["KGS"] = "KG", ["KILOGRAM"] = "KG",
        ["G"] = "G", ["GRAM"] = "G", ["OZ"] = "OZ", ["L"] = "L", ["LITRE"] = "L", ["LITER"] = "L",
    };

    public static CatalogAuditReport Run(IReadOnlyList<CatalogItem> items, IReadOnlyList<ChannelListing> listings, decimal priceTolerance = 0.005m)
    {
        var findings = new List<CatalogFinding>();
        void Add(string issue, string? sku, string? channel, string? listing, string? value, string detail, string action) =>
            findings.Add(new CatalogFinding(issue, CatalogIssues.Severity(issue), sku, channel, listing, value, detail, action));

        // Barcodes as typed: mangled by a spreadsheet, or failing the GTIN check digit.
        var barcodes = items.Where(i => i.Barcode is not null).Select(i => (Sku: (string?)i.Sku, Channel: CrossReference, Listing: (string?)null, Barcode: i.Barcode!))
            .Concat(listings.Where(l => l.Barcode is not null).Select(l => (l.Sku, l.Channel, Listing: (string?)l.ListingId, Barcode: l.Barcode!)))
            .ToList();
        foreach (var b in barcodes)
        {
            if (Gtin.LooksSpreadsheetMangled(b.Barcode))
                Add(CatalogIssues.MangledBarcode, b.Sku, b.Channel, b.Listing, b.Barcode,
                    $"'{b.Barcode}' is a spreadsheet's scientific notation: the last digits are lost",
                    "re-enter the barcode from the product or the supplier's file, with the column formatted as text");
            else if (Gtin.Normalize(b.Barcode) is null)
                Add(CatalogIssues.InvalidBarcode, b.Sku, b.Channel, b.Listing, b.Barcode,
                    b.Barcode.Trim().Length is 8 or 12 or 13 or 14 && b.Barcode.Trim().All(char.IsAsciiDigit)
                        ? $"'{b.Barcode}' fails the GTIN check digit"
                        : $"'{b.Barcode}' is not a GTIN-8, 12, 13 or 14",
                    "scan the product's barcode again; a mistyped digit sells the wrong item at the till");
        }

        // One barcode, several SKUs.
        foreach (var group in barcodes.Where(b => b.Sku is not null && Gtin.Normalize(b.Barcode) is not null)
                     .GroupBy(b => Gtin.Normalize(b.Barcode)!).Where(g => g.Select(b => b.Sku).Distinct(StringComparer.Ordinal).Count() > 1))
        {
            var skus = group.Select(b => b.Sku!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            foreach (var sku in skus)
                Add(CatalogIssues.DuplicateBarcode, sku, null, null, group.Key,
                    $"barcode {group.Key} is on {skus.Count} SKUs: {string.Join(", ", skus)} ({string.Join(", ", group.Select(b => b.Channel).Distinct().Order(StringComparer.Ordinal))})",
                    "keep the barcode on the one SKU it belongs to; a scan resolves to either");
        }

        // One SKU twice: in a channel under two listings, or in the cross-reference spelled two ways.
        foreach (var group in listings.Where(l => !string.IsNullOrWhiteSpace(l.Sku)).GroupBy(l => (l.Channel, Sku: l.Sku!.Trim()))
                     .Where(g => g.Select(l => l.ListingId).Distinct().Count() > 1))
            Add(CatalogIssues.DuplicateSku, group.Key.Sku, group.Key.Channel, string.Join(", ", group.Select(l => l.ListingId).Distinct()), group.Key.Sku,
                $"{group.Key.Channel} lists SKU {group.Key.Sku} {group.Count()} times ({string.Join(", ", group.Select(l => l.Title ?? l.ListingId).Distinct())})",
                "give each listing its own SKU, or remove the extra listing; stock and sales of both land on one SKU");
        foreach (var group in items.GroupBy(i => i.Sku.Trim().ToUpperInvariant()).Where(g => g.Count() > 1))
            Add(CatalogIssues.DuplicateSku, group.First().Sku, CrossReference, null, string.Join(" | ", group.Select(i => i.Sku)),
                $"the cross-reference has {group.Count()} SKUs that differ only by case or spaces: {string.Join(", ", group.Select(i => $"'{i.Sku}'"))}",
                "merge them into one canonical SKU and move the aliases");

        // Variants without a SKU cannot be stocked or matched.
        foreach (var l in listings.Where(l => string.IsNullOrWhiteSpace(l.Sku)))
            Add(CatalogIssues.MissingSku, null, l.Channel, l.ListingId, l.Title,
                $"{l.Channel} listing {l.ListingId}{(l.Title is null ? "" : $" ({l.Title})")} has no SKU",
                "set the SKU in the channel so its sales move stock");

        // Presence per channel: the cross-reference's aliases and the channels' listings.
        var itemsBySku = items.GroupBy(i => i.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var listed = listings.Where(l => !string.IsNullOrWhiteSpace(l.Sku)).ToList();
        var channels = listed.Select(l => l.Channel).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var presence = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var l in listed)
        {
            if (!presence.TryGetValue(l.Sku!.Trim(), out var set)) presence[l.Sku!.Trim()] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.Add(l.Channel);
        }
        foreach (var item in items)
        {
            if (!presence.TryGetValue(item.Sku, out var set)) presence[item.Sku] = set = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var alias in item.Aliases.Where(a => a.System != "*")) set.Add(alias.System);
        }
        var allChannels = presence.Values.SelectMany(s => s).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        // Variants of one product: SKUs that share a product id in any channel.
        var siblings = listed.Where(l => l.ProductId is not null).GroupBy(l => (l.Channel, l.ProductId))
            .SelectMany(g => g.Select(l => (Sku: l.Sku!.Trim(), Product: g.Select(x => x.Sku!.Trim()).ToList())))
            .GroupBy(x => x.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(x => x.Product).Where(s => s != g.Key).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        if (allChannels.Count > 1)
        {
            foreach (var (sku, set) in presence.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var missing = allChannels.Except(set).ToList();
                if (missing.Count == 0) continue;
                // A variant whose product is in that channel with other variants is a missing variant, not a missing product.
                var variantGaps = missing.Where(ch => siblings.TryGetValue(sku, out var others)
                    && others.Any(o => presence.TryGetValue(o, out var where) && where.Contains(ch))).ToList();
                foreach (var ch in variantGaps)
                    Add(CatalogIssues.MissingVariant, sku, ch, null, null,
                        $"{ch} lists other variants of {sku}'s product but not {sku} (present in {string.Join(", ", set)})",
                        $"add the variant to {ch}, or retire it everywhere");
                var rest = missing.Except(variantGaps).ToList();
                if (rest.Count > 0 && set.Count == 1)
                    Add(CatalogIssues.SingleChannel, sku, set.Min, null, null,
                        itemsBySku.ContainsKey(sku)
                            ? $"{sku} is only in {set.Min}; not in {string.Join(", ", rest)}"
                            : $"{sku} is only in {set.Min} and not in the cross-reference",
                        itemsBySku.ContainsKey(sku) ? "list it in the other channels, or confirm it is exclusive" : "add it to the cross-reference (PUT /api/catalog/skus/{sku}) or remove the listing");
            }
        }

        // Units of measure and prices that disagree between the cross-reference and the channels.
        foreach (var group in listed.GroupBy(l => l.Sku!.Trim(), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var item = itemsBySku.GetValueOrDefault(group.Key);
            var units = group.Where(l => l.UnitOfMeasure is not null).Select(l => (l.Channel, Unit: Unit(l.UnitOfMeasure!)))
                .Concat(item?.UnitOfMeasure is { } u ? [(CrossReference, Unit(u))] : []).Distinct().ToList();
            if (units.Select(x => x.Unit).Distinct().Count() > 1)
                Add(CatalogIssues.UnitOfMeasureMismatch, group.Key, null, null, string.Join(", ", units.Select(x => $"{x.Channel}={x.Unit}")),
                    $"{group.Key} is sold by different units: {string.Join(", ", units.Select(x => $"{x.Channel} {x.Unit}"))}",
                    "sell it by one unit everywhere, or map each channel's unit with a conversion; stock moves in the wrong quantities otherwise");
            foreach (var currency in group.Where(l => l.Price is not null).GroupBy(l => l.Currency ?? ""))
            {
                var prices = currency.Select(l => (l.Channel, Price: l.Price!.Value)).Distinct().OrderBy(p => p.Channel, StringComparer.Ordinal).ToList();
                if (prices.Max(p => p.Price) - prices.Min(p => p.Price) > priceTolerance)
                    Add(CatalogIssues.PriceMismatch, group.Key, null, null, string.Join(", ", prices.Select(p => $"{p.Channel}={p.Price:0.00}")),
                        $"{group.Key} costs {string.Join(", ", prices.Select(p => $"{p.Price:0.00}{(currency.Key.Length > 0 ? " " + currency.Key : "")} in {p.Channel}"))}",
                        "align the prices, or record the difference as an intended channel price");
            }
        }

        var ordered = findings
            .OrderBy(f => f.Severity == "error" ? 0 : 1)
            .ThenBy(f => f.Issue, StringComparer.Ordinal)
            .ThenBy(f => f.Sku ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Channel ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.ListingId ?? "", StringComparer.Ordinal)
            .ToList();
        return new CatalogAuditReport(items.Count, listings.Count, channels,
            new SortedDictionary<string, int>(ordered.GroupBy(f => f.Issue).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal), ordered);
    }

    private static string Unit(string unit) => UnitSynonyms.TryGetValue(unit.Trim(), out var canonical) ? canonical : unit.Trim().ToUpperInvariant();
}

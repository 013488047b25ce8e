using System.Text.Json;
using Azure.Data.Tables;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>
/// The SKU cross-reference and the location map. Items and locations are rows of their own; every alias is a row
/// keyed by the other system's identifier, so resolving a till item id or a web variant id is one point read.
/// Barcodes are global: the same GTIN names the same item whichever system scanned it.
/// </summary>
public sealed class TableCatalogStore(StorageAccount account) : ICatalogStore
{
    private const string ItemPartition = "item";
    private const string LocationPartition = "location";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private TableClient Table => account.Table(TableNames.Catalog);

    public async Task<string?> ResolveSkuAsync(string system, string kind, string value, CancellationToken cancellationToken)
    {
        var alias = await Table.GetEntityIfExistsAsync<TableEntity>(AliasPartition(system, kind), TableKeys.Escape(value), cancellationToken: cancellationToken);
        if (alias.HasValue) return alias.Value!.GetString("Sku");
        // A channel that already uses canonical SKUs needs no alias.
        if (kind == AliasKinds.Sku && await GetItemAsync(value, cancellationToken) is { } item) return item.Sku;
        return null;
    }

    public async Task<IReadOnlyDictionary<string, string>?> ListAliasesAsync(string system, string kind, int max, CancellationToken cancellationToken)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AliasPartition(system, kind)}"),
                           select: ["Value", "Sku"], cancellationToken: cancellationToken))
        {
            if (aliases.Count >= max) return null;
            if (e.GetString("Value") is { } value && e.GetString("Sku") is { } sku) aliases[value] = sku;
        }
        return aliases;
    }

    public async Task<string?> ResolveLocationAsync(string system, string value, CancellationToken cancellationToken)
    {
        var alias = await Table.GetEntityIfExistsAsync<TableEntity>($"localias:{system}", TableKeys.Escape(value), cancellationToken: cancellationToken);
        return alias.HasValue ? alias.Value!.GetString("Location") : null;
    }

    public async Task<CatalogItem?> GetItemAsync(string sku, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(ItemPartition, TableKeys.Escape(sku), cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var e = row.Value!;
        return new CatalogItem(
            e.GetString("Sku"), e.GetString("Title"), e.GetString("Barcode"), e.GetString("UnitOfMeasure"),
            e.GetString("Price") is { } price ? decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture) : null,
            JsonSerializer.Deserialize<List<SkuAlias>>(e.GetString("Aliases") ?? "[]", Json)!);
    }

    public async Task UpsertItemAsync(CatalogItem item, CancellationToken cancellationToken)
    {
        var existing = await GetItemAsync(item.Sku, cancellationToken);
        var aliases = (existing?.Aliases ?? []).Concat(item.Aliases).Distinct().ToList();
        var merged = new CatalogItem(
            item.Sku, item.Title ?? existing?.Title, item.Barcode ?? existing?.Barcode,
            item.UnitOfMeasure ?? existing?.UnitOfMeasure, item.Price ?? existing?.Price, aliases);
        var lookups = Gtin.Normalize(merged.Barcode) is { } gtin ? aliases.Append(new SkuAlias("*", AliasKinds.Barcode, gtin)) : aliases;

        // Aliases first: an item row is only visible once everything that resolves to it is in place.
        foreach (var alias in lookups.Distinct())
        {
            await Table.UpsertEntityAsync(new TableEntity(AliasPartition(alias.System, alias.Kind), TableKeys.Escape(alias.Value))
            {
                ["Sku"] = item.Sku,
                ["System"] = alias.System,
                ["Kind"] = alias.Kind,
                ["Value"] = alias.Value,
            }, TableUpdateMode.Replace, cancellationToken);
        }
        await Table.UpsertEntityAsync(new TableEntity(ItemPartition, TableKeys.Escape(item.Sku))
        {
            ["Sku"] = merged.Sku,
            ["Title"] = merged.Title,
            ["Barcode"] = merged.Barcode,
            ["UnitOfMeasure"] = merged.UnitOfMeasure,
            ["Price"] = merged.Price is { } p ? TableInventoryStore.Store(p) : null,
            ["Aliases"] = JsonSerializer.Serialize(merged.Aliases, Json),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task UpsertLocationAsync(Location location, CancellationToken cancellationToken)
    {
        foreach (var alias in location.Aliases)
        {
            await Table.UpsertEntityAsync(new TableEntity($"localias:{alias.System}", TableKeys.Escape(alias.Value))
            {
                ["Location"] = location.Id,
            }, TableUpdateMode.Replace, cancellationToken);
        }
        await Table.UpsertEntityAsync(new TableEntity(LocationPartition, TableKeys.Escape(location.Id))
        {
            ["Id"] = location.Id,
            ["Name"] = location.Name,
            ["Latitude"] = location.Latitude,
            ["Longitude"] = location.Longitude,
            ["Aliases"] = JsonSerializer.Serialize(location.Aliases, Json),
            ["Region"] = location.Region,
            ["TimeZone"] = location.TimeZone,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<Location>> ListLocationsAsync(CancellationToken cancellationToken)
    {
        var locations = new List<Location>();
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == LocationPartition, cancellationToken: cancellationToken))
            locations.Add(ToLocation(e));
        return locations;
    }

    public async Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(LocationPartition, TableKeys.Escape(id), cancellationToken: cancellationToken);
        return row.HasValue ? ToLocation(row.Value!) : null;
    }

    private static Location ToLocation(TableEntity e) =>
        new(e.GetString("Id"), e.GetString("Name"), e.GetDouble("Latitude"), e.GetDouble("Longitude"),
            JsonSerializer.Deserialize<List<LocationAlias>>(e.GetString("Aliases") ?? "[]", Json)!, e.GetString("Region"),
            e.GetString("TimeZone"));

    private static string AliasPartition(string system, string kind) =>
        kind == AliasKinds.Barcode ? "alias:*:barcode" : $"alias:{system}:{kind}";
}

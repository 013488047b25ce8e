using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Reconciliation;

namespace RetailFunctions.Storage;

/// <summary>
/// The audit's view of the catalog: the cross-reference's item rows (the Catalog table's <c>item</c> partition) and
/// one snapshot blob per channel in <c>channel-catalogs</c>, replaced by each upload.
/// </summary>
public sealed class TableCatalogAuditSource(StorageAccount account, BlobStore blobs) : ICatalogAuditSource
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async IAsyncEnumerable<CatalogItem> ItemsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in account.Table(TableNames.Catalog).QueryAsync<TableEntity>(x => x.PartitionKey == "item", cancellationToken: cancellationToken))
            yield return new CatalogItem(
                e.GetString("Sku"), e.GetString("Title"), e.GetString("Barcode"), e.GetString("UnitOfMeasure"),
                e.GetString("Price") is { } price ? decimal.Parse(price, CultureInfo.InvariantCulture) : null,
                JsonSerializer.Deserialize<List<SkuAlias>>(e.GetString("Aliases") ?? "[]", Json)!);
    }

    public async IAsyncEnumerable<ChannelListing> ListingsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (name, _) in blobs.ListAsync(ContainerNames.ChannelCatalogs, "", cancellationToken))
        {
            await using var stream = await blobs.OpenReadAsync(ContainerNames.ChannelCatalogs, name, cancellationToken);
            await foreach (var listing in JsonSerializer.DeserializeAsyncEnumerable<ChannelListing>(stream, Json, cancellationToken))
                if (listing is not null) yield return listing;
        }
    }

    public async Task SaveChannelAsync(string channel, IReadOnlyList<ChannelListing> listings, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(listings, Json)));
        await blobs.UploadAsync(ContainerNames.ChannelCatalogs, $"{Uri.EscapeDataString(channel)}.json", content, "application/json", cancellationToken);
    }
}

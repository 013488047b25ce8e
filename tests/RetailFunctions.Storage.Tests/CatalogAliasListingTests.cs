using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>Listing one kind of alias from the catalog on a real Azurite, as the catalog cache warms itself.</summary>
public sealed class CatalogAliasListingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GivenItemsWithVariantsAndSkus_WhenTheVariantsAreListed_ThenEachNamesItsSkuAndNoOtherKindIsListed()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var catalog = new TableCatalogStore(account);
        var prefix = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++)
            await catalog.UpsertItemAsync(new CatalogItem($"{prefix}-SKU/{i}", "Shirt", null, null, 10m,
                [new SkuAlias(SourceSystems.Shopify, AliasKinds.Variant, $"{prefix}/v{i}"), new SkuAlias(SourceSystems.Shopify, AliasKinds.Sku, $"{prefix}-SKU/{i}")]),
                CancellationToken.None);

        var variants = await catalog.ListAliasesAsync(SourceSystems.Shopify, AliasKinds.Variant, 100_000, CancellationToken.None);

        Assert.NotNull(variants);
        Assert.Equal([$"{prefix}-SKU/0", $"{prefix}-SKU/1", $"{prefix}-SKU/2"],
            Enumerable.Range(0, 3).Select(i => variants[$"{prefix}/v{i}"]));
        Assert.DoesNotContain(variants.Keys, k => k.Contains("-SKU/"));
        Assert.Null(await catalog.ListAliasesAsync(SourceSystems.Shopify, AliasKinds.Variant, 2, CancellationToken.None));
    }
}

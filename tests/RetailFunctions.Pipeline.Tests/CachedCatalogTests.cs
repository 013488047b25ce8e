using Microsoft.Extensions.Time.Testing;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline.Catalog;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>The catalog cache against an in-memory catalog that counts its alias reads.</summary>
public sealed class CachedCatalogTests
{
    private static CatalogItem Shirt(string sku, string variant) =>
        new(sku, "Oxford Shirt", null, null, 49m, [new SkuAlias(SourceSystems.Shopify, AliasKinds.Variant, variant), new SkuAlias(SourceSystems.Shopify, AliasKinds.Sku, sku)]);

    [Fact]
    public async Task GivenAProductRegisteredThroughTheCache_WhenItsVariantIsSold_ThenItResolvesWithoutARead()
    {
        var store = new MemoryCatalog();
        var catalog = new CachedCatalog(store, TimeProvider.System);

        await catalog.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);

        Assert.Equal("SHIRT-1", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4401", CancellationToken.None));
        Assert.Equal("SHIRT-1", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Sku, "SHIRT-1", CancellationToken.None));
        Assert.Equal(0, store.Reads);
    }

    [Fact]
    public async Task GivenAVariantResolvedOnce_WhenItMovesToAnotherSku_ThenTheNextResolutionNamesTheNewSku()
    {
        var store = new MemoryCatalog();
        var catalog = new CachedCatalog(store, TimeProvider.System);
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);
        Assert.Equal("SHIRT-1", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4401", CancellationToken.None));
        Assert.Equal("SHIRT-1", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4401", CancellationToken.None));
        Assert.Equal((1, 0), (store.Listings, store.Reads));

        await catalog.UpsertItemAsync(Shirt("SHIRT-2", "4401"), CancellationToken.None);

        Assert.Equal("SHIRT-2", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4401", CancellationToken.None));
    }

    [Fact]
    public async Task GivenAnUnknownVariant_WhenItIsMappedLater_ThenItResolvesAtOnce()
    {
        var store = new MemoryCatalog();
        var catalog = new CachedCatalog(store, TimeProvider.System);
        Assert.Null(await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4402", CancellationToken.None));

        await store.UpsertItemAsync(Shirt("SHIRT-3", "4402"), CancellationToken.None);

        Assert.Equal("SHIRT-3", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4402", CancellationToken.None));
    }

    [Fact]
    public async Task GivenAFreshCacheOverAMappedCatalog_WhenManyVariantsAreSold_ThenOneListingServesThemAll()
    {
        var store = new MemoryCatalog();
        for (var i = 0; i < 50; i++) await store.UpsertItemAsync(Shirt($"SHIRT-{i}", $"44{i:D2}"), CancellationToken.None);
        var catalog = new CachedCatalog(store, TimeProvider.System);

        for (var i = 0; i < 50; i++)
            Assert.Equal($"SHIRT-{i}", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, $"44{i:D2}", CancellationToken.None));

        Assert.Equal((1, 0), (store.Listings, store.Reads));
    }

    [Fact]
    public async Task GivenAVariantMappedAfterTheListing_WhenSold_ThenItIsReadAndResolves()
    {
        var store = new MemoryCatalog();
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);
        var catalog = new CachedCatalog(store, TimeProvider.System);
        Assert.Equal("SHIRT-1", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4401", CancellationToken.None));

        await store.UpsertItemAsync(Shirt("SHIRT-2", "4402"), CancellationToken.None);

        Assert.Equal("SHIRT-2", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4402", CancellationToken.None));
        Assert.Equal((1, 1), (store.Listings, store.Reads));
    }

    [Fact]
    public async Task GivenAnItemAndALocationReadOnce_WhenEveryPushNamesThem_ThenTheyAreNotReadAgain()
    {
        var store = new MemoryCatalog();
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);
        await store.UpsertLocationAsync(new Location("STORE-1", "High Street", null, null, [new LocationAlias(SourceSystems.Shopify, "6601")]),
            CancellationToken.None);
        var catalog = new CachedCatalog(store, TimeProvider.System);

        for (var push = 0; push < 3; push++)
        {
            Assert.Equal("SHIRT-1", (await catalog.GetItemAsync("SHIRT-1", CancellationToken.None))?.Sku);
            Assert.Equal("6601", (await catalog.GetLocationAsync("STORE-1", CancellationToken.None))?.Aliases.Single().Value);
        }

        Assert.Equal((1, 1), (store.ItemReads, store.LocationReads));
    }

    [Fact]
    public async Task GivenAnItemRemembered_WhenItIsChangedThroughTheCache_ThenTheNextReadReturnsTheStoredItem()
    {
        var store = new MemoryCatalog();
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);
        await store.UpsertLocationAsync(new Location("STORE-1", "High Street", null, null, []), CancellationToken.None);
        var catalog = new CachedCatalog(store, TimeProvider.System);
        await catalog.GetItemAsync("SHIRT-1", CancellationToken.None);
        await catalog.GetLocationAsync("STORE-1", CancellationToken.None);

        await catalog.UpsertItemAsync(Shirt("SHIRT-1", "4499"), CancellationToken.None);
        await catalog.UpsertLocationAsync(new Location("STORE-1", "High Street", null, null, [new LocationAlias(SourceSystems.Shopify, "6601")]),
            CancellationToken.None);

        Assert.Equal("4499", (await catalog.GetItemAsync("SHIRT-1", CancellationToken.None))!.Aliases[0].Value);
        Assert.Equal("6601", (await catalog.GetLocationAsync("STORE-1", CancellationToken.None))!.Aliases.Single().Value);
        Assert.Equal((2, 2), (store.ItemReads, store.LocationReads));
    }

    [Fact]
    public async Task GivenAReadUnderWayWhenTheItemChanges_WhenItReturnsTheOldItem_ThenTheOldItemIsNotRemembered()
    {
        var store = new MemoryCatalog();
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);
        var catalog = new CachedCatalog(store, TimeProvider.System);
        var readHeld = new TaskCompletionSource();
        store.BeforeItemRead = () => readHeld.Task;

        var slowRead = catalog.GetItemAsync("SHIRT-1", CancellationToken.None);
        store.BeforeItemRead = null;
        await catalog.UpsertItemAsync(Shirt("SHIRT-1", "4499"), CancellationToken.None);
        // The store answered the held read with the item as it was before the change.
        store.NextItemRead = Shirt("SHIRT-1", "4401");
        readHeld.SetResult();
        Assert.Equal("4401", (await slowRead)!.Aliases[0].Value);

        Assert.Equal("4499", (await catalog.GetItemAsync("SHIRT-1", CancellationToken.None))!.Aliases[0].Value);
    }

    [Fact]
    public async Task GivenAListingUnderWayWhenAnAliasMoves_WhenItReturnsTheAliasWhereItWas_ThenTheListingIsNotRemembered()
    {
        var store = new MemoryCatalog();
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);
        var catalog = new CachedCatalog(store, TimeProvider.System);
        var listingHeld = new TaskCompletionSource();
        store.AfterAliasRead = () => listingHeld.Task;

        var resolving = catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4401", CancellationToken.None);
        store.AfterAliasRead = null;
        await catalog.UpsertItemAsync(Shirt("SHIRT-2", "4401"), CancellationToken.None);
        listingHeld.SetResult();
        await resolving;

        Assert.Equal("SHIRT-2", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4401", CancellationToken.None));
        // Nor is the kind taken as listed: the resolution lists again.
        Assert.Equal(2, store.Listings);
    }

    [Fact]
    public async Task GivenAnAliasReadUnderWayWhenTheAliasMoves_WhenItReturnsTheOldSku_ThenTheOldSkuIsNotRemembered()
    {
        var store = new MemoryCatalog();
        var catalog = new CachedCatalog(store, TimeProvider.System);
        Assert.Null(await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4400", CancellationToken.None));
        // Mapped elsewhere after the listing: the cache reads it on its own.
        await store.UpsertItemAsync(Shirt("SHIRT-2", "4402"), CancellationToken.None);
        var readHeld = new TaskCompletionSource();
        store.AfterAliasRead = () => readHeld.Task;

        var slowRead = catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4402", CancellationToken.None);
        store.AfterAliasRead = null;
        await catalog.UpsertItemAsync(Shirt("SHIRT-3", "4402"), CancellationToken.None);
        readHeld.SetResult();
        Assert.Equal("SHIRT-2", await slowRead);

        Assert.Equal("SHIRT-3", await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, "4402", CancellationToken.None));
    }

    [Fact]
    public async Task GivenAnUnknownSku_WhenItIsRegisteredElsewhere_ThenTheNextReadFindsIt()
    {
        var store = new MemoryCatalog();
        var catalog = new CachedCatalog(store, TimeProvider.System);
        Assert.Null(await catalog.GetItemAsync("SHIRT-9", CancellationToken.None));

        await store.UpsertItemAsync(Shirt("SHIRT-9", "4409"), CancellationToken.None);

        Assert.Equal("SHIRT-9", (await catalog.GetItemAsync("SHIRT-9", CancellationToken.None))?.Sku);
    }

    [Fact]
    public async Task GivenAnItemRemembered_WhenTheCacheWindowHasPassed_ThenAChangeMadeElsewhereIsRead()
    {
        var store = new MemoryCatalog();
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4401"), CancellationToken.None);
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var catalog = new CachedCatalog(store, clock);
        await catalog.GetItemAsync("SHIRT-1", CancellationToken.None);
        await store.UpsertItemAsync(Shirt("SHIRT-1", "4499"), CancellationToken.None);

        Assert.Equal("4401", (await catalog.GetItemAsync("SHIRT-1", CancellationToken.None))!.Aliases[0].Value);
        clock.Advance(CachedCatalog.For);
        Assert.Equal("4499", (await catalog.GetItemAsync("SHIRT-1", CancellationToken.None))!.Aliases[0].Value);
    }


    /// <summary>Items and their aliases in memory; alias, item and location reads and listings are counted.</summary>
    private sealed class MemoryCatalog : ICatalogStore
    {
        private readonly Dictionary<(string, string, string), string> _aliases = [];
        private readonly Dictionary<string, CatalogItem> _items = [];
        private readonly Dictionary<string, Location> _locations = [];
        public int Reads { get; private set; }
        public int ItemReads { get; private set; }
        public int LocationReads { get; private set; }

        /// <summary>Awaited at the start of the next item read, to hold it while something else happens.</summary>
        public Func<Task>? BeforeItemRead { get; set; }

        /// <summary>What the next item read answers instead of the stored item (a read that saw the row before a change).</summary>
        public CatalogItem? NextItemRead { get; set; }
        public int Listings { get; private set; }

        /// <summary>Awaited by the next alias read or listing after it has taken its answer: it returns the rows as they were.</summary>
        public Func<Task>? AfterAliasRead { get; set; }

        public async Task<IReadOnlyDictionary<string, string>?> ListAliasesAsync(string system, string kind, int max, CancellationToken cancellationToken)
        {
            Listings++;
            var aliases = _aliases.Where(a => a.Key.Item1 == system && a.Key.Item2 == kind).ToDictionary(a => a.Key.Item3, a => a.Value);
            if (AfterAliasRead is { } hold) await hold();
            return aliases.Count > max ? null : aliases;
        }

        public async Task<string?> ResolveSkuAsync(string system, string kind, string value, CancellationToken cancellationToken)
        {
            Reads++;
            var sku = _aliases.GetValueOrDefault((system, kind, value));
            if (AfterAliasRead is { } hold) await hold();
            return sku;
        }

        public Task<string?> ResolveLocationAsync(string system, string value, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public async Task<CatalogItem?> GetItemAsync(string sku, CancellationToken cancellationToken)
        {
            ItemReads++;
            if (BeforeItemRead is { } hold) await hold();
            if (NextItemRead is { } answer)
            {
                NextItemRead = null;
                return answer;
            }
            return _items.GetValueOrDefault(sku);
        }

        public Task UpsertItemAsync(CatalogItem item, CancellationToken cancellationToken)
        {
            foreach (var alias in item.Aliases) _aliases[(alias.System, alias.Kind, alias.Value)] = item.Sku;
            _items[item.Sku] = item;
            return Task.CompletedTask;
        }

        public Task UpsertLocationAsync(Location location, CancellationToken cancellationToken)
        {
            _locations[location.Id] = location;
            return Task.CompletedTask;
        }

        public Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken)
        {
            LocationReads++;
            return Task.FromResult(_locations.GetValueOrDefault(id));
        }

        public Task<IReadOnlyList<Location>> ListLocationsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Location>>([]);
    }
}

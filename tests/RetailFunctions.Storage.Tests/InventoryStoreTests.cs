using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>The stock ledger against a real Azurite: exactly-once movements under concurrency, ETags, paging.</summary>
public sealed class InventoryStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TableInventoryStore _store = null!;

    public async Task InitializeAsync()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        _store = new TableInventoryStore(account);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static StockMovement Move(string sku, MovementKind kind, decimal quantity, string key, string location = "STORE-1") =>
        new(sku, location, kind, quantity, key, "tester", "test", "test-event", DateTimeOffset.UtcNow, new DateOnly(2026, 11, 20));

    [Fact]
    public async Task GivenManyConcurrentWriters_WhenEachAppliesItsOwnMovement_ThenNoneIsLost()
    {
        var sku = $"HOT-{Guid.NewGuid():N}";
        await _store.ApplyAsync(Move(sku, MovementKind.Receipt, 100m, $"{sku}-receipt"), CancellationToken.None);
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            _store.ApplyAsync(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale-{i}"), CancellationToken.None)));
        Assert.All(results, r => Assert.Equal(MovementOutcome.Applied, r.Outcome));
        var level = Assert.Single(await _store.GetLevelsAsync(sku, CancellationToken.None));
        Assert.Equal(76m, level.OnHand);
        Assert.Equal(25, level.Version);
    }

    [Fact]
    public async Task GivenTheSameMovementDeliveredConcurrently_ThenItIsAppliedExactlyOnce()
    {
        var sku = $"DUP-{Guid.NewGuid():N}";
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            _store.ApplyAsync(Move(sku, MovementKind.Sale, 2m, $"{sku}-same-key"), CancellationToken.None)));
        Assert.Equal(1, results.Count(r => r.Outcome == MovementOutcome.Applied));
        Assert.Equal(11, results.Count(r => r.Outcome == MovementOutcome.AlreadyApplied));
        Assert.Equal(-2m, Assert.Single(await _store.GetLevelsAsync(sku, CancellationToken.None)).OnHand);
        Assert.Single((await _store.GetMovementsAsync(sku, null, 100, null, CancellationToken.None)).Movements);
    }

    [Fact]
    public async Task LevelsAreKeptPerLocationAndHistoryPagesInOrder()
    {
        var sku = $"MULTI/{Guid.NewGuid():N}#x"; // characters tables forbid in keys must still work
        for (var i = 0; i < 5; i++)
            await _store.ApplyAsync(Move(sku, MovementKind.Receipt, 1.5m, $"{sku}-r{i}", "STORE-A"), CancellationToken.None);
        await _store.ApplyAsync(Move(sku, MovementKind.CycleCount, 4m, $"{sku}-count", "STORE-A"), CancellationToken.None);
        await _store.ApplyAsync(Move(sku, MovementKind.Receipt, 9m, $"{sku}-b", "STORE-B"), CancellationToken.None);

        var levels = (await _store.GetLevelsAsync(sku, CancellationToken.None)).ToDictionary(l => l.Location);
        Assert.Equal(4m, levels["STORE-A"].OnHand);
        Assert.Equal(9m, levels["STORE-B"].OnHand);

        var first = await _store.GetMovementsAsync(sku, "STORE-A", 4, null, CancellationToken.None);
        Assert.Equal(4, first.Movements.Count);
        Assert.NotNull(first.ContinuationToken);
        var rest = await _store.GetMovementsAsync(sku, "STORE-A", 4, first.ContinuationToken, CancellationToken.None);
        var all = first.Movements.Concat(rest.Movements).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], all.Select(m => m.Sequence));
        Assert.Equal(MovementKind.CycleCount, all[^1].Movement.Kind);
        Assert.Equal(4m, all[^1].OnHandAfter);
        Assert.Equal(new DateOnly(2026, 11, 20), all[0].Movement.BusinessDay);
    }
}

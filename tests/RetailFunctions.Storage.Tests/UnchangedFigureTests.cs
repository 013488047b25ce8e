using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A change that leaves a location at the figure its channels were last sent (a fulfilled reservation: on hand and
/// reserved fall together) owes no push: the ledger marks the new version pushed in the same write, so nothing is
/// nudged, pushed or marked. A change of the figure after it still asks for a push, on kept rows and on read ones.
/// </summary>
public sealed class UnchangedFigureTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StorageAccount _account = null!;
    private static readonly CancellationToken None = CancellationToken.None;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static InventoryCommand Move(string sku, MovementKind kind, decimal quantity, string key) =>
        new InventoryCommand.RecordMovement(new StockMovement(sku, "STORE-1", kind, quantity, key, "tester", "test", "test-event", DateTimeOffset.UtcNow));

    private static InventoryCommand Reserve(string sku, string id, decimal quantity) =>
        new InventoryCommand.Reserve(sku, "STORE-1", "web", quantity, id, $"order {id}", null, MayOversell: false, DateTimeOffset.UtcNow);

    private static InventoryCommand Consume(string sku, string id, decimal quantity) =>
        new InventoryCommand.Consume(sku, id, "picker", DateTimeOffset.UtcNow, "STORE-1", quantity);

    /// <summary>A SKU with 10 on hand and 2 reserved at STORE-1, whose channels were sent that figure (8).</summary>
    private static async Task<(TableInventoryStore Store, StockGroupCommit Ledger)> PushedReservationAsync(StorageAccount account, string sku)
    {
        var store = new TableInventoryStore(account);
        var ledger = new StockGroupCommit(store);
        await ledger.ExecuteAsync(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"), None);
        var reserved = await ledger.ExecuteAsync(Reserve(sku, $"{sku}-line", 2m), None);
        var level = Assert.Single(reserved.Levels);
        Assert.True(await store.MarkPushedAsync(sku, "STORE-1", level.Version, 8m, DateTimeOffset.UtcNow, None));
        return (store, ledger);
    }

    [Fact]
    public async Task GivenChannelsUpToDate_WhenAReservationIsFulfilled_ThenNoPushIsOwedAndTheNewVersionIsMarkedPushed()
    {
        var sku = $"UF-{Guid.NewGuid():N}";
        var (store, ledger) = await PushedReservationAsync(_account, sku);

        var fulfilled = await ledger.ExecuteAsync(Consume(sku, $"{sku}-line", 2m), None);

        Assert.Equal(CommandOutcome.Applied, fulfilled.Outcome);
        Assert.Empty(fulfilled.PushNeeded);
        var stock = await new TableInventoryStore(_account).GetLocationStockAsync(sku, "STORE-1", None);
        Assert.Equal((8m, 0m), (stock!.Level.OnHand, stock.Level.Reserved));
        Assert.Equal(stock.Level.Version, stock.PushedVersion);
        Assert.Equal(8m, stock.LastPushedAvailable);
        Assert.Equal(stock.PushedVersion, store.LastWritten(sku)!.Location("STORE-1").PushedVersion);
    }

    [Fact]
    public async Task GivenAFulfilmentMarkedPushed_WhenASaleChangesTheFigure_ThenItAsksForAPushOnKeptAndOnReadRows()
    {
        var sku = $"UF-{Guid.NewGuid():N}";
        var (_, ledger) = await PushedReservationAsync(_account, sku);
        await ledger.ExecuteAsync(Consume(sku, $"{sku}-line", 2m), None);

        var sold = await ledger.ExecuteAsync(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale-1"), None);
        Assert.Equal(["STORE-1"], sold.PushNeeded);

        // Another runtime, reading the rows: the sale's push is owed, so its own change sends no second nudge.
        var elsewhere = new StockGroupCommit(new TableInventoryStore(_account));
        var second = await elsewhere.ExecuteAsync(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale-2"), None);
        Assert.Equal(CommandOutcome.Applied, second.Outcome);
        Assert.Empty(second.PushNeeded);
        var stock = await new TableInventoryStore(_account).GetLocationStockAsync(sku, "STORE-1", None);
        Assert.True(stock!.PushedVersion < stock.Level.Version);
    }

    [Fact]
    public async Task GivenChannelsUpToDate_WhenAReservationIsMadeAndReleasedInOneGroup_ThenNoPushIsOwed()
    {
        var sku = $"UF-{Guid.NewGuid():N}";
        var (_, ledger) = await PushedReservationAsync(_account, sku);

        var answers = await ledger.ExecuteAllAsync([
            Reserve(sku, $"{sku}-cart", 3m),
            new InventoryCommand.Release(sku, $"{sku}-cart", "cart abandoned", DateTimeOffset.UtcNow),
        ], None);

        Assert.All(answers, a => Assert.Equal(CommandOutcome.Applied, a.Outcome));
        Assert.All(answers, a => Assert.Empty(a.PushNeeded));
    }

    [Fact]
    public async Task GivenChannelsUpToDate_WhenAReservationChangesTheFigure_ThenAPushIsOwed()
    {
        var sku = $"UF-{Guid.NewGuid():N}";
        var (_, ledger) = await PushedReservationAsync(_account, sku);

        var reserved = await ledger.ExecuteAsync(Reserve(sku, $"{sku}-line-2", 1m), None);

        Assert.Equal(["STORE-1"], reserved.PushNeeded);
        var stock = await new TableInventoryStore(_account).GetLocationStockAsync(sku, "STORE-1", None);
        Assert.True(stock!.PushedVersion < stock.Level.Version);
    }
}

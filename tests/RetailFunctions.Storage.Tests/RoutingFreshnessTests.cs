using Microsoft.Extensions.Time.Testing;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// How long routing answers from the stock rows this instance keeps: a burst spread over many SKUs routes each one
/// every few seconds, and a read of a SKU's locations is a range query, which the emulator serves by scanning a table
/// that grows with every order. The age only bounds which location is preferred (a reservation is checked against
/// the rows it writes), so routing keeps them for a minute; for a SKU another instance writes too, as often as before.
/// Counted with the storage clients' request counter.
/// </summary>
public sealed class RoutingFreshnessTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Inventory = "GET Inventory";
    private readonly StorageRoundTrips _requests = new();
    /// <summary>A clock that moves only when told, for the store's kept rows and the runner alike.</summary>
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false);
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static InventoryCommand Receipt(string sku, decimal quantity, string key) => new InventoryCommand.RecordMovement(
        new StockMovement(sku, "STORE-1", MovementKind.Receipt, quantity, key, "tester", "test", "test-event", DateTimeOffset.UtcNow));

    private OrderEffectRunner Runner(TableInventoryStore store) =>
        new(store, null!, new TableCatalogStore(_account), null!, null!, new InventoryOptions(null, new HashSet<string>()), _clock);

    /// <summary>Routes a new one-line order for the SKU; the quantity each location offers.</summary>
    private async Task<IReadOnlyDictionary<string, decimal>> RouteAsync(OrderEffectRunner runner, string sku)
    {
        var now = _clock.GetUtcNow();
        var draft = new OrderDraft("app", [new ChannelReference("app", "id", sku)], "USD", now, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("L1", sku, "Shirt", 1m, 10m, 0m, 0m)], 0m, 0m, false);
        var step = OrderWorkflow.Execute(new OrderCommand.RecordOrder("record", "app", now, draft, now, null, null, new Dictionary<string, decimal>()),
            Order.Empty($"app-{sku}-{Guid.NewGuid():N}"), OrderPolicy.Default);
        var routing = Assert.Single(step.Effects.OfType<OrderEffect.RouteStock>());
        var answer = Assert.IsType<OrderCommand.AllocateStock>(await runner.RouteAsync(step.Next, routing, CancellationToken.None));
        return answer.Candidates.Where(c => c.Sku == sku).ToDictionary(c => c.Location, c => c.Available);
    }

    [Fact]
    public async Task GivenASkuRoutedForAnOrder_WhenTheNextOrderRoutesItHalfAMinuteLater_ThenTheInventoryIsNotReadAgain()
    {
        var sku = $"RF-{Guid.NewGuid():N}";
        var store = new TableInventoryStore(_account, _clock);
        await new StockGroupCommit(store).ExecuteAsync(Receipt(sku, 5m, $"{sku}-receipt"), CancellationToken.None);
        var runner = Runner(store);
        await RouteAsync(runner, sku);
        _clock.Advance(TimeSpan.FromSeconds(30));
        _requests.Reset();

        var offered = await RouteAsync(runner, sku);

        Assert.Equal(5m, offered["STORE-1"]);
        Assert.True(_requests[Inventory] == 0, $"requests: {_requests}");
    }

    [Fact]
    public async Task GivenASkuRoutedOverAMinuteAgo_WhenAnotherInstanceReceivedStockSince_ThenRoutingReadsItAfreshAndOffersThatStock()
    {
        var sku = $"RF-{Guid.NewGuid():N}";
        var here = new TableInventoryStore(_account, _clock);
        await new StockGroupCommit(here).ExecuteAsync(Receipt(sku, 5m, $"{sku}-receipt-1"), CancellationToken.None);
        var runner = Runner(here);
        await RouteAsync(runner, sku);
        await new StockGroupCommit(new TableInventoryStore(_account)).ExecuteAsync(Receipt(sku, 3m, $"{sku}-receipt-2"), CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(61));
        _requests.Reset();

        var offered = await RouteAsync(runner, sku);

        Assert.Equal(8m, offered["STORE-1"]);
        Assert.True(_requests[Inventory] == 1, $"requests: {_requests}");
    }

    private static InventoryCommand Reserve(string sku, string id) =>
        new InventoryCommand.Reserve(sku, "STORE-1", "web", 1m, id, $"order {id}", null, MayOversell: false, DateTimeOffset.UtcNow);

    [Fact]
    public async Task GivenASkuAnotherInstanceWritesToo_WhenItIsRoutedHalfAMinuteAfterAWriteHereFoundItChanged_ThenRoutingReadsItAfresh()
    {
        var sku = $"RF-{Guid.NewGuid():N}";
        var there = new StockGroupCommit(new TableInventoryStore(_account));
        await there.ExecuteAsync(Receipt(sku, 5m, $"{sku}-receipt"), CancellationToken.None);
        var here = new TableInventoryStore(_account, _clock);
        var runner = Runner(here);
        await RouteAsync(runner, sku);
        await there.ExecuteAsync(Reserve(sku, $"{sku}-there-1"), CancellationToken.None);
        var reservedHere = await new StockGroupCommit(here).ExecuteAsync(Reserve(sku, $"{sku}-here-1"), CancellationToken.None);
        var afterConflict = await RouteAsync(runner, sku);
        await there.ExecuteAsync(Reserve(sku, $"{sku}-there-2"), CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        _requests.Reset();

        var offered = await RouteAsync(runner, sku);

        Assert.Equal(CommandOutcome.Applied, reservedHere.Outcome);
        Assert.Equal((3m, 2m), (afterConflict["STORE-1"], offered["STORE-1"]));
        Assert.True(_requests[Inventory] == 1, $"requests: {_requests}");
    }
}

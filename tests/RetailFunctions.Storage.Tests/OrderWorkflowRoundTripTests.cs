using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// The order workflow's own Table requests against a real Azurite: an order placed under its channel's own id is
/// inserted without an index row and found by every spelling of that id; a store action costs the order's one
/// ETag-checked write; and a process whose kept copy another runtime has overwritten decides on the fresh row.
/// </summary>
public sealed class OrderWorkflowRoundTripTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly StorageRoundTrips _requests = new();
    private StorageAccount _account = null!;
    private StorageAccount _counted = null!;
    private readonly string _location = $"WF{Random.Shared.Next(100_000, 999_999)}";
    private readonly string _sku = $"WF-SKU-{Random.Shared.Next(100_000, 999_999)}";

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
        _counted = StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false);
        await new TableCatalogStore(_account).UpsertLocationAsync(new Location(_location, "Store", 52.0, 4.0, []), CancellationToken.None);
        var receipt = new StockMovement(_sku, _location, MovementKind.Receipt, 100m, $"{_sku}-in", "tester", "test", "test", Now);
        await Runtime(_account).Inventory.ExecuteAsync(new InventoryCommand.RecordMovement(receipt), CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GivenAnAppOrderWhoseIdIsInOneCase_WhenItIsPlaced_ThenItIsOneInsertWithNoIndexWriteAndEverySpellingFindsIt()
    {
        var channelOrderId = $"APP-{Random.Shared.Next(100_000, 999_999)}";

        var orderId = await PlaceCountedAsync(channelOrderId);

        Assert.True(_requests["POST $batch:Orders"] == 0 && _requests["POST Orders"] == 1, _requests.ToString());
        var store = new TableOrderStore(_account);
        var lower = channelOrderId.ToLowerInvariant();
        foreach (var spelling in (string[])[channelOrderId, lower, $" #{channelOrderId} ", orderId, orderId.ToUpperInvariant()])
            Assert.Equal(orderId, await store.FindAsync(Channels.App, spelling, CancellationToken.None));
        Assert.Null(await store.FindAsync(Channels.Marketplace, channelOrderId, CancellationToken.None));
    }

    [Fact]
    public async Task GivenAnAppOrderWhoseIdMixesCases_WhenItIsPlaced_ThenItIsIndexedAndFoundInAnyCase()
    {
        var channelOrderId = $"Mixed-{Random.Shared.Next(100_000, 999_999)}-x";

        var orderId = await PlaceCountedAsync(channelOrderId);

        Assert.True(_requests["POST $batch:Orders"] == 1, _requests.ToString());
        var store = new TableOrderStore(_account);
        Assert.Equal(orderId, await store.FindAsync(Channels.App, channelOrderId.ToUpperInvariant(), CancellationToken.None));
    }

    [Fact]
    public async Task GivenOrdersPlacedWithASpaceAndWithAnUnderscore_WhenEachIsLookedUpByTheOtherSpelling_ThenNeitherIsFound()
    {
        var number = Random.Shared.Next(100_000, 999_999);
        var (spaced, underscored) = ($"A B{number}", $"U_V{number}");
        var orders = Runtime(_account).Orders;
        var store = new TableOrderStore(_account);
        foreach (var channelOrderId in new[] { spaced, underscored })
        {
            var orderId = OrderIds.ForChannel(Channels.App, channelOrderId);
            await orders.ExecuteAsync(orderId, Place(Channels.App, channelOrderId), CancellationToken.None);
            Assert.Equal(orderId, await store.FindAsync(Channels.App, channelOrderId, CancellationToken.None));
        }
        // Both ids are written with an underscore, but only the spelling an order was placed with names it.
        Assert.Null(await store.FindAsync(Channels.App, $"A_B{number}", CancellationToken.None));
        Assert.Null(await store.FindAsync(Channels.App, $"U V{number}", CancellationToken.None));
    }

    [Fact]
    public async Task GivenAnOrderThisProcessLastWrote_WhenAStoreActionRuns_ThenItIsOneTagCheckedWriteAndNoRead()
    {
        var orders = Runtime(_counted).Orders;
        var (orderId, shipment) = await PlacedAsync(orders, "ACT");

        foreach (var stage in new[] { ShipmentStage.Picking, ShipmentStage.Packed })
        {
            _requests.Reset();
            var result = await orders.ExecuteOnKnownAsync(orderId, Advance(shipment, stage), CancellationToken.None);
            Assert.Null(result.Refusal);
            Assert.True(_requests["PUT Orders"] == 1 && _requests["GET Orders"] == 0, $"{stage}: {_requests}");
        }
    }

    [Fact]
    public async Task GivenAnotherRuntimeCancelledTheOrderBehindThisProcessesCopy_WhenThisProcessPacks_ThenItIsRefusedOnTheFreshOrder()
    {
        var first = Runtime(_counted).Orders;
        var (orderId, shipment) = await PlacedAsync(first, "RACE");
        Assert.Null((await first.ExecuteOnKnownAsync(orderId, Advance(shipment, ShipmentStage.Picking), CancellationToken.None)).Refusal);

        // A second runtime, with its own store and its own kept rows, cancels the order the first one last wrote.
        var second = Runtime(_account).Orders;
        var cancelled = await second.ExecuteOnKnownAsync(orderId,
            new OrderCommand.CancelOrder($"cancel:{orderId}", "associate", Now, "customer asked"), CancellationToken.None);
        Assert.Null(cancelled.Refusal);
        Assert.Equal(OrderStatus.Cancelled, cancelled.Order.Status);

        _requests.Reset();
        var packed = await first.ExecuteOnKnownAsync(orderId, Advance(shipment, ShipmentStage.Packed), CancellationToken.None);

        Assert.Contains("cancelled", packed.Refusal);
        Assert.Equal(OrderStatus.Cancelled, packed.Order.Status);
        // The kept copy cost one refused write and one read, never a decision on the stale row.
        Assert.True(_requests["PUT Orders"] == 1 && _requests["GET Orders"] == 1, _requests.ToString());
        var stored = await new TableOrderStore(_account).LoadAsync(orderId, CancellationToken.None);
        Assert.Equal(OrderStatus.Cancelled, stored.Order.Status);
        Assert.NotEqual(ShipmentStage.Packed, Assert.Single(stored.Order.Shipments).Stage);
    }

    [Fact]
    public async Task GivenAPlacedOrderNothingElseHappensTo_WhenTheLedgerConfirmsItsReservation_ThenTheAnswerIsSavedInOneWriteAndNothingIsSentForIt()
    {
        var requests = new StorageRoundTrips();
        var orders = Runtime(StorageRoundTrips.Account(azurite.ConnectionString, requests), removalDelay: TimeSpan.FromMilliseconds(200)).Orders;
        var channelOrderId = $"QUIET-{Random.Shared.Next(100_000, 999_999)}";
        var orderId = OrderIds.ForChannel(Channels.App, channelOrderId);

        var placed = await orders.ExecuteAsync(orderId, Place(Channels.App, channelOrderId), CancellationToken.None);
        Assert.NotEmpty(placed.Order.Shipments);
        var store = new TableOrderStore(_account);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await store.LoadAsync(orderId, CancellationToken.None)).Pending.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);

        var stored = await store.LoadAsync(orderId, CancellationToken.None);
        Assert.Empty(stored.Pending);
        Assert.Equal(ReservationState.Reserved, Assert.Single(Assert.Single(stored.Order.Shipments).Lines).Reservation);
        // The insert, then one write that saves the ledger's answer and empties the outbox; the placement's events went
        // out in one message, and the answer in none.
        Assert.True(requests["POST Orders"] == 1 && requests["PUT Orders"] == 1, requests.ToString());
        Assert.True(requests["POST order-events"] == 1, requests.ToString());
    }

    /// <summary>Places an app order through a runtime on the counted account, counting from just before; its id.</summary>
    private async Task<string> PlaceCountedAsync(string channelOrderId)
    {
        var orderId = OrderIds.ForChannel(Channels.App, channelOrderId);
        var orders = Runtime(_counted).Orders;
        _requests.Reset();
        await orders.ExecuteAsync(orderId, Place(Channels.App, channelOrderId), CancellationToken.None);
        return orderId;
    }

    /// <summary>An app order of one shipment placed through a runtime: its id and its shipment's.</summary>
    private async Task<(string OrderId, string ShipmentId)> PlacedAsync(OrderService orders, string prefix)
    {
        var channelOrderId = $"{prefix}-{Random.Shared.Next(100_000, 999_999)}";
        var orderId = OrderIds.ForChannel(Channels.App, channelOrderId);
        var placed = await orders.ExecuteAsync(orderId, Place(Channels.App, channelOrderId), CancellationToken.None);
        return (orderId, Assert.Single(placed.Order.Shipments).ShipmentId);
    }

    private sealed record Started(OrderService Orders, InventoryService Inventory);

    /// <summary>One runtime's order service over an account: its own stores, ledger and kept rows.</summary>
    private Started Runtime(StorageAccount account, TimeSpan? removalDelay = null)
    {
        var stock = new TableInventoryStore(account);
        var sender = new QueueMessageSender(account, new BlobStore(account));
        var inventory = new InventoryService(stock, sender, PilotGate.AllOn(TimeProvider.System), TimeProvider.System);
        var effects = new OrderEffectRunner(stock, inventory, new TableCatalogStore(account), new TableExceptionStore(account), sender,
            new InventoryOptions(_location, new HashSet<string>()), TimeProvider.System);
        return new Started(new OrderService(new TableOrderStore(account), effects, OrderPolicy.Default, removalDelay ?? TimeSpan.FromHours(1)), inventory);
    }

    private OrderCommand.RecordOrder Place(string channel, string channelOrderId) => new($"place:{channel}-{channelOrderId}", "test", Now,
        new OrderDraft(channel, [new ChannelReference(channel, "id", channelOrderId)], "EUR", Now, null, FulfilmentMethod.Ship,
            null, null, null, [new OrderLine("L1", _sku, _sku, 1m, 10m, 0m, 0m)], 0m, 0m, false),
        Now, null, null, new Dictionary<string, decimal>());

    private static OrderCommand.AdvanceShipment Advance(string shipment, ShipmentStage stage) =>
        new($"{shipment}:{stage}", "associate", Now, shipment, stage, []);
}

using Azure.Data.Tables;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A store's pick list against a real Azurite, counting the Table requests the task rows cost: a row is written when
/// its task is requested and when it closes (a close riding on the location's next request), and the stages in
/// between are read from the order, so the list shows them without their being written.
/// </summary>
public sealed class StorePickListTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly StorageRoundTrips _requests = new();
    private StorageAccount _account = null!;
    private StorageAccount _counted = null!;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
        _counted = StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Location() => $"PL{Random.Shared.Next(100_000, 999_999)}";

    private static StoreTask Requested(string location, string orderId) =>
        new(location, orderId, "S1", FulfilmentMethod.Ship, [Line(orderId)], ShipmentStage.Allocated, Now, Now);

    private static ShipmentLine Line(string orderId) => new("L1", "SKU-1", 1m, $"order:{orderId}:S1:L1", ReservationState.Pending);

    private static readonly StoredOrder None = new(Order.Empty("none"), [], null);

    private async Task<TableEntity?> RowAsync(string location, string orderId)
    {
        var row = await _account.Table(TableNames.StoreTasks).GetEntityIfExistsAsync<TableEntity>(location, $"{orderId}:S1");
        return row.HasValue ? row.Value : null;
    }

    [Fact]
    public async Task GivenAShippedTask_WhenTheStoreGetsItsNextPickRequest_ThenTheCloseRidesInTheSameWrite()
    {
        var location = Location();
        var store = new TableStoreTaskStore(_counted, closeDelay: TimeSpan.FromHours(1));
        await store.AddAsync(Requested(location, "o-1"), CancellationToken.None);

        await store.CloseAsync(location, "o-1", "S1", ShipmentStage.Shipped, Now.AddMinutes(5), CancellationToken.None);
        await store.AddAsync(Requested(location, "o-2"), CancellationToken.None);

        Assert.Equal(2, _requests.Total);
        Assert.Equal("Shipped", (await RowAsync(location, "o-1"))!.GetString("Stage"));
        Assert.Equal("Allocated", (await RowAsync(location, "o-2"))!.GetString("Stage"));
        var open = await store.ListAsync(location, openOnly: true, CancellationToken.None);
        Assert.Equal(["o-2"], open.Select(t => t.OrderId));
    }

    [Fact]
    public async Task GivenAShippedTaskAndNoFurtherRequest_WhenTheDelayPasses_ThenTheCloseIsWrittenAloneAndOnlyOnce()
    {
        var location = Location();
        var store = new TableStoreTaskStore(_counted, closeDelay: TimeSpan.FromMilliseconds(100));
        await store.AddAsync(Requested(location, "o-1"), CancellationToken.None);

        await store.CloseAsync(location, "o-1", "S1", ShipmentStage.Shipped, Now.AddMinutes(5), CancellationToken.None);
        await store.CloseAsync(location, "o-1", "S1", ShipmentStage.Delivered, Now.AddMinutes(9), CancellationToken.None);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await RowAsync(location, "o-1"))!.GetString("Stage") != "Shipped" && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal("Shipped", (await RowAsync(location, "o-1"))!.GetString("Stage"));
        await store.CloseAsync(location, "o-1", "S1", ShipmentStage.Delivered, Now.AddMinutes(9), CancellationToken.None);
        await Task.Delay(500);
        Assert.Equal(2, _requests.Total);
        Assert.Equal("Shipped", (await RowAsync(location, "o-1"))!.GetString("Stage"));
    }

    [Fact]
    public async Task GivenACloseForATaskWhoseRequestHasNotLanded_WhenItRidesWithAnotherRequest_ThenThatRequestIsWrittenAndNoRowIsMadeUp()
    {
        var location = Location();
        var store = new TableStoreTaskStore(_counted, closeDelay: TimeSpan.FromHours(1));

        await store.CloseAsync(location, "o-late", "S1", ShipmentStage.Cancelled, Now, CancellationToken.None);
        await store.AddAsync(Requested(location, "o-2"), CancellationToken.None);

        Assert.Equal("Allocated", (await RowAsync(location, "o-2"))!.GetString("Stage"));
        Assert.Null(await RowAsync(location, "o-late"));
    }

    [Fact]
    public async Task GivenAPickRequestDeliveredAgain_WhenItRidesWithAClose_ThenTheRowIsClosedAndKeepsWhatWasRequested()
    {
        var location = Location();
        await new TableStoreTaskStore(_account).AddAsync(Requested(location, "o-1"), CancellationToken.None);
        var store = new TableStoreTaskStore(_counted, closeDelay: TimeSpan.FromHours(1));

        await store.CloseAsync(location, "o-1", "S1", ShipmentStage.PickedUp, Now.AddMinutes(3), CancellationToken.None);
        await store.AddAsync(Requested(location, "o-1"), CancellationToken.None);

        var row = (await RowAsync(location, "o-1"))!;
        Assert.Equal(("PickedUp", "S1"), (row.GetString("Stage"), row.GetString("ShipmentId")));
        Assert.Equal(Now.AddMinutes(3), row.GetDateTimeOffset("UpdatedAt"));
    }

    [Fact]
    public async Task GivenAPickRequestTheTableRefuses_WhenItIsWrittenBesideAnother_ThenOnlyItFailsAndTheOtherStands()
    {
        var location = Location();
        var store = new TableStoreTaskStore(_account);
        // Its lines are more text than one table property holds.
        var tooLarge = Requested(location, "o-big") with
        {
            Lines = [.. Enumerable.Range(1, 800).Select(i => Line("o-big") with { LineId = $"L{i}:{new string('x', 60)}" })],
        };

        // Asked for together, so they go in one transaction.
        var both = new[] { store.AddAsync(tooLarge, CancellationToken.None), store.AddAsync(Requested(location, "o-2"), default) };

        await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => both[0]);
        await both[1];
        Assert.Equal("Allocated", (await RowAsync(location, "o-2"))!.GetString("Stage"));
        Assert.Null(await RowAsync(location, "o-big"));
    }

    [Fact]
    public async Task GivenAShipmentPickedAndPacked_WhenTheirEventsArriveAndTheStoreLists_ThenNothingIsWrittenAndTheListShowsPacked()
    {
        var location = Location();
        var orderId = $"app-PL-{Guid.NewGuid():N}";
        var orders = new TableOrderStore(_account);
        var tasks = new TableStoreTaskStore(_counted, closeDelay: TimeSpan.FromHours(1));
        var (placed, shipment) = Placed(orderId, location);
        await tasks.AddAsync(Requested(location, orderId), CancellationToken.None);
        var saved = (await orders.TrySaveAsync(orderId, None, new OrderChange(placed, []), CancellationToken.None))!;
        var handler = Handler(tasks);
        var before = _requests.Total;

        var order = placed;
        foreach (var (stage, minutes) in new[] { (ShipmentStage.Picking, 1), (ShipmentStage.Packed, 2) })
        {
            var advanced = new OrderEvent.ShipmentAdvanced(Now.AddMinutes(minutes), shipment, stage, [], "associate");
            order = OrderEvolution.Evolve(order, advanced);
            saved = (await orders.TrySaveAsync(orderId, saved, new OrderChange(order, []), CancellationToken.None))!;
            var message = new ReceivedMessage(OrderEnvelopes.Event(order, advanced, order.Sequence, Now), QueueNames.OrderEvents, 1, Now);
            var outcome = await handler.HandleAsync(message, CancellationToken.None);
            Assert.IsType<HandlerOutcome.Completed>(outcome);
        }
        Assert.Equal(0, _requests.Total - before);
        var listed = await new StorePickList(tasks, orders).ListAsync(location, openOnly: true, CancellationToken.None);

        var task = Assert.Single(listed);
        Assert.Equal((ShipmentStage.Packed, Now.AddMinutes(2)), (task.Stage, task.UpdatedAt));
        Assert.Equal("Allocated", (await RowAsync(location, orderId))!.GetString("Stage"));
    }

    [Fact]
    public async Task GivenAShippedShipmentWhoseCloseIsNotWritten_WhenTheStoreLists_ThenItHasLeftTheOpenListAndIsClosedWithTheNextWrite()
    {
        var location = Location();
        var orderId = $"app-PL-{Guid.NewGuid():N}";
        var orders = new TableOrderStore(_account);
        var tasks = new TableStoreTaskStore(_account, closeDelay: TimeSpan.FromHours(1));
        var (placed, shipment) = Placed(orderId, location);
        await tasks.AddAsync(Requested(location, orderId), CancellationToken.None);
        var advanced = new OrderEvent.ShipmentAdvanced(Now.AddMinutes(4), shipment, ShipmentStage.Shipped, ["TRK-1"], "associate");
        await orders.TrySaveAsync(orderId, None, new OrderChange(OrderEvolution.Evolve(placed, advanced), []), CancellationToken.None);
        var list = new StorePickList(tasks, orders);

        var open = await list.ListAsync(location, openOnly: true, CancellationToken.None);
        var all = await list.ListAsync(location, openOnly: false, CancellationToken.None);
        await tasks.AddAsync(Requested(location, "o-next"), CancellationToken.None);

        Assert.Empty(open);
        Assert.Equal(ShipmentStage.Shipped, all.Single(t => t.OrderId == orderId).Stage);
        Assert.Equal("Shipped", (await RowAsync(location, orderId))!.GetString("Stage"));
    }

    [Fact]
    public async Task GivenAReservedShipOrder_WhenTheStorePicksAndPacks_ThenEachActionIsOneWriteAndNothingIsSentOrLeftToRemove()
    {
        var location = Location();
        var orderId = $"app-PL-{Guid.NewGuid():N}";
        var (placed, shipment) = Placed(orderId, location, ReservationState.Reserved);
        await new TableOrderStore(_account).TrySaveAsync(orderId, None, new OrderChange(placed, []), CancellationToken.None);
        var (orders, sent) = Service();

        foreach (var stage in new[] { ShipmentStage.Picking, ShipmentStage.Packed })
        {
            var result = await orders.ExecuteOnKnownAsync(orderId, Advance(shipment, stage), CancellationToken.None);
            Assert.Null(result.Refusal);
        }

        Assert.Equal(3, _requests.Total);
        Assert.Empty(sent.Messages);
        var row = await new TableOrderStore(_account).LoadAsync(orderId, CancellationToken.None);
        Assert.Equal(ShipmentStage.Packed, row.Order.Shipments.Single().Stage);
        Assert.Empty(row.Pending);
    }

    [Fact]
    public async Task GivenAShippedOrder_WhenItIsDeliveredAndCloses_ThenTheDeliveryIsItsOnlyWriteAndNothingIsSent()
    {
        var location = Location();
        var orderId = $"app-PL-{Guid.NewGuid():N}";
        var (placed, shipment) = Placed(orderId, location, ReservationState.Reserved);
        var shipped = OrderEvolution.Evolve(placed, Advanced(shipment, ShipmentStage.Shipped));
        await new TableOrderStore(_account).TrySaveAsync(orderId, None, new OrderChange(shipped, []), CancellationToken.None);
        var (orders, sent) = Service();

        var delivered = await orders.ExecuteOnKnownAsync(orderId, Advance(shipment, ShipmentStage.Delivered), CancellationToken.None);

        Assert.Equal(OrderStatus.Closed, delivered.Order.Status);
        Assert.Equal(2, _requests.Total);
        Assert.Empty(sent.Messages);
        Assert.Empty((await new TableOrderStore(_account).LoadAsync(orderId, CancellationToken.None)).Pending);
    }

    private static OrderCommand.AdvanceShipment Advance(string shipmentId, ShipmentStage stage) =>
        new($"{shipmentId}:{stage}", "associate", Now.AddMinutes((int)stage), shipmentId, stage, []);

    private static OrderEvent.ShipmentAdvanced Advanced(string shipmentId, ShipmentStage stage) =>
        new(Now.AddMinutes((int)stage), shipmentId, stage, [], "associate");

    /// <summary>The order service on the counted table; only sending can run (these store actions move no stock).</summary>
    private (OrderService Orders, RecordingSender Sent) Service()
    {
        var sent = new RecordingSender();
        var effects = new OrderEffectRunner(null!, null!, null!, null!, sent, new InventoryOptions(null, new HashSet<string>()),
            TimeProvider.System);
        return (new OrderService(new TableOrderStore(_counted), effects, OrderPolicy.Default, TimeSpan.FromHours(1)), sent);
    }

    private sealed class RecordingSender : IMessageSender
    {
        private readonly List<Envelope> _messages = [];

        public IReadOnlyList<Envelope> Messages
        {
            get
            {
                lock (_messages) return [.. _messages];
            }
        }

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            lock (_messages) _messages.Add(envelope);
            return Task.CompletedTask;
        }
    }

    private OrderEventsHandler Handler(IStoreTaskStore tasks) =>
        new(tasks, [], new BlobStore(_account),
            new PilotGate(new TablePilotStore(_account), null, new PilotOptions([], TimeSpan.FromSeconds(2)), TimeProvider.System));

    /// <summary>An app order placed and allocated in one shipment at the location.</summary>
    private static (Order Order, string ShipmentId) Placed(string orderId, string location,
        ReservationState held = ReservationState.Pending)
    {
        var draft = new OrderDraft("app", [new ChannelReference("app", "id", orderId)], "EUR", Now, null, FulfilmentMethod.Ship,
            null, null, null, [new OrderLine("L1", "SKU-1", "Item", 1m, 10m, 0m, 0m, false)], 0m, 0m, false);
        var order = OrderEvolution.Evolve(Order.Empty(orderId), new OrderEvent.OrderPlaced(Now, draft, Now));
        var line = Line(orderId) with { Reservation = held };
        var shipment = new Shipment("S1", location, FulfilmentMethod.Ship, ShipmentStage.Allocated, [line], [], null, null);
        order = OrderEvolution.Evolve(order, new OrderEvent.StockAllocated(Now, shipment));
        return (order, "S1");
    }
}

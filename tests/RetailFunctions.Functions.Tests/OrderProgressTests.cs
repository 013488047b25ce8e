using RetailFunctions.Domain.Orders;
using RetailFunctions.Functions.Core.Workflows;

namespace RetailFunctions.Functions.Tests;

public sealed class OrderProgressTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);

    internal static OrderDraft Draft(FulfilmentMethod method = FulfilmentMethod.Pickup) => new(
        "web", [], "EUR", T0, null, method, "S-1", null, null,
        [new OrderLine("l-1", "SKU-1", "Mug", 1m, 10m, 0m, 0m)], 0m, 0m, true);

    internal static Shipment Shipment(string id, ShipmentStage stage, DateTimeOffset? deadline = null, DateTimeOffset? completed = null) =>
        new(id, "S-1", FulfilmentMethod.Pickup, stage, [], [], deadline, completed);

    internal static Order Known(OrderStatus status, params Shipment[] shipments) =>
        Order.Empty("o-1") with { Draft = Draft(), Status = status, Shipments = shipments, History = [new StatusChange(status, T0, "test")] };

    [Fact]
    public void GivenUnknownOrder_WhenRead_ThenItIsNotKnownAndHasNoDeadlines()
    {
        var progress = OrderProgress.From(Order.Empty("o-1"), OrderPolicy.Default);

        Assert.False(progress.Known);
        Assert.Empty(progress.PickupDeadlines);
        Assert.Null(progress.ReturnsUntil);
    }

    [Fact]
    public void GivenShipmentsReadyForPickup_WhenRead_ThenTheirDeadlinesAreListedEarliestFirst()
    {
        var order = Known(OrderStatus.Fulfilling,
            Shipment("s-2", ShipmentStage.ReadyForPickup, T0.AddDays(3)),
            Shipment("s-1", ShipmentStage.ReadyForPickup, T0.AddDays(2)));

        var progress = OrderProgress.From(order, OrderPolicy.Default, "applied");

        Assert.Equal([new PickupDeadline("s-1", T0.AddDays(2)), new PickupDeadline("s-2", T0.AddDays(3))], progress.PickupDeadlines);
        Assert.Equal("Fulfilling", progress.Status);
        Assert.Equal("applied", progress.LastResult);
    }

    [Theory]
    [InlineData(ShipmentStage.PickedUp)]
    [InlineData(ShipmentStage.Expired)]
    [InlineData(ShipmentStage.Cancelled)]
    public void GivenShipmentThatIsCollectedOrClosed_WhenRead_ThenItsDeadlineNoLongerCounts(ShipmentStage stage)
    {
        var order = Known(OrderStatus.Fulfilling, Shipment("s-1", stage, T0.AddDays(2)));

        Assert.Empty(OrderProgress.From(order, OrderPolicy.Default).PickupDeadlines);
    }

    [Theory]
    [InlineData(OrderStatus.Fulfilled)]
    [InlineData(OrderStatus.Closed)]
    public void GivenFulfilledOrder_WhenRead_ThenReturnsAreOpenForTheWindowAfterTheLastCompletion(OrderStatus status)
    {
        var order = Known(status,
            Shipment("s-1", ShipmentStage.PickedUp, completed: T0.AddDays(1)),
            Shipment("s-2", ShipmentStage.PickedUp, completed: T0.AddDays(4)));

        var progress = OrderProgress.From(order, OrderPolicy.Default with { ReturnWindow = TimeSpan.FromDays(30) });

        Assert.Equal(T0.AddDays(34), progress.ReturnsUntil);
    }

    [Fact]
    public void GivenFulfilledOrderWithoutCompletionTimes_WhenRead_ThenTheWindowStartsAtItsLastStatusChange()
    {
        var order = Known(OrderStatus.Fulfilled);

        Assert.Equal(T0 + OrderPolicy.Default.ReturnWindow, OrderProgress.From(order, OrderPolicy.Default).ReturnsUntil);
    }

    [Theory]
    [InlineData(OrderStatus.Placed)]
    [InlineData(OrderStatus.Reserved)]
    [InlineData(OrderStatus.Fulfilling)]
    [InlineData(OrderStatus.Cancelled)]
    public void GivenOrderNotFulfilled_WhenRead_ThenNoReturnWindowIsSet(OrderStatus status)
    {
        Assert.Null(OrderProgress.From(Known(status), OrderPolicy.Default).ReturnsUntil);
    }

    [Fact]
    public void GivenCancelledOrder_WhenRead_ThenItSaysCancelled()
    {
        Assert.True(OrderProgress.From(Known(OrderStatus.Cancelled), OrderPolicy.Default).Cancelled);
        Assert.False(OrderProgress.From(Known(OrderStatus.Placed), OrderPolicy.Default).Cancelled);
    }
}

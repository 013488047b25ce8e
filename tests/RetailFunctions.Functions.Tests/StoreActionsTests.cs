using RetailFunctions.Domain.Orders;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Functions.Tests;

public sealed class StoreActionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("pick", ShipmentStage.Picking)]
    [InlineData("pack", ShipmentStage.Packed)]
    [InlineData("ship", ShipmentStage.Shipped)]
    [InlineData("deliver", ShipmentStage.Delivered)]
    [InlineData("ready-for-pickup", ShipmentStage.ReadyForPickup)]
    [InlineData("Picked-Up", ShipmentStage.PickedUp)]
    public void GivenShipmentAction_WhenRaised_ThenTheCommandHasTheOrderRoutesCommandId(string action, ShipmentStage stage)
    {
        var envelope = StoreActions.Advance("o-1", "s-1", action, "store-7", ["TRK1"], Now)!;

        var message = OrderEnvelopes.ReadCommand(envelope);
        var advance = Assert.IsType<OrderCommand.AdvanceShipment>(message.Command);
        Assert.Equal("o-1", message.OrderId);
        Assert.Equal($"s-1:{stage}", advance.CommandId);
        Assert.Equal(stage, advance.Stage);
        Assert.Equal("store-7", advance.Actor);
        Assert.Equal(["TRK1"], advance.TrackingNumbers);
        Assert.Equal(MessageTypes.OrderCommand, envelope.Type);
        Assert.Equal("o-1", envelope.Key(BusinessKeys.Order));
    }

    [Fact]
    public void GivenUnknownAction_WhenRaised_ThenThereIsNoCommand()
    {
        Assert.Null(StoreActions.Advance("o-1", "s-1", "teleport", "store-7", [], Now));
    }

    [Theory]
    [InlineData(null, "cancelled on request")]
    [InlineData("  ", "cancelled on request")]
    [InlineData(" out of stock ", "out of stock")]
    public void GivenCancellation_WhenRaised_ThenTheReasonIsTrimmedOrDefaulted(string? reason, string expected)
    {
        var cancel = Assert.IsType<OrderCommand.CancelOrder>(OrderEnvelopes.ReadCommand(StoreActions.Cancel("o-1", "api", reason, Now)).Command);

        Assert.Equal("cancel:o-1", cancel.CommandId);
        Assert.Equal(expected, cancel.Reason);
    }

    [Fact]
    public void GivenPickupDeadline_WhenExpired_ThenTheCommandIsTheOneTheDelayedMessageCarries()
    {
        var due = new PickupDeadline("s-1", Now.AddDays(-1));

        var envelope = StoreActions.ExpirePickup("o-1", due, Now);

        var expire = Assert.IsType<OrderCommand.ExpirePickup>(OrderEnvelopes.ReadCommand(envelope).Command);
        Assert.Equal($"expire:s-1:{due.DueAt.UtcTicks}", expire.CommandId);
        Assert.Equal(due.DueAt, expire.At);
        Assert.Equal("s-1", expire.ShipmentId);
        Assert.Equal(due.DueAt.ToString("O"), envelope.Key(OrderEnvelopes.DueAtKey));
    }

    [Fact]
    public void GivenOrderPlacedEvent_WhenSeenOnOrderEvents_ThenItStartsThatOrdersOrchestration()
    {
        var order = OrderProgressTests.Known(OrderStatus.Placed);
        var placed = OrderEnvelopes.Event(order, new OrderEvent.OrderPlaced(Now, order.Draft!, Now), 1, Now);

        Assert.Equal("o-1", StoreActions.OrderPlaced(placed));
    }

    [Fact]
    public void GivenOtherOrderEvent_WhenSeenOnOrderEvents_ThenNothingStarts()
    {
        var order = OrderProgressTests.Known(OrderStatus.Cancelled);

        Assert.Null(StoreActions.OrderPlaced(OrderEnvelopes.Event(order, new OrderEvent.OrderCancelled(Now, "r", "api"), 2, Now)));
    }

    [Fact]
    public void GivenPickRequest_WhenSeenOnOrderEvents_ThenNothingStarts()
    {
        var task = new StoreTask("S-1", "o-1", "s-1", FulfilmentMethod.Pickup, [], ShipmentStage.Allocated, Now, Now);

        Assert.Null(StoreActions.OrderPlaced(OrderEnvelopes.PickRequest(task, Now)));
    }
}

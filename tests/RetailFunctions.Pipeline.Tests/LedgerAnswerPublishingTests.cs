using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The stock ledger's answer to a reservation is recorded on the order and acted on by the order alone (a refusal
/// routes the line again), so it is not published: every follower would pass it by.
/// </summary>
public sealed class LedgerAnswerPublishingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GivenTheLedgersAnswerToAReservation_WhenEachFollowerIsAsked_ThenNoneActsOnItAndItIsNotPublished(bool reserved)
    {
        var order = Allocated();
        var shipment = Assert.Single(order.Shipments);
        var line = Assert.Single(shipment.Lines);

        var step = OrderWorkflow.Execute(new OrderCommand.RecordReservation("reservation:1", "inventory", Now.AddSeconds(1), shipment.ShipmentId,
            line.LineId, reserved, reserved ? null : "counted short"), order, OrderPolicy.Default);

        var answer = Assert.Single(step.Events);
        Assert.True(reserved ? answer is OrderEvent.ReservationConfirmed : answer is OrderEvent.ReservationRefused, answer.GetType().Name);
        var message = new OrderEventMessage(order.OrderId, step.Next.Sequence, answer.GetType().Name, answer, step.Next);
        Assert.False(OrderEventAudience.IsFollowed(message.Order, message.Event));
        Assert.Empty(JournalOrderSubscriber.FactsFor(message));
        Assert.Empty(CapturedPaymentSubscriber.PaymentsFor(message));
        Assert.Null(CustomerOrderSubscriber.ActivityFor(message));
        Assert.False(message.Event is OrderEvent.RefundIssued or OrderEvent.ShipmentAdvanced or OrderEvent.OrderCancelled or OrderEvent.PickupExpired
            or OrderEvent.OrderPlaced or OrderEvent.StockAllocated or OrderEvent.LineBackordered);
        // A refusal still routes the line again: the order's own decision, not a follower's.
        Assert.Equal(!reserved, step.Effects.Any(e => e is OrderEffect.RouteStock));
    }

    [Fact]
    public void GivenAnOrderPlacedAndAllocated_WhenItsEventsAreAsked_ThenTheyAreStillPublished()
    {
        var placed = OrderWorkflow.Execute(Place(), Order.Empty("app-LA-2"), OrderPolicy.Default);
        var allocated = OrderWorkflow.Execute(Allocate(), placed.Next, OrderPolicy.Default);

        foreach (var e in placed.Events.Concat(allocated.Events))
            Assert.True(OrderEventAudience.IsFollowed(allocated.Next, e), e.GetType().Name);
    }

    /// <summary>An app order of two SKU-A shipped from one of two stores, its reservation asked of the ledger.</summary>
    private static Order Allocated()
    {
        var placed = OrderWorkflow.Execute(Place(), Order.Empty("app-LA-1"), OrderPolicy.Default);
        var allocated = OrderWorkflow.Execute(Allocate(), placed.Next, OrderPolicy.Default);
        Assert.Contains(allocated.Effects, e => e is OrderEffect.ReserveStock);
        return allocated.Next;
    }

    private static OrderCommand.RecordOrder Place() => new("place:LA", "test", Now,
        new OrderDraft(Channels.App, [new ChannelReference(Channels.App, "id", "LA")], "EUR", Now, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("L1", "SKU-A", "SKU-A", 2m, 10m, 0m, 0m)], 0m, 0m, false), Now, null, null, new Dictionary<string, decimal>());

    private static OrderCommand.AllocateStock Allocate() => new("allocate:LA", "router", Now,
        [new StockCandidate("STORE-1", "SKU-A", 5m, null), new StockCandidate("STORE-2", "SKU-A", 5m, null)]);
}

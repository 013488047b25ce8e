using RetailFunctions.Domain.Orders;
using static RetailFunctions.Domain.Orders.OrderCommand;
using static RetailFunctions.Domain.Tests.Orders.OrderBuilders;

namespace RetailFunctions.Domain.Tests.Orders;

public sealed class OrderRevisionTests
{
    private static OrderDraft WebDraft(decimal quantity, params OrderLine[] extra) =>
        Draft(lines: [Line("L1", "SKU-A", quantity, 10m), .. extra]);

    [Fact]
    public void GivenReservedLine_WhenARevisionCutsItsQuantity_ThenTheHoldIsReleasedAndTheNewQuantityRoutedAgain()
    {
        var order = Given(Record(WebDraft(3), At(0)), Allocate(Stock("WH-1", "SKU-A", 10)), Reserved("S1", "L1"));

        var step = When(order, Record(WebDraft(1), At(5), id: "revised"));

        var release = Assert.Single(Effects<OrderEffect.ReleaseStock>(step));
        Assert.Equal(OrderDecider.ReservationId(order.OrderId, "S1", "L1"), release.ReservationId);
        Assert.Single(Effects<OrderEffect.RouteStock>(step));
        Assert.Equal(ReservationState.Released, step.Next.Shipments[0].Lines[0].Reservation);
        Assert.Equal(1m, Assert.Single(OrderDecider.Needs(step.Next)).Quantity);
    }

    [Fact]
    public void GivenReservedLine_WhenARevisionRemovesIt_ThenItIsReleasedAndNothingIsRouted()
    {
        var order = Given(Record(WebDraft(2, Line("L2", "SKU-B", 1, 5m)), At(0)), Allocate(Stock("WH-1", "SKU-A", 10), Stock("WH-1", "SKU-B", 10)),
            Reserved("S1", "L1"), Reserved("S1", "L2"));

        var step = When(order, Record(Draft(lines: [Line("L1", "SKU-A", 2, 10m)]), At(5), id: "revised"));

        Assert.Equal("SKU-B", Assert.Single(Effects<OrderEffect.ReleaseStock>(step)).Sku);
        Assert.Empty(Effects<OrderEffect.RouteStock>(step));
    }

    [Fact]
    public void GivenReservedLine_WhenARevisionRaisesItsQuantity_ThenOnlyTheExtraIsRouted()
    {
        var order = Given(Record(WebDraft(2), At(0)), Allocate(Stock("WH-1", "SKU-A", 10)), Reserved("S1", "L1"));

        var step = When(order, Record(WebDraft(5), At(5), id: "revised"));

        Assert.Empty(Effects<OrderEffect.ReleaseStock>(step));
        Assert.Equal(3m, Assert.Single(OrderDecider.Needs(step.Next)).Quantity);
    }

    [Fact]
    public void GivenOneShipmentCollected_WhenTheOtherPickupExpires_ThenOnlyItsGoodsAreRefundedAndTheOrderStands()
    {
        var draft = Draft(method: FulfilmentMethod.Pickup, location: "STORE-1", lines: [Line("L1", "SKU-A", 1, 30m), Line("L2", "SKU-B", 2, 10m)]);
        var order = Given(Record(draft, At(0)), Pay(Card(), PaymentKind.Capture, 50m),
            Allocate(), Reserved("S1", "L1"), Reserved("S1", "L2"));
        // Split by hand into two pickups: the same order placed through two shipments is what routing would make of two stores.
        order = order with
        {
            Shipments =
            [
                order.Shipments[0] with { Lines = [order.Shipments[0].Lines[0]] },
                order.Shipments[0] with { ShipmentId = "S2", Lines = [order.Shipments[0].Lines[1] with { ReservationId = "r-2" }] },
            ],
        };
        order = Given(order, Advance("S1", ShipmentStage.ReadyForPickup, At(10)), Advance("S1", ShipmentStage.PickedUp, At(11)),
            Advance("S2", ShipmentStage.ReadyForPickup, At(12)));

        var step = When(order, Expire("S2", At(12) + Policy.PickupWindow + TimeSpan.FromMinutes(1)));

        Assert.Equal(["PickupExpired", "RefundIssued"], Kinds(step));
        Assert.Equal(20m, Single<OrderEvent.RefundIssued>(step).Refund.Total);
        Assert.Null(step.Next.CancelledAt);
        Assert.Equal("r-2", Assert.Single(Effects<OrderEffect.ReleaseStock>(step)).ReservationId);
    }

    [Fact]
    public void GivenALineShippedInTwoParcels_WhenEachParcelIsFulfilled_ThenEachTakesOnlyItsOwnUnitsFromStock()
    {
        var order = Given(Record(WebDraft(2), At(0)), Allocate(Stock("WH-1", "SKU-A", 10)), Reserved("S1", "L1"));

        var first = When(order, ChannelFulfilment("F1", "WH-1", ("L1", 1m)));

        // The first parcel sells one unit; the two-unit hold is given up and the other unit is routed and held again.
        Assert.Equal([("order:O-1:S1:L1:channel:1", 1m)], Effects<OrderEffect.ConsumeStock>(first).Select(c => (c.ReservationId, c.Quantity)));
        Assert.Equal("order:O-1:S1:L1", Assert.Single(Effects<OrderEffect.ReleaseStock>(first)).ReservationId);
        Assert.Single(Effects<OrderEffect.RouteStock>(first));
        Assert.Equal(1m, Assert.Single(OrderDecider.Needs(first.Next)).Quantity);

        var held = Given(first.Next, Allocate(Stock("WH-1", "SKU-A", 9)), Reserved("S2", "L1"));
        var second = When(held, ChannelFulfilment("F2", "WH-1", ("L1", 2m)));

        var consumed = Assert.Single(Effects<OrderEffect.ConsumeStock>(second));
        Assert.Equal(("order:O-1:S2:L1", 1m), (consumed.ReservationId, consumed.Quantity));
        Assert.Empty(OrderDecider.Needs(second.Next));
    }

    [Fact]
    public void GivenTwoPickupsStillHeld_WhenOneExpires_ThenOnlyItsOwnHoldIsReleasedAndTheOtherStaysReserved()
    {
        var draft = Draft(method: FulfilmentMethod.Pickup, location: "STORE-1", lines: [Line("L1", "SKU-A", 1, 30m), Line("L2", "SKU-B", 2, 10m)]);
        var order = Given(Record(draft, At(0)), Pay(Card(), PaymentKind.Capture, 50m),
            Allocate(), Reserved("S1", "L1"), Reserved("S1", "L2"));
        order = order with
        {
            Shipments =
            [
                order.Shipments[0] with { Lines = [order.Shipments[0].Lines[0]] },
                order.Shipments[0] with { ShipmentId = "S2", Lines = [order.Shipments[0].Lines[1] with { ReservationId = "r-2" }] },
            ],
        };
        // S1 is ready and waiting; S2 is ready later and expires first.
        order = Given(order, Advance("S1", ShipmentStage.ReadyForPickup, At(100)), Advance("S2", ShipmentStage.ReadyForPickup, At(12)));

        var step = When(order, Expire("S2", At(12) + Policy.PickupWindow + TimeSpan.FromMinutes(1)));

        Assert.Equal("r-2", Assert.Single(Effects<OrderEffect.ReleaseStock>(step)).ReservationId);
        Assert.Equal(ReservationState.Reserved, step.Next.Shipments.Single(s => s.ShipmentId == "S1").Lines.Single().Reservation);
    }

    [Fact]
    public void GivenAChannelRefundRestockingTwoStores_ThenEachStoreGetsItsOwnReturn()
    {
        var order = Given(Record(Draft(lines: [Line("L1", "SKU-A", 1, 10m), Line("L2", "SKU-B", 1, 10m)]), At(0)));

        var step = When(order, ChannelRefund("RF-1", [new ChannelRefundLine("L1", 1, true, "STORE-1", 10m, 0m, "SKU-A"), new ChannelRefundLine("L2", 1, true, "STORE-2", 10m, 0m, "SKU-B")]));

        var returns = step.Events.OfType<OrderEvent.ReturnAccepted>().Select(r => (r.Return.ReturnId, r.Return.Location)).ToList();
        Assert.Equal([("RF-1", "STORE-1"), ("RF-1@STORE-2", "STORE-2")], returns);
        Assert.Equal(["STORE-1", "STORE-2"], Effects<OrderEffect.ReturnStock>(step).Select(r => r.Location));
    }
}

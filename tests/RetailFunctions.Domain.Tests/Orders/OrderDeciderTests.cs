using RetailFunctions.Domain.Orders;
using static RetailFunctions.Domain.Orders.OrderEvent;
using static RetailFunctions.Domain.Tests.Orders.OrderBuilders;

namespace RetailFunctions.Domain.Tests.Orders;

/// <summary>Placement, allocation, reservations, store actions, pickup deadlines, cancellation, payments and channel facts.</summary>
public sealed class OrderDeciderTests
{
    private static readonly GeoPoint Customer = new(52.37, 4.90);
    private static readonly GeoPoint Near = new(52.36, 4.88);
    private static readonly GeoPoint Far = new(51.92, 4.48);

    /// <summary>A web order of two SKU-A at 10.00, routed to store A, reserved and fully captured on a card.</summary>
    private static Order ReservedAndPaid(FulfilmentMethod method = FulfilmentMethod.Ship, string? location = null) => Given(
        Record(Draft(method, location, Customer)),
        Allocate(Stock("A", "SKU-A", 5m, Near)),
        Reserved("S1", "L1"),
        Pay(Card(), PaymentKind.Authorization, 20m),
        Pay(Card(), PaymentKind.Capture, 20m));

    private static Shipment Shipment(Order order, string id) => Assert.Single(order.Shipments, s => s.ShipmentId == id);

    // ---- placement ----

    [Fact]
    public void GivenNothing_WhenWebShipOrderRecorded_ThenPlacedAndRoutingRequested()
    {
        var step = When(Order.Empty(OrderId), Record(Draft(shipTo: Customer)));

        var placed = Assert.IsType<OrderPlaced>(Assert.Single(step.Events));
        Assert.Equal(T0, placed.Version);
        Assert.Equal((OrderStatus.Placed, T0, 1L), (step.Next.Status, step.Next.Version, step.Next.Sequence));
        Assert.Same(placed.Draft, step.Next.Draft);
        Assert.Empty(step.Next.Shipments);
        Assert.Collection(step.Effects,
            e => Assert.Equal(new OrderEffect.RouteStock("O-1:1:0"), e),
            e => Assert.Equal(("O-1:1:1", 1L), (Assert.IsType<OrderEffect.Publish>(e).EffectId, ((OrderEffect.Publish)e).Sequence)));
        Assert.Equal([$"record:{T0.ToUnixTimeSeconds()}"], step.Next.AppliedCommands);
    }

    [Fact]
    public void GivenPickupOrder_WhenAllocated_ThenReservedAtTheChosenStoreAndTheStoreIsAskedToPick()
    {
        var order = Given(Record(Draft(FulfilmentMethod.Pickup, "STORE-1")));

        var step = When(order, Allocate(Stock("A", "SKU-A", 50m, Near)));

        var shipment = Single<StockAllocated>(step).Shipment;
        Assert.Equal(("S1", "STORE-1", FulfilmentMethod.Pickup, ShipmentStage.Allocated), (shipment.ShipmentId, shipment.Location, shipment.Method, shipment.Stage));
        Assert.Equal(new ShipmentLine("L1", "SKU-A", 2m, "order:O-1:S1:L1", ReservationState.Pending), Assert.Single(shipment.Lines));
        var reserve = Assert.Single(Effects<OrderEffect.ReserveStock>(step));
        Assert.Equal(new OrderEffect.ReserveStock("O-1:2:0", "S1", "L1", "SKU-A", "STORE-1", 2m, "order:O-1:S1:L1", "web"), reserve);
        var pick = Assert.Single(Effects<OrderEffect.RequestPick>(step));
        Assert.Equal(("S1", "STORE-1", FulfilmentMethod.Pickup), (pick.ShipmentId, pick.Location, pick.Method));
        Assert.Equal(OrderStatus.Placed, step.Next.Status);
    }

    [Fact]
    public void GivenTillSale_WhenRecorded_ThenCarriedOutConsumedAndClosedWithoutReservingOrPicking()
    {
        var step = When(Order.Empty(OrderId), Record(Draft(FulfilmentMethod.CarryOut, "STORE-3", channel: "pos")));

        Assert.Equal(["OrderPlaced", "StockAllocated"], Kinds(step));
        var shipment = Single<StockAllocated>(step).Shipment;
        Assert.Equal(("S1", "STORE-3", FulfilmentMethod.CarryOut, ShipmentStage.PickedUp, T0), (shipment.ShipmentId, shipment.Location, shipment.Method, shipment.Stage, shipment.CompletedAt));
        Assert.Equal(new ShipmentLine("L1", "SKU-A", 2m, "order:O-1:S1:L1", ReservationState.Consumed), Assert.Single(shipment.Lines));
        Assert.Empty(Effects<OrderEffect.ReserveStock>(step));
        Assert.Empty(Effects<OrderEffect.RequestPick>(step));
        Assert.Empty(Effects<OrderEffect.ConsumeStock>(step));
        Assert.Empty(Effects<OrderEffect.RouteStock>(step));
        Assert.Equal(OrderStatus.Closed, step.Next.Status);
        Assert.Equal(2m, step.Next.Fulfilled("L1"));
    }

    [Fact]
    public void GivenOnlyUnmappedLines_WhenPlaced_ThenRoutingIsStillRequestedSoTheyAreRaised()
    {
        var step = When(Order.Empty(OrderId), Record(Draft(lines: [Line("L1", null, 1m, 10m)])));

        Assert.Single(Effects<OrderEffect.RouteStock>(step));
        Assert.Equal("unmapped-sku", Assert.Single(Effects<OrderEffect.RaiseException>(When(step.Next, Allocate()))).Reason);
    }

    [Fact]
    public void GivenUnmappedLineBackordered_WhenTheSameVersionArrivesMapped_ThenRevisedAndRoutedAgain()
    {
        var order = Given(Record(Draft(lines: [Line("L1", null, 1m, 10m)])), Allocate());
        Assert.Equal(OrderStatus.Backordered, order.Status);

        var step = When(order, Record(Draft(lines: [Line("L1", "SKU-A", 1m, 10m)]), id: "replayed after the catalog fix"));

        Assert.Equal(["OrderRevised"], Kinds(step));
        Assert.Empty(step.Next.Backorders);
        Assert.Single(Effects<OrderEffect.RouteStock>(step));
        Assert.Equal("WH", Single<StockAllocated>(When(step.Next, Allocate(Stock("WH", "SKU-A", 3m)))).Shipment.Location);
    }

    [Fact]
    public void GivenTillSale_WhenAllocationArrives_ThenNoOp()
    {
        var order = Given(Record(Draft(FulfilmentMethod.CarryOut, "STORE-3", channel: "pos")));
        AssertNoOp(order, When(order, Allocate(Stock("A", "SKU-A", 5m))));
    }

    // ---- versions ----

    [Fact]
    public void GivenNewerVersion_WhenOlderSnapshotArrives_ThenDetailsAreKept()
    {
        var newer = Draft(lines: [Line("L1", "SKU-A", 3m, 10m)]);
        var order = Given(Record(newer, version: At(5)));

        var step = When(order, Record(Draft(lines: [Line("L1", "SKU-A", 1m, 10m)]), version: At(1)));

        AssertNoOp(order, step);
        Assert.Equal(3m, order.Lines[0].Quantity);
        Assert.Equal(At(5), order.Version);
    }

    [Fact]
    public void GivenOlderVersion_WhenNewerSnapshotArrives_ThenRevisedAndTheNewQuantityIsRouted()
    {
        var order = Given(Record(Draft(), version: At(1)), Allocate(Stock("A", "SKU-A", 5m)));

        var step = When(order, Record(Draft(lines: [Line("L1", "SKU-A", 3m, 10m)]), version: At(5)));

        var revised = Single<OrderRevised>(step);
        Assert.Equal(At(5), revised.Version);
        Assert.Equal((3m, At(5)), (step.Next.Lines[0].Quantity, step.Next.Version));
        Assert.Single(Effects<OrderEffect.RouteStock>(step));
        Assert.Equal([new StockNeed("L1", "SKU-A", 1m)], OrderDecider.Needs(step.Next));
    }

    [Fact]
    public void GivenNewerVersion_WhenStaleSnapshotSaysCancelled_ThenTheCancellationStillApplies()
    {
        var order = Given(Record(Draft(), version: At(5)));

        var step = When(order, Record(Draft(), version: At(1), cancelledAt: At(2), cancelReason: "customer"));

        var cancelled = Assert.IsType<OrderCancelled>(Assert.Single(step.Events));
        Assert.Equal((At(2), "customer", "shopify:shop"), (cancelled.At, cancelled.Reason, cancelled.Actor));
        Assert.Equal((OrderStatus.Cancelled, At(5)), (step.Next.Status, step.Next.Version));
    }

    // ---- allocation ----

    [Fact]
    public void GivenShipOrderAtAFixedLocation_WhenAllocated_ThenTheCandidatesAreIgnored()
    {
        var order = Given(Record(Draft(location: "STORE-2", shipTo: Customer)));

        var shipment = Single<StockAllocated>(When(order, Allocate(Stock("A", "SKU-A", 50m, Near)))).Shipment;

        Assert.Equal(("STORE-2", FulfilmentMethod.Ship), (shipment.Location, shipment.Method));
    }

    [Fact]
    public void GivenRoutedOrder_WhenSeveralLocationsHaveStock_ThenTheNearestWins()
    {
        var order = Given(Record(Draft(shipTo: Customer)));

        var step = When(order, Allocate(Stock("B", "SKU-A", 50m, Far), Stock("A", "SKU-A", 2m, Near), Stock("WH", "SKU-A", 500m)));

        var shipment = Single<StockAllocated>(step).Shipment;
        Assert.Equal(("A", 2m), (shipment.Location, shipment.Lines.Single().Quantity));
        Assert.Empty(step.Next.Backorders);
    }

    [Fact]
    public void GivenTwoLocationsAtTheSameDistance_WhenAllocated_ThenTheDeeperStockWins()
    {
        var order = Given(Record(Draft(shipTo: Customer)));

        var step = When(order, Allocate(Stock("A", "SKU-A", 5m, Near), Stock("C", "SKU-A", 9m, Near)));

        Assert.Equal("C", Single<StockAllocated>(step).Shipment.Location);
    }

    [Fact]
    public void GivenNoSingleLocationCanFill_WhenAllocated_ThenSplitIntoOneShipmentPerLocation()
    {
        var order = Given(Record(Draft(shipTo: Customer, lines: [Line("L1", "SKU-A", 2m, 10m), Line("L2", "SKU-B", 1m, 5m)])));

        var step = When(order, Allocate(Stock("A", "SKU-A", 2m, Near), Stock("B", "SKU-B", 4m, Far)));

        var shipments = step.Events.OfType<StockAllocated>().Select(a => a.Shipment).ToList();
        Assert.Equal(2, shipments.Count);
        Assert.Equal(("S1", "A", "L1", 2m), (shipments[0].ShipmentId, shipments[0].Location, shipments[0].Lines.Single().LineId, shipments[0].Lines.Single().Quantity));
        Assert.Equal(("S2", "B", "L2", 1m), (shipments[1].ShipmentId, shipments[1].Location, shipments[1].Lines.Single().LineId, shipments[1].Lines.Single().Quantity));
        Assert.Equal(["order:O-1:S1:L1", "order:O-1:S2:L2"], Effects<OrderEffect.ReserveStock>(step).Select(r => r.ReservationId));
        Assert.Equal(2, Effects<OrderEffect.RequestPick>(step).Count);
    }

    [Fact]
    public void GivenStockShortEverywhere_WhenAllocated_ThenSplitAcrossLocationsAndTheRemainderBackordered()
    {
        var order = Given(Record(Draft(shipTo: Customer, lines: [Line("L1", "SKU-A", 5m, 10m)])));

        var step = When(order, Allocate(Stock("A", "SKU-A", 2m, Near), Stock("B", "SKU-A", 1m, Far)));

        Assert.Equal([("A", 2m), ("B", 1m)], step.Events.OfType<StockAllocated>().Select(a => (a.Shipment.Location, a.Shipment.Lines.Single().Quantity)));
        var backorder = Single<LineBackordered>(step).Backorder;
        Assert.Equal(new Backorder("L1", "SKU-A", 2m, "only 3 of SKU-A can be promised across all locations; 2 of 5 backordered"), backorder);
        var exception = Assert.Single(Effects<OrderEffect.RaiseException>(step));
        Assert.Equal(("inventory", "backorder", "order O-1 line L1: only 3 of SKU-A can be promised across all locations; 2 of 5 backordered"),
            (exception.Owner, exception.Reason, exception.Detail));
        Assert.Empty(OrderDecider.Needs(step.Next));
    }

    [Fact]
    public void GivenNoStockAnywhere_WhenAllocated_ThenBackordered()
    {
        var order = Given(Record(Draft(shipTo: Customer)));

        var step = When(order, Allocate());

        Assert.Equal(new Backorder("L1", "SKU-A", 2m, "only 0 of SKU-A can be promised across all locations; 2 of 2 backordered"), Single<LineBackordered>(step).Backorder);
        Assert.Empty(step.Events.OfType<StockAllocated>());
        Assert.Equal(OrderStatus.Backordered, step.Next.Status);
    }

    [Fact]
    public void GivenLineWithoutCanonicalSku_WhenAllocated_ThenBackorderedOnceAsUnmapped()
    {
        var order = Given(Record(Draft(lines: [Line("L1", "SKU-A", 1m, 10m), Line("L2", null, 1m, 5m)])));

        var step = When(order, Allocate(Stock("WH", "SKU-A", 10m)));

        Assert.Equal(new Backorder("L2", "", 1m, "item item-L2 has no canonical SKU"), Single<LineBackordered>(step).Backorder);
        var exception = Assert.Single(Effects<OrderEffect.RaiseException>(step));
        Assert.Equal(("inventory", "unmapped-sku"), (exception.Owner, exception.Reason));
        Assert.Equal("WH", Single<StockAllocated>(step).Shipment.Location);

        AssertNoOp(step.Next, When(step.Next, Allocate(Stock("WH", "SKU-A", 10m))));
    }

    [Fact]
    public void GivenEverythingPlaced_WhenAllocatedAgain_ThenNoOp()
    {
        var order = Given(Record(Draft()), Allocate(Stock("WH", "SKU-A", 10m)));
        AssertNoOp(order, When(order, Allocate(Stock("WH", "SKU-A", 10m))));
    }

    [Fact]
    public void GivenCancelledOrder_WhenAllocated_ThenNoOp()
    {
        var order = Given(Record(Draft(), cancelledAt: At(1)));
        AssertNoOp(order, When(order, Allocate(Stock("WH", "SKU-A", 10m))));
    }

    [Fact]
    public void GivenChannelThatMayOversell_WhenStockIsShort_ThenTheShortfallIsHeldAtThePreferredLocation()
    {
        var policy = Policy with { PreferredLocation = "WH", OversellChannels = ["web"] };
        var order = Given(Record(Draft()));

        var step = When(order, Allocate(Stock("WH", "SKU-A", 1m)), policy);

        var shipment = Single<StockAllocated>(step).Shipment;
        Assert.Equal("WH", shipment.Location);
        Assert.Equal([1m, 1m], shipment.Lines.Select(l => l.Quantity));
        Assert.Empty(step.Events.OfType<LineBackordered>());
    }

    // ---- reservations ----

    [Fact]
    public void GivenPendingReservation_WhenConfirmed_ThenReserved()
    {
        var order = Given(Record(Draft(shipTo: Customer)), Allocate(Stock("A", "SKU-A", 5m, Near)));

        var step = When(order, Reserved("S1", "L1"));

        Assert.Equal(new ReservationConfirmed(At(2), "S1", "L1"), Assert.Single(step.Events));
        Assert.Equal(ReservationState.Reserved, Shipment(step.Next, "S1").Lines.Single().Reservation);
        Assert.Equal(OrderStatus.Reserved, step.Next.Status);
    }

    [Fact]
    public void GivenReservedOrder_WhenFullyCaptured_ThenPaid()
    {
        Assert.Equal(OrderStatus.Paid, ReservedAndPaid().Status);
    }

    [Fact]
    public void GivenPendingReservation_WhenRefused_ThenTheLineIsRoutedAgainWithoutThatLocation()
    {
        var candidates = new[] { Stock("A", "SKU-A", 5m, Near), Stock("B", "SKU-A", 5m, Far) };
        var order = Given(Record(Draft(shipTo: Customer)), Allocate(candidates));

        var refused = When(order, Reserved("S1", "L1", reserved: false, reason: "counted short"));

        Assert.Equal(new ReservationRefused(At(2), "S1", "L1", "A", "counted short"), Assert.Single(refused.Events));
        Assert.Equal((ShipmentStage.Cancelled, 0), (Shipment(refused.Next, "S1").Stage, Shipment(refused.Next, "S1").Lines.Count));
        Assert.Equal(["L1@A"], refused.Next.RefusedLocations);
        Assert.Single(Effects<OrderEffect.RouteStock>(refused));

        var rerouted = Single<StockAllocated>(When(refused.Next, Allocate(candidates))).Shipment;
        Assert.Equal(("S2", "B", 2m), (rerouted.ShipmentId, rerouted.Location, rerouted.Lines.Single().Quantity));
    }

    [Fact]
    public void GivenPickupStoreRefusedTheReservation_WhenAllocatedAgain_ThenBackorderedAtThatStore()
    {
        var order = Given(Record(Draft(FulfilmentMethod.Pickup, "STORE-1")), Allocate(), Reserved("S1", "L1", reserved: false));

        var step = When(order, Allocate(Stock("A", "SKU-A", 5m, Near)));

        Assert.Equal(new Backorder("L1", "SKU-A", 2m, "STORE-1 cannot promise 2 of SKU-A"), Single<LineBackordered>(step).Backorder);
        Assert.Empty(step.Events.OfType<StockAllocated>());
    }

    [Fact]
    public void GivenAnsweredReservation_WhenAnsweredAgain_ThenNoOp()
    {
        var order = Given(Record(Draft()), Allocate(Stock("WH", "SKU-A", 5m)), Reserved("S1", "L1"));
        AssertNoOp(order, When(order, Reserved("S1", "L1", reserved: false) with { CommandId = "late refusal" }));
        AssertNoOp(order, When(order, Reserved("S9", "L1") with { CommandId = "unknown shipment" }));
    }

    // ---- store actions ----

    [Fact]
    public void GivenShipShipment_WhenPickedPackedShippedDelivered_ThenEachStepMovesForwardAndShippingConsumesTheReservation()
    {
        var order = ReservedAndPaid();

        var picking = When(order, Advance("S1", ShipmentStage.Picking));
        var advanced = Single<ShipmentAdvanced>(picking);
        Assert.Equal((At(10), "S1", ShipmentStage.Picking, "associate-7", 0), (advanced.At, advanced.ShipmentId, advanced.Stage, advanced.Actor, advanced.TrackingNumbers.Count));
        Assert.Equal(OrderStatus.Fulfilling, picking.Next.Status);

        var packed = When(picking.Next, Advance("S1", ShipmentStage.Packed, At(11)));
        Assert.Equal(ShipmentStage.Packed, Shipment(packed.Next, "S1").Stage);
        Assert.Empty(Effects<OrderEffect.ConsumeStock>(packed));

        var shipped = When(packed.Next, Advance("S1", ShipmentStage.Shipped, At(12), "TRACK-1"));
        Assert.Equal(new OrderEffect.ConsumeStock("O-1:8:0", "SKU-A", "order:O-1:S1:L1", "A", 2m), Assert.Single(Effects<OrderEffect.ConsumeStock>(shipped)));
        var left = Shipment(shipped.Next, "S1");
        Assert.Equal((ShipmentStage.Shipped, At(12), "TRACK-1", ReservationState.Consumed), (left.Stage, left.CompletedAt, left.TrackingNumbers.Single(), left.Lines.Single().Reservation));
        Assert.Equal(OrderStatus.Fulfilled, shipped.Next.Status);

        var delivered = When(shipped.Next, Advance("S1", ShipmentStage.Delivered, At(13)));
        Assert.Empty(Effects<OrderEffect.ConsumeStock>(delivered));
        Assert.Equal(("TRACK-1", OrderStatus.Closed), (Shipment(delivered.Next, "S1").TrackingNumbers.Single(), delivered.Next.Status));
    }

    [Fact]
    public void GivenPendingReservation_WhenShippedStraightAway_ThenTheSaleIsStillConsumed()
    {
        var order = Given(Record(Draft()), Allocate(Stock("WH", "SKU-A", 5m)));

        var step = When(order, Advance("S1", ShipmentStage.Shipped));

        var consumed = Assert.Single(Effects<OrderEffect.ConsumeStock>(step));
        Assert.Equal(("SKU-A", "order:O-1:S1:L1", "WH", 2m), (consumed.Sku, consumed.ReservationId, consumed.Location, consumed.Quantity));
    }

    [Fact]
    public void GivenPackedShipment_WhenMovedBackToPicking_ThenRefused()
    {
        var order = Given(ReservedAndPaid(), Advance("S1", ShipmentStage.Packed));

        Assert.Equal("shipment S1 is already Packed; it cannot go back to Picking", Refusal(When(order, Advance("S1", ShipmentStage.Picking))));
    }

    [Fact]
    public void GivenShipShipment_WhenMarkedReadyForPickup_ThenRefusedAsTheWrongPath()
    {
        Assert.Equal("a ship shipment has no stage ReadyForPickup; its stages are Picking, Packed, Shipped, Delivered",
            Refusal(When(ReservedAndPaid(), Advance("S1", ShipmentStage.ReadyForPickup))));
    }

    [Fact]
    public void GivenPickupShipment_WhenShipped_ThenRefusedAsTheWrongPath()
    {
        Assert.Equal("a pickup shipment has no stage Shipped; its stages are Picking, ReadyForPickup, PickedUp",
            Refusal(When(ReservedAndPaid(FulfilmentMethod.Pickup, "STORE-1"), Advance("S1", ShipmentStage.Shipped))));
    }

    [Fact]
    public void GivenTillSale_WhenShippedOrDelivered_ThenRefusedAsTheWrongPath()
    {
        var order = Given(Record(Draft(FulfilmentMethod.CarryOut, "STORE-3", channel: "pos")));

        foreach (var stage in new[] { ShipmentStage.Picking, ShipmentStage.Shipped, ShipmentStage.Delivered, ShipmentStage.ReadyForPickup })
            Assert.Equal("shipment S1 of order O-1 was carried out at the till; it has no store stages", Refusal(When(order, Advance("S1", stage))));
    }

    [Fact]
    public void GivenOrder_WhenUnknownShipmentAdvanced_ThenRefusedListingTheShipments()
    {
        Assert.Equal("order O-1 has no shipment S9; it has S1", Refusal(When(ReservedAndPaid(), Advance("S9", ShipmentStage.Picking))));
        Assert.Equal("order O-1 has no shipment S1; it has none yet", Refusal(When(Given(Record(Draft())), Advance("S1", ShipmentStage.Picking))));
    }

    [Fact]
    public void GivenUnknownOrder_WhenShipmentAdvanced_ThenRefused()
    {
        Assert.Equal("order O-1 is not known", Refusal(When(Order.Empty(OrderId), Advance("S1", ShipmentStage.Picking))));
    }

    [Fact]
    public void GivenCancelledOrder_WhenShipmentAdvanced_ThenRefused()
    {
        var order = Given(ReservedAndPaid(), Cancel());

        Assert.Equal("shipment S1 of order O-1 is cancelled", Refusal(When(order, Advance("S1", ShipmentStage.Picking))));
    }

    [Fact]
    public void GivenShipmentAtAStage_WhenTheSameStageArrivesAgain_ThenNoOp()
    {
        var order = Given(ReservedAndPaid(), Advance("S1", ShipmentStage.Packed));
        AssertNoOp(order, When(order, Advance("S1", ShipmentStage.Packed) with { CommandId = "second scan" }));
    }

    // ---- pickup ----

    [Fact]
    public void GivenPickupShipment_WhenReadyForPickup_ThenTheDeadlineIsSetAndItsExpiryScheduled()
    {
        var order = ReservedAndPaid(FulfilmentMethod.Pickup, "STORE-1");

        var step = When(order, Advance("S1", ShipmentStage.ReadyForPickup, At(30)));

        var due = At(30) + TimeSpan.FromDays(3);
        Assert.Equal(["ShipmentAdvanced", "PickupDeadlineSet"], Kinds(step));
        Assert.Equal(new PickupDeadlineSet(At(30), "S1", due), Single<PickupDeadlineSet>(step));
        Assert.Equal(new OrderEffect.SchedulePickupExpiry("O-1:7:0", "S1", due), Assert.Single(Effects<OrderEffect.SchedulePickupExpiry>(step)));
        Assert.Equal((ShipmentStage.ReadyForPickup, due), (Shipment(step.Next, "S1").Stage, Shipment(step.Next, "S1").PickupDeadline));
    }

    [Fact]
    public void GivenReadyForPickup_WhenPickedUp_ThenConsumedAndClosed()
    {
        var order = Given(ReservedAndPaid(FulfilmentMethod.Pickup, "STORE-1"), Advance("S1", ShipmentStage.ReadyForPickup, At(30)));

        var step = When(order, Advance("S1", ShipmentStage.PickedUp, At(40)));

        Assert.Equal(new OrderEffect.ConsumeStock("O-1:8:0", "SKU-A", "order:O-1:S1:L1", "STORE-1", 2m), Assert.Single(Effects<OrderEffect.ConsumeStock>(step)));
        Assert.Equal((OrderStatus.Closed, At(40)), (step.Next.Status, Shipment(step.Next, "S1").CompletedAt));
    }

    [Fact]
    public void GivenPickupDeadline_WhenExpiryArrivesEarly_ThenNoOp()
    {
        var order = Given(ReservedAndPaid(FulfilmentMethod.Pickup, "STORE-1"), Advance("S1", ShipmentStage.ReadyForPickup, At(30)));

        AssertNoOp(order, When(order, Expire("S1", At(30) + TimeSpan.FromDays(3) - TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public void GivenCapturedPickup_WhenDeadlinePasses_ThenCancelledReleasedAndRefunded()
    {
        var order = Given(ReservedAndPaid(FulfilmentMethod.Pickup, "STORE-1"), Advance("S1", ShipmentStage.ReadyForPickup, At(30)));
        var due = At(30) + TimeSpan.FromDays(3);

        var step = When(order, Expire("S1", due));

        Assert.Equal(["PickupExpired", "OrderCancelled", "RefundIssued"], Kinds(step));
        Assert.Equal("not picked up by 2026-11-23 10:30 UTC", Single<OrderCancelled>(step).Reason);
        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal(("cancel:O-1", 20m, 0m, "order cancelled: not picked up by 2026-11-23 10:30 UTC"), (refund.RefundId, refund.Goods, refund.StoreCredit, refund.Reason));
        Assert.Equal(new TenderRefund("P-CARD", "credit_card", "4242", 20m), Assert.Single(refund.Tenders));
        Assert.Equal(new OrderEffect.ReleaseStock("O-1:8:0", "SKU-A", "order:O-1:S1:L1", "pickup deadline passed"), Assert.Single(Effects<OrderEffect.ReleaseStock>(step)));
        var shipment = Shipment(step.Next, "S1");
        Assert.Equal((ShipmentStage.Expired, ReservationState.Released), (shipment.Stage, shipment.Lines.Single().Reservation));
        Assert.Equal((OrderStatus.Cancelled, 20m, "refunded"), (step.Next.Status, step.Next.Refunded, step.Next.Payments.Single().Status));
    }

    [Fact]
    public void GivenAuthorizedOnlyPickup_WhenDeadlinePasses_ThenTheAuthorizationIsVoided()
    {
        var order = Given(Record(Draft(FulfilmentMethod.Pickup, "STORE-1")), Allocate(), Reserved("S1", "L1"), Pay(Card(), PaymentKind.Authorization, 20m),
            Advance("S1", ShipmentStage.ReadyForPickup, At(30)));

        var step = When(order, Expire("S1", At(30) + TimeSpan.FromDays(4)));

        Assert.Equal(["PickupExpired", "OrderCancelled", "PaymentRecorded"], Kinds(step));
        Assert.Equal(new PaymentTransaction("void:O-1:P-CARD", "P-CARD", PaymentKind.Void, 20m, At(30) + TimeSpan.FromDays(4)), Single<PaymentRecorded>(step).Transaction);
        Assert.Equal("voided", step.Next.Payments.Single().Status);
    }

    [Fact]
    public void GivenPartlyCapturedPickup_WhenDeadlinePasses_ThenTheRestIsVoidedAndTheCaptureRefunded()
    {
        var order = Given(Record(Draft(FulfilmentMethod.Pickup, "STORE-1")), Allocate(), Reserved("S1", "L1"), Pay(Card(), PaymentKind.Authorization, 20m),
            Pay(Card(), PaymentKind.Capture, 5m), Advance("S1", ShipmentStage.ReadyForPickup, At(30)));

        var step = When(order, Expire("S1", At(30) + TimeSpan.FromDays(3)));

        Assert.Equal(["PickupExpired", "OrderCancelled", "PaymentRecorded", "RefundIssued"], Kinds(step));
        Assert.Equal((PaymentKind.Void, 15m), (Single<PaymentRecorded>(step).Transaction.Kind, Single<PaymentRecorded>(step).Transaction.Amount));
        Assert.Equal(5m, Single<RefundIssued>(step).Refund.Tenders.Single().Amount);
        Assert.Single(Effects<OrderEffect.ReleaseStock>(step));
        Assert.Equal((0m, OrderStatus.Cancelled), (step.Next.Payments.Single().Refundable, step.Next.Status));
    }

    [Fact]
    public void GivenPickupCollectedThroughTheChannel_WhenTheDeadlinePasses_ThenNoOp()
    {
        var order = Given(ReservedAndPaid(FulfilmentMethod.Pickup, "STORE-1"), Advance("S1", ShipmentStage.ReadyForPickup, At(30)),
            ChannelFulfilment("F1", "STORE-1", ("L1", 2m)));

        AssertNoOp(order, When(order, Expire("S1", At(30) + TimeSpan.FromDays(3))));
    }

    [Fact]
    public void GivenPickedUp_WhenExpiryArrives_ThenNoOp()
    {
        var order = Given(ReservedAndPaid(FulfilmentMethod.Pickup, "STORE-1"), Advance("S1", ShipmentStage.ReadyForPickup, At(30)), Advance("S1", ShipmentStage.PickedUp, At(40)));
        AssertNoOp(order, When(order, Expire("S1", At(30) + TimeSpan.FromDays(5))));
    }

    // ---- cancellation ----

    [Fact]
    public void GivenReservedOrder_WhenCancelled_ThenReservationsReleasedAndCapturedRefunded()
    {
        var order = ReservedAndPaid();

        var step = When(order, Cancel("out of stock online"));

        Assert.Equal(["OrderCancelled", "RefundIssued"], Kinds(step));
        Assert.Equal(new OrderCancelled(At(20), "out of stock online", "associate-7"), Single<OrderCancelled>(step));
        Assert.Equal(new OrderEffect.ReleaseStock("O-1:6:0", "SKU-A", "order:O-1:S1:L1", "order cancelled"), Assert.Single(Effects<OrderEffect.ReleaseStock>(step)));
        Assert.Equal(20m, Single<RefundIssued>(step).Refund.Tenders.Single().Amount);
        Assert.Equal((ShipmentStage.Cancelled, ReservationState.Released), (Shipment(step.Next, "S1").Stage, Shipment(step.Next, "S1").Lines.Single().Reservation));
        Assert.Equal((OrderStatus.Cancelled, At(20), "out of stock online"), (step.Next.Status, step.Next.CancelledAt, step.Next.CancelReason));
    }

    [Fact]
    public void GivenShippedOrder_WhenCancelled_ThenRefusedPointingToAReturn()
    {
        var order = Given(ReservedAndPaid(), Advance("S1", ShipmentStage.Shipped));

        Assert.Equal("shipment S1 of order O-1 is already Shipped; take those goods back as a return instead", Refusal(When(order, Cancel())));
    }

    [Fact]
    public void GivenLineFulfilledByTheChannel_WhenCancelled_ThenRefusedPointingToAReturn()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m), ChannelFulfilment("F1", "WH", ("L1", 1m)));

        Assert.Equal("line L1 of order O-1 was fulfilled by the channel; take those goods back as a return instead", Refusal(When(order, Cancel())));
    }

    [Fact]
    public void GivenTillSale_WhenCancelled_ThenRefusedPointingToAReturn()
    {
        var order = Given(Record(Draft(FulfilmentMethod.CarryOut, "STORE-3", channel: "pos")));

        Assert.Equal("order O-1 was carried out at the till; take the goods back as a return instead", Refusal(When(order, Cancel())));
    }

    [Fact]
    public void GivenUnknownOrder_WhenCancelled_ThenRefused()
    {
        Assert.Equal("order O-1 is not known", Refusal(When(Order.Empty(OrderId), Cancel())));
    }

    [Fact]
    public void GivenCancelledOrder_WhenCancelledAgain_ThenNoOp()
    {
        var order = Given(ReservedAndPaid(), Cancel());
        AssertNoOp(order, When(order, Cancel("again")));
    }

    // ---- payments ----

    [Fact]
    public void GivenOrder_WhenAuthorizedThenCaptured_ThenThePaymentFollows()
    {
        var order = Given(Record(Draft()));

        var authorized = When(order, Pay(Card(), PaymentKind.Authorization, 20m));
        var recorded = Single<PaymentRecorded>(authorized);
        Assert.Equal(("P-CARD:Authorization", PaymentKind.Authorization, 20m), (recorded.Transaction.TransactionId, recorded.Transaction.Kind, recorded.Transaction.Amount));
        Assert.Equal(("authorized", 20m, 0m), (authorized.Next.Payments.Single().Status, authorized.Next.Payments.Single().Authorized, authorized.Next.Captured));

        var captured = When(authorized.Next, Pay(Card(), PaymentKind.Capture, 20m));
        Assert.Equal(("captured", 20m), (captured.Next.Payments.Single().Status, captured.Next.Captured));
        Assert.Equal("tok-P-CARD", captured.Next.Payments.Single().Tender.Token);
    }

    [Fact]
    public void GivenAuthorization_WhenVoided_ThenVoided()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Authorization, 20m));

        Assert.Equal("voided", When(order, Pay(Card(), PaymentKind.Void, 20m)).Next.Payments.Single().Status);
    }

    [Fact]
    public void GivenCapture_WhenPartlyThenFullyRefundedByTheGateway_ThenPartiallyRefundedThenRefunded()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m), Pay(Card(), PaymentKind.Refund, 5m, "t-r1"));
        Assert.Equal(("partially_refunded", 15m), (order.Payments.Single().Status, order.Payments.Single().Refundable));

        Assert.Equal("refunded", When(order, Pay(Card(), PaymentKind.Refund, 15m, "t-r2")).Next.Payments.Single().Status);
    }

    [Fact]
    public void GivenCapture_WhenChargedBack_ThenAnExceptionOpensForFinance()
    {
        var order = Given(ReservedAndPaid());

        var step = When(order, Pay(Card(), PaymentKind.Chargeback, 20m));

        var exception = Assert.Single(Effects<OrderEffect.RaiseException>(step));
        Assert.Equal(new OrderEffect.RaiseException("O-1:6:0", "finance", "chargeback", "order O-1: chargeback of 20.00 EUR on credit_card ending 4242"), exception);
        Assert.Equal(("charged_back", 0m), (step.Next.Payments.Single().Status, step.Next.Payments.Single().Refundable));
    }

    [Fact]
    public void GivenRecordedTransaction_WhenTheSameTransactionArrivesUnderAnotherCommand_ThenNoOp()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m, "t-1"));
        AssertNoOp(order, When(order, Pay(Card(), PaymentKind.Capture, 20m, "t-1") with { CommandId = "redelivered by another topic" }));
    }

    [Fact]
    public void GivenUnknownOrder_WhenPaymentArrivesFirst_ThenRecordedAndKeptWhenTheOrderArrives()
    {
        var order = Given(Pay(Card(), PaymentKind.Capture, 20m));
        Assert.False(order.IsKnown);

        var placed = Given(order, Record(Draft()), Allocate(Stock("WH", "SKU-A", 5m)), Reserved("S1", "L1"));
        Assert.Equal((20m, OrderStatus.Paid), (placed.Captured, placed.Status));
    }

    // ---- channel fulfilment ----

    [Fact]
    public void GivenReservedShipment_WhenTheChannelFulfils_ThenTheReservationIsConsumedThere()
    {
        var order = ReservedAndPaid();

        var step = When(order, ChannelFulfilment("F1", "A", ("L1", 2m)));

        Assert.Equal(new OrderEffect.ConsumeStock("O-1:6:0", "SKU-A", "order:O-1:S1:L1", "A", 2m), Assert.Single(Effects<OrderEffect.ConsumeStock>(step)));
        Assert.Equal((2m, 2m, OrderStatus.Fulfilled), (step.Next.ChannelFulfilled["L1"], step.Next.Fulfilled("L1"), step.Next.Status));
    }

    [Fact]
    public void GivenNothingHeld_WhenTheChannelFulfils_ThenTheSaleIsConsumedAtTheFulfilmentLocation()
    {
        var order = Given(Record(Draft()));

        var step = When(order, ChannelFulfilment("F1", "STORE-5", ("L1", 1m)));

        Assert.Equal(new OrderEffect.ConsumeStock("O-1:2:0", "SKU-A", "order:O-1:channel:L1:1", "STORE-5", 1m), Assert.Single(Effects<OrderEffect.ConsumeStock>(step)));
        Assert.Equal([new StockNeed("L1", "SKU-A", 1m)], OrderDecider.Needs(step.Next));
    }

    [Fact]
    public void GivenSnapshotSaidFulfilled_WhenTheSameFulfilmentArrives_ThenTheLineIsNotFulfilledOrConsumedTwice()
    {
        var order = Given(Record(Draft(), fulfilled: new Dictionary<string, decimal> { ["L1"] = 2m }));

        var step = When(order, ChannelFulfilment("F1", "STORE-5", ("L1", 2m)));

        AssertNoOp(order, step);
        Assert.Equal(2m, order.Fulfilled("L1"));
    }

    [Fact]
    public void GivenFulfilmentArrivedFirst_WhenTheSnapshotSayingFulfilledArrives_ThenTheLineIsFulfilledOnce()
    {
        var order = Given(Record(Draft()), ChannelFulfilment("F1", "STORE-5", ("L1", 2m)));

        var step = When(order, Record(Draft(), version: At(40), fulfilled: new Dictionary<string, decimal> { ["L1"] = 2m }));

        Assert.Empty(Effects<OrderEffect.ConsumeStock>(step));
        Assert.Equal(2m, step.Next.Fulfilled("L1"));
    }

    [Fact]
    public void GivenPartlyFulfilledLine_WhenTheChannelFulfilsTheRest_ThenTheQuantitiesAdd()
    {
        var order = Given(Record(Draft(lines: [Line("L1", "SKU-A", 3m, 10m)])), ChannelFulfilment("F1", "STORE-5", ("L1", 1m)));

        var step = When(order, ChannelFulfilment("F2", "STORE-5", ("L1", 2m)));

        Assert.Equal(new OrderEffect.ConsumeStock("O-1:3:0", "SKU-A", "order:O-1:channel:L1:3", "STORE-5", 2m), Assert.Single(Effects<OrderEffect.ConsumeStock>(step)));
        Assert.Equal(3m, step.Next.Fulfilled("L1"));
    }

    [Fact]
    public void GivenUnknownOrder_WhenChannelRefundArrivesFirst_ThenRecordedNotRefused()
    {
        var step = When(Order.Empty(OrderId), ChannelRefund("R1", [new ChannelRefundLine("L1", 1m, false, null, 10m, 0m)],
            new ChannelRefundTransaction(Card(), new PaymentTransaction("t-r1", "P-CARD", PaymentKind.Refund, 10m, At(90)))));

        Assert.Null(step.Refusal);
        var refund = Assert.Single(step.Next.Refunds);
        Assert.Equal(("R1", 10m, 0m, 0m, 10m), (refund.RefundId, refund.Goods, refund.Tax, refund.Shipping, refund.Tenders.Single().Amount));
        Assert.Equal(10m, step.Next.Refunded);

        var paid = Given(step.Next, Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m));
        var payment = Assert.Single(paid.Payments);
        Assert.Equal((20m, 10m, 10m, "tok-P-CARD"), (payment.Captured, payment.Refunded, payment.Refundable, payment.Tender.Token));
    }

    [Fact]
    public void GivenShippedOrder_WhenChannelRefundRestocksAtAStore_ThenAReturnAndItsStockAreRecorded()
    {
        var order = Given(ReservedAndPaid(), Advance("S1", ShipmentStage.Shipped));

        var step = When(order, ChannelRefund("R1", [new ChannelRefundLine("L1", 1m, true, "STORE-4", 12.10m, 2.10m)],
            new ChannelRefundTransaction(Card(), new PaymentTransaction("t-r1", "P-CARD", PaymentKind.Refund, 12.10m, At(90)))));

        Assert.Equal(["ReturnAccepted", "RefundIssued"], Kinds(step));
        var returned = Single<ReturnAccepted>(step).Return;
        Assert.Equal(("R1", "STORE-4"), (returned.ReturnId, returned.Location));
        Assert.Equal(new ReturnLine("L1", "SKU-A", 1m, ReturnDisposition.Sellable, 12.10m, 2.10m), returned.Lines.Single());
        Assert.Equal(new OrderEffect.ReturnStock("O-1:7:0", "SKU-A", "STORE-4", 1m, ReturnDisposition.Sellable, "return R1 of order O-1"),
            Assert.Single(Effects<OrderEffect.ReturnStock>(step)));
        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal(("R1", 10m, 2.10m, 0m, "refunded in the channel"), (refund.ReturnId, refund.Goods, refund.Tax, refund.Shipping, refund.Reason));
        Assert.Equal(12.10m, step.Next.Refunded);
    }

    [Fact]
    public void GivenChannelRefund_WhenItsTransactionAlsoArrivesWithTheOrdersPayments_ThenTheMoneyIsRefundedOnce()
    {
        var refund = ChannelRefund("R1", [], new ChannelRefundTransaction(Card(), new PaymentTransaction("shopify:T-R1", "P-CARD", PaymentKind.Refund, 5m, At(90))));
        var payment = Pay(Card(), PaymentKind.Refund, 5m, "shopify:T-R1", At(90));
        var paid = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m));

        var refundFirst = Given(paid, refund, payment);
        var paymentFirst = Given(paid, payment, refund);

        Assert.Equal((5m, 15m), (refundFirst.Refunded, refundFirst.Payments.Single().Refundable));
        Assert.Equal((5m, 15m), (paymentFirst.Refunded, paymentFirst.Payments.Single().Refundable));
        Assert.Equal(["shopify:T-R1"], refundFirst.Payments.Single().Transactions.Where(t => t.Kind == PaymentKind.Refund).Select(t => t.TransactionId));
    }

    [Fact]
    public void GivenFullyRefundedOrder_WhenTheChannelRefundsMore_ThenStillRecorded()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m), Refund("G1", 20m));

        var step = When(order, ChannelRefund("R2", [],
            new ChannelRefundTransaction(Card(), new PaymentTransaction("t-r2", "P-CARD", PaymentKind.Refund, 5m, At(90)))));

        Assert.Null(step.Refusal);
        // No lines and no shipping adjustment: an allowance (goodwill), never a shipping refund.
        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal((5m, 0m, true, 25m), (refund.Goods, refund.Shipping, refund.IsGoodwill, step.Next.Refunded));
    }

    // ---- duplicates ----

    public static TheoryData<string> EveryCommand => new()
    {
        "record", "allocate", "reservation", "advance", "channel-fulfilment", "cancel", "expire", "payment", "return", "channel-refund", "refund",
    };

    /// <summary>Each command applied once, then delivered again with the same id: the second delivery changes nothing.</summary>
    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void GivenAppliedCommand_WhenDeliveredAgainWithTheSameId_ThenNoOp(string kind)
    {
        var placed = Given(Record(Draft(FulfilmentMethod.Pickup, "STORE-1")));
        var (given, command) = kind switch
        {
            "record" => (Order.Empty(OrderId), (OrderCommand)Record(Draft(), cancelledAt: At(1))),
            "allocate" => (placed, Allocate(Stock("A", "SKU-A", 5m))),
            "reservation" => (Given(placed, Allocate()), Reserved("S1", "L1", reserved: false)),
            "advance" => (Given(placed, Allocate()), Advance("S1", ShipmentStage.ReadyForPickup)),
            "channel-fulfilment" => (placed, ChannelFulfilment("F1", "STORE-1", ("L1", 1m))),
            "cancel" => (Given(placed, Allocate()), Cancel()),
            "expire" => (Given(placed, Allocate(), Advance("S1", ShipmentStage.ReadyForPickup, At(1))), Expire("S1", At(1) + TimeSpan.FromDays(3))),
            "payment" => (placed, Pay(Card(), PaymentKind.Authorization, 20m)),
            "return" => (Given(placed, Allocate(), Pay(Card(), PaymentKind.Capture, 20m), Advance("S1", ShipmentStage.PickedUp)), Return("R1", "STORE-2", At(60), false, Back("L1", 1m))),
            "channel-refund" => (placed, ChannelRefund("R1", [new ChannelRefundLine("L1", 1m, true, "STORE-1", 10m, 0m)])),
            _ => (Given(placed, Pay(Card(), PaymentKind.Capture, 20m)), Refund("G1", 5m)),
        };

        var first = When(given, command);
        Assert.Null(first.Refusal);
        Assert.NotEmpty(first.Events);
        Assert.Contains(command.CommandId, first.Next.AppliedCommands);

        AssertNoOp(first.Next, When(first.Next, command));
    }
}

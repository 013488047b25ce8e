using RetailFunctions.Domain.Orders;
using static RetailFunctions.Domain.Orders.OrderEvent;
using static RetailFunctions.Domain.Tests.Orders.OrderBuilders;

namespace RetailFunctions.Domain.Tests.Orders;

/// <summary>Returns at any location, and refunds to the original tenders computed from the order's own figures.</summary>
public sealed class OrderReturnRefundTests
{
    private static readonly DateTimeOffset ShippedAt = At(10);

    /// <summary>A web order shipped from the warehouse at <see cref="ShippedAt"/>, captured on the given tenders.</summary>
    private static Order Shipped(OrderDraft? draft = null, params (Tender Tender, decimal Amount)[] captures)
    {
        var order = Given(Record(draft ?? Draft()), Allocate(Stock(Warehouse, "SKU-A", 100m), Stock(Warehouse, "SKU-B", 100m)));
        foreach (var shipment in order.Shipments)
            foreach (var line in shipment.Lines)
                order = Given(order, Reserved(shipment.ShipmentId, line.LineId));
        foreach (var (tender, amount) in captures.Length == 0 ? [(Card(), order.Total)] : captures)
            order = Given(order, Pay(tender, PaymentKind.Capture, amount));
        foreach (var shipment in order.Shipments)
            order = Given(order, Advance(shipment.ShipmentId, ShipmentStage.Shipped, ShippedAt));
        return order;
    }

    // ---- returns ----

    [Fact]
    public void GivenShippedWebOrder_WhenFullyReturnedInAStoreAsSellable_ThenRestockedThereAndRefundedToTheCard()
    {
        var order = Shipped();

        var step = When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 2m)));

        Assert.Equal(["ReturnAccepted", "RefundIssued"], Kinds(step));
        var returned = Single<ReturnAccepted>(step).Return;
        Assert.Equal(("R1", "STORE-9", At(60), "associate-9"), (returned.ReturnId, returned.Location, returned.At, returned.Actor));
        Assert.Equal(new ReturnLine("L1", "SKU-A", 2m, ReturnDisposition.Sellable, 20m, 0m), Assert.Single(returned.Lines));
        Assert.Equal(new OrderEffect.ReturnStock("O-1:6:0", "SKU-A", "STORE-9", 2m, ReturnDisposition.Sellable, "return R1 of order O-1"),
            Assert.Single(Effects<OrderEffect.ReturnStock>(step)));
        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal(("return:R1", "R1", 20m, 0m, 0m, 0m, 0m, "return R1"), (refund.RefundId, refund.ReturnId, refund.Goods, refund.Tax, refund.Shipping, refund.StoreCredit, refund.Unrefunded, refund.Reason));
        Assert.Equal(new TenderRefund("P-CARD", "credit_card", "4242", 20m), Assert.Single(refund.Tenders));
        Assert.Empty(refund.Notes);
        Assert.Equal((20m, 2m, "refunded"), (step.Next.Refunded, step.Next.Returned("L1"), step.Next.Payments.Single().Status));
        Assert.Empty(Effects<OrderEffect.RaiseException>(step));
    }

    [Fact]
    public void GivenShippedOrder_WhenOneUnitReturnedDamaged_ThenItGoesBackAsDamagedAndHalfIsRefunded()
    {
        var step = When(Shipped(), Return("R1", "STORE-9", At(60), false, Back("L1", 1m, ReturnDisposition.Damaged)));

        Assert.Equal(new OrderEffect.ReturnStock("O-1:6:0", "SKU-A", "STORE-9", 1m, ReturnDisposition.Damaged, "return R1 of order O-1"),
            Assert.Single(Effects<OrderEffect.ReturnStock>(step)));
        Assert.Equal(10m, Single<RefundIssued>(step).Refund.Tenders.Single().Amount);
        Assert.Equal(("partially_refunded", 10m), (step.Next.Payments.Single().Status, step.Next.Payments.Single().Refundable));
    }

    [Fact]
    public void GivenTwoLines_WhenOnlyOneIsReturned_ThenOnlyItsStockAndAmountComeBack()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 1m, 10m), Line("L2", "SKU-B", 1m, 30m)]));

        var step = When(order, Return("R1", "STORE-9", At(60), false, Back("L2", 1m)));

        Assert.Equal("SKU-B", Assert.Single(Effects<OrderEffect.ReturnStock>(step)).Sku);
        Assert.Equal(30m, Single<RefundIssued>(step).Refund.Goods);
    }

    [Fact]
    public void GivenLineWithTaxAndDiscount_WhenPartlyReturned_ThenTheUnitsShareOfGrossAndTaxIsRefunded()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 2m, 10m, discount: 4m, tax: 3.20m)]));
        Assert.Equal(19.20m, order.Total);

        var refund = Single<RefundIssued>(When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m)))).Refund;

        Assert.Equal((8m, 1.60m, 9.60m), (refund.Goods, refund.Tax, refund.Total));
    }

    [Fact]
    public void GivenPricesIncludeTax_WhenReturned_ThenTheTaxIsPartOfTheLineNotAddedToIt()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 2m, 12.10m, tax: 4.20m)], taxesIncluded: true));
        Assert.Equal(24.20m, order.Total);

        var refund = Single<RefundIssued>(When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 2m)))).Refund;

        Assert.Equal((20m, 4.20m, 24.20m), (refund.Goods, refund.Tax, refund.Total));
    }

    [Fact]
    public void GivenLineReturnedInPieces_WhenTheLastPieceComesBack_ThenTheRefundsAddUpToExactlyTheLine()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 3m, 3.33m, tax: 1.00m)]));
        Assert.Equal(10.99m, order.Total);

        var first = When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m)));
        var second = When(first.Next, Return("R2", "STORE-9", At(61), false, Back("L1", 1m)));
        var third = When(second.Next, Return("R3", "STORE-9", At(62), false, Back("L1", 1m)));

        var lines = third.Next.Returns.Select(r => r.Lines.Single()).ToList();
        Assert.Equal([3.66m, 3.66m, 3.67m], lines.Select(l => l.Amount));
        Assert.Equal([0.33m, 0.33m, 0.34m], lines.Select(l => l.Tax));
        Assert.Equal((10.99m, 1.00m), (third.Next.Refunds.Sum(r => r.Total), third.Next.Refunds.Sum(r => r.Tax)));
        Assert.Equal((10.99m, 0m), (third.Next.Refunded, third.Next.Payments.Single().Refundable));
    }

    [Fact]
    public void GivenLineReturnedWithTwoDispositionsAtOnce_WhenRefunded_ThenTheRefundIsExactlyTheLine()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 2m, 5m, tax: 0.01m)]));
        Assert.Equal(10.01m, order.Total);

        var step = When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m), Back("L1", 1m, ReturnDisposition.Damaged)));

        var lines = Single<ReturnAccepted>(step).Return.Lines;
        Assert.Equal([(ReturnDisposition.Sellable, 5.01m, 0.01m), (ReturnDisposition.Damaged, 5.00m, 0.00m)], lines.Select(l => (l.Disposition, l.Amount, l.Tax)));
        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal((10m, 0.01m, 0m), (refund.Goods, refund.Tax, refund.Unrefunded));
        Assert.Empty(Effects<OrderEffect.RaiseException>(step));
    }

    [Fact]
    public void GivenLineOfThreeReturnedAsThreeEntries_WhenRefunded_ThenNoCentIsLost()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 3m, 3.33m, tax: 1.00m)]));

        var step = When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m), Back("L1", 1m, ReturnDisposition.Damaged), Back("L1", 1m)));

        Assert.Equal([3.66m, 3.66m, 3.67m], Single<ReturnAccepted>(step).Return.Lines.Select(l => l.Amount));
        Assert.Equal(10.99m, Single<RefundIssued>(step).Refund.Total);
    }

    [Fact]
    public void GivenFullyReturnedLine_WhenReturnedAgain_ThenRefusedAsBeyondWhatWasBought()
    {
        var order = Given(Shipped(), Return("R1", "STORE-9", At(60), false, Back("L1", 2m)));

        Assert.Equal("line L1 (title of L1): 1 returned but only 0 of 2 bought can still be returned",
            Refusal(When(order, Return("R2", "STORE-9", At(61), false, Back("L1", 1m)))));
    }

    [Fact]
    public void GivenShippedOrder_WhenMoreReturnedThanBought_ThenRefused()
    {
        Assert.Equal("line L1 (title of L1): 3 returned but only 2 of 2 bought can still be returned",
            Refusal(When(Shipped(), Return("R1", "STORE-9", At(60), false, Back("L1", 2m), Back("L1", 1m, ReturnDisposition.Damaged)))));
    }

    [Fact]
    public void GivenShippedOrder_WhenReturnedAfterTheWindow_ThenRefusedWithTheDateItEnded()
    {
        var order = Shipped();
        var windowEnds = ShippedAt + TimeSpan.FromDays(30);

        Assert.Equal("line L1 (title of L1): the 30-day return window ended on 2026-12-20",
            Refusal(When(order, Return("R1", "STORE-9", windowEnds.AddSeconds(1), false, Back("L1", 1m)))));
        Assert.Null(When(order, Return("R1", "STORE-9", windowEnds, false, Back("L1", 1m))).Refusal);
    }

    [Fact]
    public void GivenDeliveredLater_WhenReturned_ThenTheWindowRunsFromDelivery()
    {
        var order = Given(Shipped(), Advance("S1", ShipmentStage.Delivered, ShippedAt + TimeSpan.FromDays(5)));

        Assert.Null(When(order, Return("R1", "STORE-9", ShippedAt + TimeSpan.FromDays(34), false, Back("L1", 1m))).Refusal);
    }

    [Fact]
    public void GivenAllocatedButNotShipped_WhenReturned_ThenRefusedAsNotYetFulfilled()
    {
        var order = Given(Record(Draft()), Allocate(Stock(Warehouse, "SKU-A", 5m)), Pay(Card(), PaymentKind.Capture, 20m));

        Assert.Equal("line L1 (title of L1): 1 returned but only 0 of 2 bought can still be returned (2 not yet fulfilled; cancel those instead)",
            Refusal(When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m)))));
    }

    [Fact]
    public void GivenTillSale_WhenReturnedInAnotherStore_ThenAccepted()
    {
        var order = Given(Record(Draft(FulfilmentMethod.CarryOut, "STORE-3", channel: "pos")), Pay(Cash(), PaymentKind.Capture, 20m));

        var step = When(order, Return("R1", "STORE-4", At(60), false, Back("L1", 2m)));

        Assert.Equal("STORE-4", Assert.Single(Effects<OrderEffect.ReturnStock>(step)).Location);
        Assert.Equal(new TenderRefund("P-CASH", "cash", null, 20m), Single<RefundIssued>(step).Refund.Tenders.Single());
    }

    [Fact]
    public void GivenShippedOrder_WhenReturnNamesAnUnknownLine_ThenRefusedListingTheLines()
    {
        Assert.Equal("order O-1 has no line L7; its lines are L1", Refusal(When(Shipped(), Return("R1", "STORE-9", At(60), false, Back("L7", 1m)))));
    }

    [Fact]
    public void GivenShippedOrder_WhenReturnHasNoLinesOrANonPositiveQuantity_ThenRefused()
    {
        Assert.Equal("a return needs at least one line", Refusal(When(Shipped(), Return("R1", "STORE-9", At(60), false))));
        Assert.Equal("line L1: a returned quantity must be positive", Refusal(When(Shipped(), Return("R1", "STORE-9", At(60), false, Back("L1", 0m)))));
    }

    [Fact]
    public void GivenUnknownOrder_WhenReturned_ThenRefused()
    {
        Assert.Equal("order O-1 is not known", Refusal(When(Order.Empty(OrderId), Return("R1", "STORE-9", At(60), false, Back("L1", 1m)))));
    }

    [Fact]
    public void GivenAcceptedReturn_WhenTheSameReturnIdArrivesUnderAnotherCommand_ThenNoOp()
    {
        var order = Given(Shipped(), Return("R1", "STORE-9", At(60), false, Back("L1", 1m)));
        AssertNoOp(order, When(order, Return("R1", "STORE-9", At(61), false, Back("L1", 1m)) with { CommandId = "second tap" }));
    }

    // ---- refunds ----

    [Fact]
    public void GivenSplitTenders_WhenReturned_ThenRefundedProportionallyAndTheCentsAddUp()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 4m, 25m)]), (Card("P-A", last4: "1111"), 66.66m), (Card("P-B", last4: "2222"), 33.34m));

        var refund = Single<RefundIssued>(When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m)))).Refund;

        Assert.Equal([new TenderRefund("P-A", "credit_card", "1111", 16.66m), new TenderRefund("P-B", "credit_card", "2222", 8.34m)], refund.Tenders);
        Assert.Equal(25m, refund.Tenders.Sum(t => t.Amount));
    }

    [Fact]
    public void GivenAYenOrder_WhenOneOfThreeUnitsIsReturnedToSplitTenders_ThenTheRefundAndEveryShareAreWholeYen()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 3m, 1000m)]) with { Currency = "JPY" }, (Card("P-A", last4: "1111"), 2000m), (Card("P-B", last4: "2222"), 1000m));

        var refund = Single<RefundIssued>(When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m)))).Refund;

        Assert.Equal(1000m, refund.Tenders.Sum(t => t.Amount));
        Assert.All(refund.Tenders, t => Assert.Equal(decimal.Truncate(t.Amount), t.Amount));
        Assert.Equal([667m, 333m], refund.Tenders.Select(t => t.Amount).Order().Reverse());
    }

    [Fact]
    public void GivenExpiredCard_WhenRefunded_ThenStoreCreditWithANote()
    {
        var order = Shipped(captures: (Card(expiry: "2026-10"), 20m));

        var refund = Single<RefundIssued>(When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 2m)))).Refund;

        Assert.Empty(refund.Tenders);
        Assert.Equal(20m, refund.StoreCredit);
        Assert.Equal(["card ending 4242 expired (2026-10): 20.00 as store credit"], refund.Notes);
    }

    [Fact]
    public void GivenCashOverTheLimit_WhenRefunded_ThenTheExcessBecomesStoreCredit()
    {
        var order = Shipped(Draft(lines: [Line("L1", "SKU-A", 1m, 150m)]), (Cash(), 150m));

        var refund = Single<RefundIssued>(When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 1m)))).Refund;

        Assert.Equal(new TenderRefund("P-CASH", "cash", null, 100m), Assert.Single(refund.Tenders));
        Assert.Equal(50m, refund.StoreCredit);
        Assert.Equal(["cash refunds are limited to 100.00: 50.00 as store credit"], refund.Notes);
    }

    [Fact]
    public void GivenPartlyCaptured_WhenReturned_ThenTheRefundStopsAtWhatWasCapturedAndFinanceOwnsTheRest()
    {
        var order = Shipped(captures: (Card(), 15m));

        var step = When(order, Return("R1", "STORE-9", At(60), false, Back("L1", 2m)));

        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal((15m, 0m, 0m, 5m), (refund.Goods, refund.Tax, refund.Shipping, refund.Unrefunded));
        Assert.Equal(15m, refund.Tenders.Single().Amount);
        Assert.Equal(["20.00 due but only 15.00 captured and not yet refunded: 5.00 left for the finance owner"], refund.Notes);
        Assert.Equal(new OrderEffect.RaiseException("O-1:7:0", "finance", "refund-shortfall", "order O-1 refund return:R1: 5.00 EUR due but not captured"),
            Assert.Single(Effects<OrderEffect.RaiseException>(step)));
        Assert.Equal(15m, step.Next.Refunded);
    }

    [Fact]
    public void GivenRefundPaidAsStoreCredit_WhenRefundedAgain_ThenRefusedBeyondCaptured()
    {
        var order = Given(Record(Draft()), Pay(Card(expiry: "2026-10"), PaymentKind.Capture, 20m), Refund("G1", 15m));
        Assert.Equal(15m, Assert.Single(order.Refunds).StoreCredit);

        Assert.Equal("a refund of 6.00 EUR exceeds the 5.00 still captured on order O-1", Refusal(When(order, Refund("G2", 6m))));
        var rest = Single<RefundIssued>(When(order, Refund("G2", 5m))).Refund;
        Assert.Equal(5m, rest.StoreCredit);
    }

    [Fact]
    public void GivenCashRefundPartlyPaidAsStoreCredit_WhenTheOrderIsCancelled_ThenOnlyWhatIsLeftIsRefunded()
    {
        var order = Given(Record(Draft(lines: [Line("L1", "SKU-A", 1m, 150m)])), Pay(Cash(), PaymentKind.Capture, 150m), Refund("G1", 120m));
        Assert.Equal((100m, 20m), (order.Refunds.Single().Tenders.Single().Amount, order.Refunds.Single().StoreCredit));

        var refund = Single<RefundIssued>(When(order, Cancel())).Refund;

        Assert.Equal((30m, 30m), (refund.Goods, refund.Tenders.Sum(t => t.Amount) + refund.StoreCredit));
    }

    [Fact]
    public void GivenCapturedOrder_WhenRefundExceedsCaptured_ThenRefused()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m));

        Assert.Equal("a refund of 30.00 EUR exceeds the 20.00 still captured on order O-1", Refusal(When(order, Refund("G1", 30m))));
    }

    [Fact]
    public void GivenPartlyRefunded_WhenRefundExceedsWhatIsLeft_ThenRefused()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m), Refund("G1", 15m));

        Assert.Equal("a refund of 6.00 EUR exceeds the 5.00 still captured on order O-1", Refusal(When(order, Refund("G2", 6m))));
    }

    [Fact]
    public void GivenCapturedOrder_WhenGoodwillRefunded_ThenTheAmountGoesBackToTheCard()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m));

        var step = When(order, Refund("G1", 4.50m));

        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal(("G1", null, 4.50m, 0m, 0m, "goodwill"), (refund.RefundId, refund.ReturnId, refund.Goods, refund.Tax, refund.Shipping, refund.Reason));
        Assert.Equal((4.50m, "partially_refunded"), (step.Next.Refunded, step.Next.Payments.Single().Status));
    }

    [Fact]
    public void GivenShippingCharged_WhenShippingRefunded_ThenItsChargeAndTaxComeBackOnce()
    {
        var order = Given(Record(Draft(shipping: 5m, shippingTax: 1m)), Pay(Card(), PaymentKind.Capture, 26m));

        var step = When(order, Refund("SHIP", null, shipping: true));

        var refund = Single<RefundIssued>(step).Refund;
        Assert.Equal((0m, 0m, 6m), (refund.Goods, refund.Tax, refund.Shipping));
        Assert.Equal(6m, refund.Tenders.Single().Amount);
        Assert.Equal("order O-1 has no shipping left to refund", Refusal(When(step.Next, Refund("SHIP-2", null, shipping: true))));
    }

    [Fact]
    public void GivenPricesIncludeTax_WhenShippingRefunded_ThenTheShippingTaxIsNotAddedAgain()
    {
        var order = Given(Record(Draft(shipping: 6m, shippingTax: 1m, taxesIncluded: true)), Pay(Card(), PaymentKind.Capture, 26m));

        Assert.Equal(6m, Single<RefundIssued>(When(order, Refund("SHIP", null, shipping: true))).Refund.Shipping);
    }

    [Fact]
    public void GivenShippedOrder_WhenReturnedWithShipping_ThenTheShippingIsRefundedWithTheGoods()
    {
        var order = Shipped(Draft(shipping: 5m, shippingTax: 1m));
        Assert.Equal(26m, order.Total);

        var refund = Single<RefundIssued>(When(order, Return("R1", "STORE-9", At(60), true, Back("L1", 2m)))).Refund;

        Assert.Equal((20m, 0m, 6m, 26m), (refund.Goods, refund.Tax, refund.Shipping, refund.Tenders.Single().Amount));
    }

    [Fact]
    public void GivenCapturedOrder_WhenRefundHasNoAmountOrANegativeOne_ThenRefused()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m));

        Assert.Equal("a refund needs an amount or refundShipping", Refusal(When(order, Refund("G1", null))));
        Assert.Equal("a refund amount must be positive", Refusal(When(order, Refund("G1", -1m))));
    }

    [Fact]
    public void GivenUnknownOrder_WhenRefunded_ThenRefused()
    {
        Assert.Equal("order O-1 is not known", Refusal(When(Order.Empty(OrderId), Refund("G1", 5m))));
    }

    [Fact]
    public void GivenIssuedRefund_WhenTheSameRefundIdArrivesUnderAnotherCommand_ThenNoOp()
    {
        var order = Given(Record(Draft()), Pay(Card(), PaymentKind.Capture, 20m), Refund("G1", 5m));
        AssertNoOp(order, When(order, Refund("G1", 5m) with { CommandId = "double click" }));
    }
}

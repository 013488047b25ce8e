using RetailFunctions.Domain.Orders;
using static RetailFunctions.Domain.Tests.Orders.OrderBuilders;

namespace RetailFunctions.Domain.Tests.Orders;

public sealed class RefundMathTests
{
    private static Payment Captured(Tender tender, decimal captured, decimal refunded = 0m) => new(tender,
        [new PaymentTransaction($"{tender.PaymentId}:c", tender.PaymentId, PaymentKind.Capture, captured, T0),
         .. refunded > 0m ? [new PaymentTransaction($"{tender.PaymentId}:r", tender.PaymentId, PaymentKind.Refund, refunded, T0)] : Array.Empty<PaymentTransaction>()]);

    [Fact]
    public void GivenThreeEqualTenders_WhenAnAmountThatDoesNotDivideIsRefunded_ThenTheRoundingCentGoesToTheFirstAndTheSplitAddsUp()
    {
        var split = RefundMath.Allocate(10m, [Captured(Card("P-C"), 10m), Captured(Card("P-A"), 10m), Captured(Card("P-B"), 10m)], Policy, T0);

        Assert.Equal([("P-A", 3.34m), ("P-B", 3.33m), ("P-C", 3.33m)], split.Tenders.Select(t => (t.PaymentId, t.Amount)));
        Assert.Equal((0m, 0), (split.StoreCredit, split.Notes.Count));
    }

    [Fact]
    public void GivenTendersPartlyRefunded_WhenSplit_ThenTheProportionFollowsWhatEachStillHolds()
    {
        var split = RefundMath.Allocate(30m, [Captured(Card("P-A"), 50m, refunded: 30m), Captured(Card("P-B"), 40m)], Policy, T0);

        Assert.Equal([("P-B", 20m), ("P-A", 10m)], split.Tenders.Select(t => (t.PaymentId, t.Amount)));
    }

    [Fact]
    public void GivenFullyRefundedTender_WhenSplit_ThenItIsLeftOut()
    {
        var split = RefundMath.Allocate(5m, [Captured(Card("P-A"), 10m, refunded: 10m), Captured(Cash(), 10m)], Policy, T0);

        Assert.Equal(new TenderRefund("P-CASH", "cash", null, 5m), Assert.Single(split.Tenders));
    }

    [Fact]
    public void GivenStoreCreditTender_WhenRefunded_ThenItGoesBackAsStoreCreditWithoutANote()
    {
        var split = RefundMath.Allocate(8m, [Captured(Credit(), 8m)], Policy, T0);

        Assert.Equal((0, 8m, 0), (split.Tenders.Count, split.StoreCredit, split.Notes.Count));
    }

    [Fact]
    public void GivenCardAndExpiredCard_WhenRefunded_ThenOnlyTheExpiredShareBecomesStoreCredit()
    {
        var split = RefundMath.Allocate(30m, [Captured(Card("P-A", expiry: "2026-10", last4: "1111"), 20m), Captured(Card("P-B", last4: "2222"), 40m)], Policy, T0);

        Assert.Equal(new TenderRefund("P-B", "credit_card", "2222", 20m), Assert.Single(split.Tenders));
        Assert.Equal(10m, split.StoreCredit);
        Assert.Equal(["card ending 1111 expired (2026-10): 10.00 as store credit"], split.Notes);
    }

    [Fact]
    public void GivenPartOfAnEarlierRefundWentToStoreCreditForAnExpiredCard_WhenRefundedAgain_ThenTheSharesFollowWhatEachTenderCanStillTakeBack()
    {
        var payments = new List<Payment> { Captured(Card("P-A", expiry: "2026-10", last4: "1111"), 50m), Captured(Card("P-B", last4: "2222"), 50m) };
        var first = RefundMath.Allocate(40m, payments, Policy, T0);
        Assert.Equal((20m, 20m), (first.StoreCredit, Assert.Single(first.Tenders).Amount));
        var earlier = new Refund("R1", null, 40m, 0m, 0m, first.Tenders, first.StoreCredit, "first", first.Notes, T0, CreditedInstead: first.CreditedInstead);
        var afterFirst = new List<Payment> { payments[0], Captured(Card("P-B", last4: "2222"), 50m, refunded: 20m) };

        var second = RefundMath.Allocate(40m, afterFirst, Policy, T0, [earlier]);

        // Each tender can still take back 30: the expired card's 20 of store credit counts against it.
        Assert.Equal(new TenderRefund("P-B", "credit_card", "2222", 20m), Assert.Single(second.Tenders));
        Assert.Equal(20m, second.StoreCredit);
    }

    [Fact]
    public void GivenNothingRefundable_WhenAllocated_ThenNothingIsSplit()
    {
        var split = RefundMath.Allocate(10m, [], Policy, T0);
        Assert.Equal((0, 0m), (split.Tenders.Count, split.StoreCredit));
    }

    [Theory]
    [InlineData("2026-10", "2026-11-01T00:00:00Z", true)]
    [InlineData("2026-11", "2026-11-30T23:59:59Z", false)]
    [InlineData("2026-11", "2026-12-01T00:00:00Z", true)]
    [InlineData("11/26", "2026-11-30T12:00:00Z", false)]
    [InlineData("10/26", "2026-11-01T00:00:00Z", true)]
    [InlineData("12/2026", "2026-12-15T00:00:00Z", false)]
    [InlineData("13/26", "2030-01-01T00:00:00Z", false)]
    [InlineData("soon", "2030-01-01T00:00:00Z", false)]
    [InlineData(null, "2030-01-01T00:00:00Z", false)]
    public void GivenCardExpiry_WhenCheckedAtADate_ThenTheCardIsGoodThroughTheLastDayOfItsMonth(string? expiry, string at, bool expired)
    {
        Assert.Equal(expired, RefundMath.ExpiredBy(expiry, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("visa")]
    [InlineData("amex")]
    [InlineData("credit_card")]
    public void GivenAnExpiredCardWhateverItsMethodIsCalled_WhenRefunded_ThenItsShareBecomesStoreCredit(string method)
    {
        var card = new Tender("P-X", method, "adyen", "tok", "0005", "2026-10");

        var split = RefundMath.Allocate(10m, [Captured(card, 10m)], Policy, T0);

        Assert.Equal((0, 10m), (split.Tenders.Count, split.StoreCredit));
    }

    [Theory]
    [InlineData("credit_card", true, false, false)]
    [InlineData("debit card", true, false, false)]
    [InlineData("gift_card", false, false, false)]
    [InlineData("CASH", false, true, false)]
    [InlineData("Store_Credit", false, false, true)]
    public void GivenTenderMethod_WhenClassified_ThenCardCashAndStoreCreditAreRecognised(string method, bool card, bool cash, bool credit)
    {
        Assert.Equal((card, cash, credit), (RefundMath.IsCard(method), RefundMath.IsCash(method), RefundMath.IsStoreCredit(method)));
    }

    [Theory]
    [InlineData(0.005, 0.01)]
    [InlineData(-0.005, -0.01)]
    [InlineData(3.664999, 3.66)]
    [InlineData(2.675, 2.68)]
    public void GivenAmount_WhenRoundedToCents_ThenMidpointsGoAwayFromZero(double amount, double cents)
    {
        Assert.Equal((decimal)cents, RefundMath.Cents((decimal)amount));
    }

    [Fact]
    public void GivenShippingPartlyRefunded_WhenAskedWhatRemains_ThenTheRestOfChargeAndTaxIsLeft()
    {
        var order = Given(Record(Draft(shipping: 5m, shippingTax: 1m)), Pay(Card(), PaymentKind.Capture, 26m), Refund("SHIP", null, shipping: true));

        Assert.Equal(0m, RefundMath.RemainingShipping(order));
        Assert.Equal(6m, RefundMath.RemainingShipping(Given(Record(Draft(shipping: 5m, shippingTax: 1m)))));
        Assert.Equal(0m, RefundMath.RemainingShipping(Order.Empty(OrderId)));
    }

    [Fact]
    public void GivenOrder_WhenReturnAmountsComputed_ThenTheLastUnitsTakeWhatIsLeftOfTheLine()
    {
        var line = Line("L1", "SKU-A", 3m, 3.33m, tax: 1.00m);
        var order = Given(Record(Draft(lines: [line])));

        var first = RefundMath.ForReturn(order, [(line, 2m, ReturnDisposition.Sellable)], refundShipping: false);
        Assert.Equal((7.33m - 0.67m, 0.67m), (first.Goods, first.Tax));

        var afterFirst = order with { Returns = [new OrderReturn("R1", "S", first.Lines, T0, "a")] };
        var last = RefundMath.ForReturn(afterFirst, [(line, 1m, ReturnDisposition.Damaged)], refundShipping: false);
        Assert.Equal((3.66m - 0.33m, 0.33m, 3.66m), (last.Goods, last.Tax, last.Total));
        Assert.Equal(order.GrossOf(line), first.Total + last.Total);
    }

    [Fact]
    public void GivenStoreCreditAlreadyGiven_WhenAskedWhatIsRefundable_ThenItIsDeducted()
    {
        var order = Given(Record(Draft()), Pay(Card(expiry: "2026-10"), PaymentKind.Capture, 20m), Refund("G1", 15m));

        Assert.Equal((20m, 5m), (order.Payments.Single().Refundable, RefundMath.Refundable(order)));
    }
}

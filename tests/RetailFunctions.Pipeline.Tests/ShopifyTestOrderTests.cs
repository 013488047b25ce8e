using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;
using static RetailFunctions.Pipeline.Tests.ShopifyMoneyConformanceTests;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Test orders (<c>test: true</c>) are recorded and marked, and kept out of the journal and the nightly reconciliation unless the shop books them.</summary>
public sealed class ShopifyTestOrderTests
{
    private static readonly Outcome TestOrder = Record("""
        {"id":5900000101,"currency":"USD","created_at":"2026-11-20T10:00:00Z","test":true,"total_price":"20.00",
         "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"20.00"}],
         "transactions":[{"id":1005,"kind":"sale","status":"success","amount":"20.00","currency":"USD","gateway":"bogus","test":true}]}
        """);

    private static OrderEventMessage CaptureMessage()
    {
        var order = TestOrder.Order;
        var payment = Assert.Single(order.Payments);
        var capture = payment.Transactions.Single(t => t.Kind == PaymentKind.Capture);
        return new OrderEventMessage(order.OrderId, order.Sequence, nameof(OrderEvent.PaymentRecorded), new OrderEvent.PaymentRecorded(Now, payment.Tender, capture), order);
    }

    [Fact]
    public void GivenATestOrdersCapture_WhenFollowedIntoTheReconciliationsCapturedPayments_ThenNothingIsExpectedToSettle()
    {
        Assert.True(TestOrder.Order.Draft!.IsTest);
        Assert.Empty(CapturedPaymentSubscriber.PaymentsFor(CaptureMessage()));
    }

    [Fact]
    public void GivenAShopThatBooksTestOrders_WhenATestOrdersCaptureIsFollowed_ThenItIsJournalledAndReconciledLikeAnyOther()
    {
        var book = TestOrderPolicy.Parse("true", "Orders:BookTestOrders");

        Assert.Equal(20.00m, Assert.Single(CapturedPaymentSubscriber.PaymentsFor(CaptureMessage(), testOrders: book)).Amount);
        Assert.Single(JournalOrderSubscriber.FactsFor(CaptureMessage(), testOrders: book));
        Assert.Empty(JournalOrderSubscriber.FactsFor(CaptureMessage()));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("false", false)]
    [InlineData("True", true)]
    public void GivenTheBookTestOrdersSetting_WhenParsed_ThenItSaysWhetherTestOrdersAreBooked(string? value, bool book) =>
        Assert.Equal(book, TestOrderPolicy.Parse(value, "Orders:BookTestOrders").Book);

    [Fact]
    public void GivenABookTestOrdersSettingThatIsNotABoolean_WhenParsed_ThenItIsAConfigurationErrorNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestOrderPolicy.Parse("yes please", "Orders:BookTestOrders"));
        Assert.Contains("Orders:BookTestOrders", error.Message, StringComparison.Ordinal);
    }
}

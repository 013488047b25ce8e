using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// A web order's sale is booked on the day it was paid, whenever the record of the payment arrives; its sale and its
/// refunds are booked under the same store, whether or not it was allocated in between.
/// </summary>
public class JournalOrderDatingTests
{
    private static readonly DateTimeOffset Paid = new(2026, 11, 21, 15, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Arrived = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AWebCaptureRecordedDaysLater_IsBookedOnTheDayOfTheCapture()
    {
        var draft = new OrderDraft("web", [new ChannelReference("shopify", "id", "5100000001")], "USD", Paid, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("1", "SKU-1", "Item", 2, 12m, 0m, 0m)], 0m, 0m, false);
        var tender = new Domain.Orders.Tender("P1", "card", null, null, null, null);
        var capture = new OrderEvent.PaymentRecorded(Arrived, tender, new PaymentTransaction("shopify:5100000001:capture", "P1", PaymentKind.Capture, 24m, Paid));
        var order = OrderEvolution.Evolve(OrderEvolution.Evolve(Order.Empty("web-1"), new OrderEvent.OrderPlaced(Arrived, draft, Paid)), capture);

        var sale = Assert.IsType<FinancialFact.Sale>(Assert.Single(JournalOrderSubscriber.FactsFor(new OrderEventMessage("web-1", 2, "PaymentRecorded", capture, order))));
        Assert.Equal(new DateOnly(2026, 11, 21), sale.BusinessDay);
    }

    [Fact]
    public void AGoodwillRefundAfterAllocation_IsBookedUnderTheSameStoreAsTheSale()
    {
        var draft = new OrderDraft("web", [new ChannelReference("shopify", "id", "5100000002")], "USD", Paid, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("1", "SKU-1", "Item", 2, 12m, 0m, 0m)], 0m, 0m, false);
        var tender = new Domain.Orders.Tender("P1", "card", null, null, null, null);
        var capture = new OrderEvent.PaymentRecorded(Paid, tender, new PaymentTransaction("c1", "P1", PaymentKind.Capture, 24m, Paid));
        var placed = OrderEvolution.Evolve(OrderEvolution.Evolve(Order.Empty("web-2"), new OrderEvent.OrderPlaced(Paid, draft, Paid)), capture);
        var sale = Assert.Single(JournalOrderSubscriber.FactsFor(new OrderEventMessage("web-2", 2, "PaymentRecorded", capture, placed)));

        var allocated = OrderEvolution.Evolve(placed, new OrderEvent.StockAllocated(Paid, new Shipment("S1", "WH-1", FulfilmentMethod.Ship, ShipmentStage.Shipped,
            [new ShipmentLine("1", "SKU-1", 2, "r1", ReservationState.Consumed)], [], null, Paid)));
        var goodwill = new OrderEvent.RefundIssued(Arrived, new Refund("G-1", null, 5m, 0m, 0m, [new TenderRefund("P1", "card", null, 5m)], 0m, "goodwill", [], Arrived));
        var refund = Assert.Single(JournalOrderSubscriber.FactsFor(new OrderEventMessage("web-2", 4, "RefundIssued", goodwill, OrderEvolution.Evolve(allocated, goodwill))));

        Assert.Equal("web", sale.Store);
        Assert.Equal(sale.Store, refund.Store);
    }
}

using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>A web order's sale is booked on the day it was paid, whenever the record of the payment arrives.</summary>
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
}

using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>What the captured-payment ledger keeps of an order, keyed as the processor's settlement names it.</summary>
public sealed class CapturedPaymentSubscriberTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 15, 0, 0, TimeSpan.Zero);

    private static Order OrderOf(string channel) => Order.Empty($"{channel}-1") with
    {
        Draft = new OrderDraft(channel, [], "EUR", At, null, FulfilmentMethod.Ship, "STORE-1", null, null, [], 0m, 0m, false),
    };

    private static List<(string Key, decimal Amount)> Payments(Order order, OrderEvent e) =>
        CapturedPaymentSubscriber.PaymentsFor(new OrderEventMessage(order.OrderId, 1, e.GetType().Name, e, order)).Select(p => (p.Key, p.Amount)).ToList();

    private static OrderEvent Capture(string method, string transactionId, decimal amount) =>
        new OrderEvent.PaymentRecorded(At, new Tender("P1", method, "shopify_payments", null, "4242", null),
            new PaymentTransaction(transactionId, "P1", PaymentKind.Capture, amount, At));

    [Fact]
    public void GivenARefundTheChannelMadeWithItsOwnTransaction_ThenItIsKeyedByThatTransactionAsTheSettlementNamesIt()
    {
        var refund = new OrderEvent.RefundIssued(At, new Refund("shopify:900", null, 10m, 2m, 0m,
            [new TenderRefund("shopify:shopify_payments", "card", "4242", 12m, "shopify:7700123")], 0m, "refunded in the channel", [], At));

        Assert.Equal([("7700123", -12m)], Payments(OrderOf("web"), refund));
    }

    [Fact]
    public void GivenARefundIssuedHere_ThenItIsKeyedByTheRefundAndTender()
    {
        var refund = new OrderEvent.RefundIssued(At, new Refund("return:R1", "R1", 10m, 2m, 0m,
            [new TenderRefund("P1", "card", "4242", 12m)], 0m, "return R1", [], At));

        Assert.Equal([("refund:return:R1:P1", -12m)], Payments(OrderOf("app"), refund));
    }

    [Fact]
    public void GivenMoneyNoProcessorSettles_ThenTheLedgerKeepsNone()
    {
        Assert.Empty(Payments(OrderOf("pos"), Capture("card", "pos:61-1-20261120-7:tender:1:capture", 30m)));
        Assert.Empty(Payments(OrderOf("pos"), Capture("cash", "pos:61-1-20261120-7:tender:2:capture", 10m)));
        Assert.Empty(Payments(OrderOf("web"), Capture("gift_card", "shopify:5001", 10m)));
        var toCashAndCredit = new OrderEvent.RefundIssued(At, new Refund("return:R2", "R2", 30m, 0m, 0m,
            [new TenderRefund("T1", "cash", null, 20m), new TenderRefund("T2", "store_credit", null, 10m)], 0m, "return R2", [], At));
        Assert.Empty(Payments(OrderOf("app"), toCashAndCredit));

        Assert.Equal([("5002", 24m)], Payments(OrderOf("web"), Capture("card", "shopify:5002", 24m)));
    }

    [Fact]
    public void GivenAGatewaysContractedFee_ThenACaptureExpectsItAndARefundOrAnUnlistedGatewayExpectsNone()
    {
        var fees = new ExpectedProcessorFees(new Dictionary<string, ProcessorFee> { ["shopify_payments"] = ExpectedProcessorFees.Parse("2.9% + 0.30") });
        var order = OrderOf("web");
        PaymentTransaction Tx(string id, PaymentKind kind, decimal amount) => new(id, "P1", kind, amount, At);
        decimal? FeeOf(string gateway, PaymentTransaction tx) => Assert.Single(CapturedPaymentSubscriber.PaymentsFor(new OrderEventMessage(order.OrderId, 1, "PaymentRecorded",
            new OrderEvent.PaymentRecorded(At, new Tender("P1", "card", gateway, null, null, null), tx), order), fees)).Fee;

        Assert.Equal(3.23m, FeeOf("shopify_payments", Tx("shopify:1", PaymentKind.Capture, 101m)));
        Assert.Equal(1.84m, FeeOf("Shopify_Payments", Tx("shopify:2", PaymentKind.Capture, 53m)));
        Assert.Null(FeeOf("shopify_payments", Tx("shopify:3", PaymentKind.Refund, 53m)));
        Assert.Null(FeeOf("paypal", Tx("pp-4", PaymentKind.Capture, 53m)));
        Assert.Equal(new ProcessorFee(0m, 0.25m), ExpectedProcessorFees.Parse("0.25"));
        Assert.Throws<FormatException>(() => ExpectedProcessorFees.Parse("two percent"));
    }
}

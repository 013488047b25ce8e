using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Pipeline.Customers;

namespace RetailFunctions.Pipeline.Tests;

public sealed class CustomerActivitiesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly ShopifyDelivery Delivery = new("demo.myshopify.com", "orders/create", "w-1", "e-1", At, "2026-10");

    private static OrderLineSnapshot Line(string id, decimal quantity, decimal price, decimal discount = 0m, decimal tax = 0m, bool giftCard = false) =>
        new(id, null, null, null, "item", quantity, price, discount, tax == 0m ? [] : [new TaxLine("VAT", 0.2m, tax)], true, giftCard, null);

    private static OrderSnapshot Order(bool taxesIncluded, params OrderLineSnapshot[] lines) => new(
        Channels.Web, "450789469", "#1001", "1001", "EUR", At, At, null, null, "paid", null, null,
        new ChannelCustomerRef("207119551", "Jane@Example.com", null, "Jane", "Doe"), lines, [new ShippingLineSnapshot("post", 5m, [])], [], [],
        0m, 0m, 0m, 0m, taxesIncluded, null);

    [Fact]
    public void GivenAWebOrder_WhenMapped_ThenNetIsLinesLessDiscountsWithoutTaxShippingOrGiftCards()
    {
        var activity = CustomerActivities.FromShopifyOrder(Delivery, Order(taxesIncluded: true,
            Line("1", 2m, 30m, discount: 6m, tax: 9m), Line("2", 1m, 50m, giftCard: true)), At);
        Assert.Equal(new Money(45m, "EUR"), activity.Net);
        Assert.Equal(("shopify:demo.myshopify.com:450789469", "shopify:demo.myshopify.com:450789469:purchase"), (activity.OrderId, activity.IdempotencyKey));
        Assert.Equal(("shopify", "207119551", "Jane@Example.com"), (activity.Customer.Channel, activity.Customer.ChannelCustomerId, activity.Customer.Email));
        Assert.Equal(54m, CustomerActivities.FromShopifyOrder(Delivery, Order(taxesIncluded: false, Line("1", 2m, 30m, discount: 6m, tax: 9m)), At).Net.Amount);
    }

    [Fact]
    public void GivenARefund_WhenMapped_ThenAReturnOfItsLinesNetAgainstTheOrder()
    {
        var refund = new RefundSnapshot("509562969", "450789469", At, null, true,
            [new RefundLineSnapshot("r1", "1", null, null, 1m, "return", null, 12m, 2.4m)], [new PaymentSnapshot("t", "refund", "success", 14.4m, "EUR", null, null, At)]);
        var activity = CustomerActivities.FromShopifyRefund(Delivery, refund, "USD", At);
        Assert.Equal((ActivityKind.Return, "shopify:demo.myshopify.com:450789469"), (activity.Kind, activity.OriginalOrderId));
        Assert.Equal(new Money(12m, "EUR"), activity.Net);
        Assert.Null(activity.Problem());
    }

    [Fact]
    public void GivenATillTransactionWithSalesAndAReturn_WhenMapped_ThenAPurchaseAndAReturnAgainstTheOriginalReceipt()
    {
        var receipt = new ReceiptKey("9", "1", new DateOnly(2026, 11, 20), "42");
        var original = new ReceiptKey("9", "2", new DateOnly(2026, 11, 18), "7");
        PosLine Pos(int n, PosLineKind kind, decimal amount, bool voided = false, ReceiptKey? from = null) =>
            new(n, kind, "item", null, null, 1m, null, amount, amount, 1m, 0m, voided, from);
        var transaction = new PosTransaction(receipt, PosTransactionKind.Sale, At, "op", "EUR",
            [Pos(1, PosLineKind.Sale, 20m), Pos(2, PosLineKind.Sale, 99m, voided: true), Pos(3, PosLineKind.Return, -10m, from: original)],
            [], [], [], "L-1", null, "07700 900123", [], 9m, false);
        var activities = CustomerActivities.FromPosTransaction(transaction, "STORE-9", At);
        Assert.Equal(2, activities.Count);
        Assert.Equal((ActivityKind.Purchase, 19m, "pos:9-1-20261120-42"), (activities[0].Kind, activities[0].Net.Amount, activities[0].OrderId));
        Assert.Equal((ActivityKind.Return, 11m, "pos:9-2-20261118-7"), (activities[1].Kind, activities[1].Net.Amount, activities[1].OriginalOrderId));
        Assert.Equal(("L-1", "07700 900123", "STORE-9"), (activities[0].Customer.LoyaltyId, activities[0].Customer.Phone, activities[0].Customer.Store));
    }
}

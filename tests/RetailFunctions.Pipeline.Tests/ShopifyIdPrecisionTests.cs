using System.Diagnostics.Metrics;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Shopify;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Ids that went through a JavaScript number upstream: beyond 2^53 the number is rounded to an even neighbour while the
/// admin_graphql_api_id string keeps every digit. The gid wins, each mismatch is counted, and the payload is processed.
/// </summary>
public sealed class ShopifyIdPrecisionTests
{
    private static ShopifyDelivery Delivery(string topic) =>
        new("retail.myshopify.com", topic, "0f0c5f5e-1b1d-4c3a-9f3e-3f9a3c4d5e6f", null, DateTimeOffset.Parse("2026-11-20T10:00:00Z"), "2025-10");

    // 9007199254740993 = 2^53 + 1 becomes 9007199254740992 through a double; 9007199254740995 becomes ...996.
    private const string RoundedOrder = """
        {"id":9007199254740992,"admin_graphql_api_id":"gid://shopify/Order/9007199254740993","currency":"USD","total_price":"10.00",
         "customer":{"id":9007199254740996,"admin_graphql_api_id":"gid://shopify/Customer/9007199254740995","email":"a@b.c"},
         "line_items":[{"id":9007199254741000,"admin_graphql_api_id":"gid://shopify/LineItem/9007199254740999","variant_id":7,
                        "quantity":1,"price":"10.00","sku":"A"}],
         "transactions":[{"id":9007199254741004,"admin_graphql_api_id":"gid://shopify/OrderTransaction/9007199254741003",
                          "kind":"sale","status":"success","amount":"10.00"}]}
        """;

    private const string RoundedRefund = """
        {"id":9007199254741008,"admin_graphql_api_id":"gid://shopify/Refund/9007199254741007","order_id":450789469,
         "refund_line_items":[{"id":1,"line_item_id":9007199254741000,"quantity":1,"subtotal":"10.00","total_tax":"0.00",
           "line_item":{"id":9007199254741000,"admin_graphql_api_id":"gid://shopify/LineItem/9007199254740999","price":"10.00","quantity":1}}],
         "transactions":[{"id":9007199254741012,"admin_graphql_api_id":"gid://shopify/OrderTransaction/9007199254741011",
                          "kind":"refund","status":"success","amount":"10.00","currency":"USD"}]}
        """;

    private static (T Mapped, long Mismatches) MapCounting<T>(string topic, string body) where T : ShopifyEvent
    {
        long count = 0;
        var counter = PipelineTelemetry.ShopifyIdMismatches;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, counter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref count, value));
        listener.Start();
        var mapped = Assert.IsType<T>(ShopifyMapper.Map(Delivery(topic), System.Text.Encoding.UTF8.GetBytes(body)));
        return (mapped, Interlocked.Read(ref count));
    }

    [Fact]
    public void GivenAnOrderWhoseNumericIdsWereRounded_WhenMapped_ThenEveryIdIsTheGidsAndEachMismatchIsCounted()
    {
        var (created, mismatches) = MapCounting<ShopifyEvent.OrderCreated>("orders/create", RoundedOrder);

        var order = created.Order;
        Assert.Equal("9007199254740993", order.ChannelOrderId);
        Assert.Equal("9007199254740995", order.Customer!.ChannelCustomerId);
        Assert.Equal("9007199254740999", Assert.Single(order.Lines).ChannelLineId);
        Assert.Equal("9007199254741003", Assert.Single(order.Payments).ChannelTransactionId);
        Assert.Equal(4, mismatches);
    }

    [Fact]
    public void GivenARefundWhoseNumericIdsWereRounded_WhenMapped_ThenTheRefundAndItsLineFollowTheGids()
    {
        var (created, mismatches) = MapCounting<ShopifyEvent.RefundCreated>("refunds/create", RoundedRefund);

        var refund = created.Refund;
        Assert.Equal("9007199254741007", refund.ChannelRefundId);
        Assert.Equal("9007199254740999", Assert.Single(refund.Lines).ChannelLineId);
        Assert.Equal("9007199254741011", Assert.Single(refund.Transactions).ChannelTransactionId);
        // The refund, the transaction, and the refunded line twice: its line_item_id and the embedded line item's id.
        Assert.Equal(4, mismatches);
    }

    [Fact]
    public void GivenIdsThatAgreeWithTheirGids_WhenMapped_ThenNothingIsCounted()
    {
        var (created, mismatches) = MapCounting<ShopifyEvent.OrderCreated>("orders/create",
            """{"id":450789469,"admin_graphql_api_id":"gid://shopify/Order/450789469","currency":"USD","line_items":[]}""");
        Assert.Equal("450789469", created.Order.ChannelOrderId);
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void GivenAGidThatDoesNotEndInANumber_WhenMapped_ThenTheFieldIsNamed()
    {
        var ex = Assert.Throws<PayloadException>(() => ShopifyMapper.Map(Delivery("orders/create"),
            """{"id":1,"admin_graphql_api_id":"gid://shopify/Order/","currency":"USD"}"""u8));
        Assert.Equal("admin_graphql_api_id", ex.Field);
    }
}

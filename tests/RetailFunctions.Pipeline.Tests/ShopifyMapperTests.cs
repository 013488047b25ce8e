using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Shopify;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

public sealed class ShopifyMapperTests
{
    private static ShopifyDelivery Delivery(string topic) =>
        new("retail.myshopify.com", topic, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "evt-1", DateTimeOffset.Parse("2026-11-20T10:00:00Z"), "2025-10");

    /// <summary>The REST fixtures wrap the resource ({"order": {...}}); a webhook body is the inner object.</summary>
    private static byte[] Unwrapped(string fixture, string wrapper)
    {
        var node = JsonNode.Parse(File.ReadAllBytes(SharedFixtures.PathOf($"shopify/rest/{fixture}")))!;
        return Encoding.UTF8.GetBytes(node[wrapper]!.ToJsonString());
    }

    private static T Map<T>(string topic, byte[] body) where T : ShopifyEvent =>
        Assert.IsType<T>(ShopifyMapper.Map(Delivery(topic), body));

    [SharedFixtureTheory]
    [InlineData("orders/create", typeof(ShopifyEvent.OrderCreated))]
    [InlineData("orders/updated", typeof(ShopifyEvent.OrderUpdated))]
    [InlineData("orders/paid", typeof(ShopifyEvent.OrderPaid))]
    [InlineData("orders/cancelled", typeof(ShopifyEvent.OrderCancelled))]
    [InlineData("orders/fulfilled", typeof(ShopifyEvent.OrderFulfilled))]
    [InlineData("ORDERS/CREATE", typeof(ShopifyEvent.OrderCreated))]
    public void OrderTopics_MapToTheirEvent(string topic, Type expected)
    {
        var mapped = ShopifyMapper.Map(Delivery(topic), Unwrapped("order.json", "order"));
        Assert.IsType(expected, mapped);
        Assert.Equal(topic, mapped.Delivery.Topic);
    }

    [SharedFixtureFact]
    public void OrderFixture_MapsExactly()
    {
        var order = Map<ShopifyEvent.OrderCreated>("orders/create", Unwrapped("order.json", "order")).Order;

        Assert.Equal(Channels.Web, order.Channel);
        Assert.Equal(("450789469", "#1001", "1001", "USD"), (order.ChannelOrderId, order.OrderName, order.OrderNumber, order.Currency));
        Assert.Equal(DateTimeOffset.Parse("2008-01-10T11:00:00-05:00"), order.CreatedAt);
        Assert.Null(order.CancelledAt);
        Assert.Equal("authorized", order.FinancialStatus);
        Assert.Null(order.FulfillmentStatus);
        Assert.Null(order.ChannelLocationId);
        Assert.Equal(new ChannelCustomerRef("207119551", "bob.norman@hostmail.com", null, "Bob", "Norman"), order.Customer);

        Assert.Equal(["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"], order.Lines.Select(l => l.Sku));
        Assert.Equal(["466157049", "518995019", "703073504"], order.Lines.Select(l => l.ChannelLineId));
        Assert.Equal(["39072856", "49148385", "457924702"], order.Lines.Select(l => l.VariantId));
        Assert.All(order.Lines, l => Assert.Equal(("632910392", 1m, 199.00m, 0m, true, false), (l.ProductId, l.Quantity, l.UnitPrice, l.TotalDiscount, l.RequiresShipping, l.IsGiftCard)));
        // The fixture's totals deliberately disagree with its lines (3 x 199.00 vs 398.00): mapped as sent.
        Assert.Equal(597.00m, order.Lines.Sum(l => l.Quantity * l.UnitPrice));
        Assert.Equal((398.00m, 0.00m, 11.94m, 409.94m, false), (order.SubtotalPrice, order.TotalDiscounts, order.TotalTax, order.TotalPrice, order.TaxesIncluded));
        Assert.Equal(["TENOFF"], order.DiscountCodes);
        var shipping = Assert.Single(order.ShippingLines);
        Assert.Equal(("Free Shipping", 0.00m), (shipping.Title, shipping.Price));
        Assert.Empty(order.Payments);
        Assert.Null(order.Note);
    }

    [SharedFixtureFact]
    public void CancelledOrderWithTransactions_MapsPaymentsWithLast4Only()
    {
        var order = Map<ShopifyEvent.OrderCancelled>("orders/cancelled", Unwrapped("order_with_transaction.compact.json", "order")).Order;

        Assert.Equal(("123456", "1234", "#9999"), (order.ChannelOrderId, order.OrderNumber, order.OrderName));
        Assert.Equal(DateTimeOffset.Parse("2016-05-17T04:14:36-04:00"), order.CancelledAt);
        Assert.Equal(("customer", "voided", "pending"), (order.CancelReason, order.FinancialStatus, order.FulfillmentStatus));
        Assert.Equal(new ChannelCustomerRef(null, "john@test.com", null, "John", "Smith"), order.Customer);
        Assert.Equal(0m, order.TotalTax);
        Assert.Equal((10.00m, 5.00m), (order.TotalPrice, order.TotalDiscounts));
        Assert.Equal([("254721536", null, "111475476", 0.00m, 0.00m), ("5", null, "5410685889", 5.00m, 5.00m)],
            order.Lines.Select(l => (l.ChannelLineId, l.Sku, l.ProductId, l.UnitPrice, l.TotalDiscount)));
        Assert.All(order.Lines, l => Assert.Null(l.VariantId));
        Assert.Equal(("Generic Shipping", 10.00m), (order.ShippingLines[0].Title, order.ShippingLines[0].Price));

        var payment = Assert.Single(order.Payments);
        Assert.Equal(
            new PaymentSnapshot("1", "sale", "success", 79.60m, "AUD", "mygateway", "1234", DateTimeOffset.Parse("2017-10-09T19:26:23+00:00")),
            payment);
    }

    [SharedFixtureFact]
    public void LineItemWithNumericMoney_ParsesNumbersAndStringsAlike()
    {
        var line = JsonNode.Parse(File.ReadAllBytes(SharedFixtures.PathOf("shopify/rest/line_item_edge_types.json")))!;
        var body = new JsonObject { ["id"] = 1, ["currency"] = "EUR", ["line_items"] = new JsonArray(line) };
        var order = Map<ShopifyEvent.OrderUpdated>("orders/updated", Encoding.UTF8.GetBytes(body.ToJsonString())).Order;

        var mapped = Assert.Single(order.Lines);
        Assert.Equal(("254721536", "1234", "111475476", "sku-123", "Soda Title"), (mapped.ChannelLineId, mapped.VariantId, mapped.ProductId, mapped.Sku, mapped.Title));
        // The line's discount_allocations (5.5) are the discount; the deprecated total_discount beside them (1.23) is not.
        Assert.Equal((1m, 12.34m, 5.5m, true, true, "partial"), (mapped.Quantity, mapped.UnitPrice, mapped.TotalDiscount, mapped.RequiresShipping, mapped.IsGiftCard, mapped.FulfillmentStatus));
        Assert.Equal([new TaxLine("State tax", 0.06m, 13.50m), new TaxLine("Federal tax", 0.05m, 12.50m)], mapped.TaxLines);
    }

    [SharedFixtureFact]
    public void RefundFixture_MapsLinesRestockAndTransactions()
    {
        var refund = Map<ShopifyEvent.RefundCreated>("refunds/create", Unwrapped("refund.json", "refund")).Refund;

        Assert.Equal(("509562969", "450789469", "it broke during shipping", true), (refund.ChannelRefundId, refund.ChannelOrderId, refund.Note, refund.Restock));
        Assert.Equal(DateTimeOffset.Parse("2016-06-20T13:35:06-04:00"), refund.CreatedAt);
        Assert.Equal(
            [
                new RefundLineSnapshot("104689539", "703073504", "457924702", "IPOD2008BLACK", 1m, "legacy_restock", null, 199.00m, 3.98m),
                new RefundLineSnapshot("709875399", "466157049", "39072856", "IPOD2008GREEN", 1m, "legacy_restock", null, 199.00m, 3.98m),
            ],
            refund.Lines);
        Assert.Equal(
            new PaymentSnapshot("179259969", "refund", "success", 209.00m, "USD", "bogus", null, DateTimeOffset.Parse("2005-08-05T12:59:12-04:00")),
            Assert.Single(refund.Transactions));
    }

    [SharedFixtureFact]
    public void RefundCalculation_IsNotAWebhookBody_AndIsRejectedNamingTheMissingId()
    {
        // /refunds/calculate returns a suggestion with no id; refunds/create always carries one.
        var ex = Assert.Throws<PayloadException>(() => ShopifyMapper.Map(Delivery("refunds/create"), Unwrapped("refund_calculate.json", "refund")));
        Assert.Equal("id", ex.Field);
        Assert.Equal("missing", ex.Reason);
    }

    [SharedFixtureFact]
    public void FulfillmentFixture_MapsTrackingAndLines()
    {
        var fulfillment = Map<ShopifyEvent.FulfillmentCreated>("fulfillments/create", Unwrapped("fulfillment.json", "fulfillment")).Fulfillment;

        Assert.Equal(("255858046", "450789469", "pending", "null-company"), (fulfillment.ChannelFulfillmentId, fulfillment.ChannelOrderId, fulfillment.Status, fulfillment.TrackingCompany));
        Assert.Equal(["1Z2345"], fulfillment.TrackingNumbers);
        Assert.Null(fulfillment.ChannelLocationId);
        Assert.Equal(DateTimeOffset.Parse("2013-11-01T16:06:08-04:00"), fulfillment.CreatedAt);
        Assert.Equal(new FulfillmentLineSnapshot("466157049", "39072856", "IPOD2008GREEN", 1m), Assert.Single(fulfillment.Lines));
    }

    [SharedFixtureTheory]
    [InlineData("products/create")]
    [InlineData("products/update")]
    public void ProductFixture_MapsVariantsAndSkus(string topic)
    {
        var product = Map<ShopifyEvent.ProductUpserted>(topic, Unwrapped("product.json", "product")).Product;

        Assert.Equal(("632910392", "IPod Nano - 8GB", "Apple", "Cult Products"), (product.ChannelProductId, product.Title, product.Vendor, product.ProductType));
        Assert.Equal(
            [("808950810", "IPOD2008PINK", "Pink"), ("49148385", "IPOD2008RED", "Red"), ("39072856", "IPOD2008GREEN", "Green"), ("457924702", "IPOD2008BLACK", "Black")],
            product.Variants.Select(v => (v.VariantId, v.Sku, v.Option1)));
        Assert.All(product.Variants, v =>
        {
            Assert.Equal(199.00m, v.Price);
            Assert.Null(v.Barcode);
            Assert.Null(v.InventoryItemId);
            Assert.Null(v.Option2);
        });
    }

    [Fact]
    public void BigIds_StayExactBeyondDoublePrecision()
    {
        var order = Map<ShopifyEvent.OrderPaid>("orders/paid", Samples.Bytes("shopify_order_big_ids.json")).Order;

        Assert.Equal("9007199254740993", order.ChannelOrderId);
        Assert.NotEqual(((double)9007199254740993L).ToString("R"), order.ChannelOrderId);
        Assert.Equal("20001", order.OrderNumber);
        Assert.Equal("18446744073709551615", order.ChannelLocationId);
        Assert.Equal(new ChannelCustomerRef("9007199254740999", "ana@example.com", "+34600000000", "Ana", "Lopez"), order.Customer);
        var line = Assert.Single(order.Lines);
        Assert.Equal(("9223372036854775807", "4111111111111111", "9007199254740995"), (line.ChannelLineId, line.VariantId, line.ProductId));
        Assert.Equal((2m, 19.99m, 2.00m), (line.Quantity, line.UnitPrice, line.TotalDiscount));
        Assert.Equal(new TaxLine("VAT", 0.21m, 6.94m), Assert.Single(line.TaxLines));
        var payment = Assert.Single(order.Payments);
        Assert.Equal(("9007199254740997", "EUR", "4242", 46.92m), (payment.ChannelTransactionId, payment.Currency, payment.CardLast4, payment.Amount));
        Assert.Equal((39.98m, 6.94m, 46.92m, true), (order.SubtotalPrice, order.TotalTax, order.TotalPrice, order.TaxesIncluded));
    }

    [Fact]
    public void PanInOrderNote_IsMaskedEvenIfTheEdgeWasBypassed() =>
        Assert.Equal(
            "Gift. Card for the deposit: ************1111",
            Map<ShopifyEvent.OrderCreated>("orders/create", Samples.Bytes("shopify_order_big_ids.json")).Order.Note);

    [Fact]
    public void GraphqlIdAlone_SuppliesTheId()
    {
        var customer = Map<ShopifyEvent.CustomerUpserted>("customers/create",
            """{"admin_graphql_api_id":"gid://shopify/Customer/9007199254740993","email":"a@b.c"}"""u8.ToArray()).Customer;
        Assert.Equal("9007199254740993", customer.ChannelCustomerId);
    }

    [Theory]
    [InlineData("""{"currency":"USD","line_items":[]}""", "id", "missing")]
    [InlineData("""{"id":1,"line_items":[]}""", "currency", "missing")]
    [InlineData("""{"id":1,"currency":"USD","line_items":[{"id":1,"quantity":1,"price":"1.00"},{"id":2,"quantity":1,"price":"1.00"},{"id":3,"price":"1.00"}]}""", "line_items[2].quantity", "missing")]
    [InlineData("""{"id":1,"currency":"USD","line_items":[{"id":1,"quantity":1,"price":"abc"}]}""", "line_items[0].price", "expected a decimal number, found a string")]
    [InlineData("""{"id":1.5,"currency":"USD"}""", "id", "expected an integer id, found the number 1.5")]
    [InlineData("""{"id":1,"currency":"USD","line_items":{}}""", "line_items", "expected an array, found an object")]
    [InlineData("""{"id":1,"currency":"USD","created_at":"yesterday"}""", "created_at", "'yesterday' is not an ISO 8601 timestamp")]
    public void InvalidOrders_NameTheJsonPath(string json, string field, string reason)
    {
        var ex = Assert.Throws<PayloadException>(() => ShopifyMapper.Map(Delivery("orders/create"), Encoding.UTF8.GetBytes(json)));
        Assert.Equal(field, ex.Field);
        Assert.Equal(reason, ex.Reason);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("\"order\"")]
    public void BodyNotAJsonObject_IsRejected(string body)
    {
        var ex = Assert.Throws<PayloadException>(() => ShopifyMapper.Map(Delivery("orders/create"), Encoding.UTF8.GetBytes(body)));
        Assert.Equal("$", ex.Field);
    }

    [Fact]
    public void UnknownTopic_IsUnhandledWithoutReadingTheBody()
    {
        var delivery = Delivery("app/uninstalled");
        Assert.Equal(new ShopifyEvent.Unhandled(delivery), ShopifyMapper.Map(delivery, "not even json"u8));
    }

    [Fact]
    public void InventoryLevelUpdate_KeepsNullAvailable()
    {
        var observed = Map<ShopifyEvent.InventoryLevelObserved>("inventory_levels/update",
            """{"inventory_item_id":9007199254740993,"location_id":655441491,"available":null,"updated_at":"2026-11-20T10:00:00-05:00","admin_graphql_api_id":"gid://shopify/InventoryLevel/655441491?inventory_item_id=9007199254740993"}"""u8.ToArray());
        Assert.Equal(("9007199254740993", "655441491", (decimal?)null), (observed.InventoryItemId, observed.ChannelLocationId, observed.Available));
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:00:00-05:00"), observed.UpdatedAt);

        var counted = Map<ShopifyEvent.InventoryLevelObserved>("inventory_levels/update",
            """{"inventory_item_id":1,"location_id":2,"available":-3}"""u8.ToArray());
        Assert.Equal(-3m, counted.Available);
    }

    [Fact]
    public void ProductVariant_MapsInventoryItemBarcodeAndWeight()
    {
        var product = Map<ShopifyEvent.ProductUpserted>("products/update",
            """{"id":7,"title":"Shirt","variants":[{"id":9007199254740993,"inventory_item_id":9007199254740995,"sku":"BLU-SHIRT-M","barcode":"0012345678905","title":"M","price":"24.99","weight":0.25,"weight_unit":"kg","option1":"M"}]}"""u8.ToArray()).Product;
        Assert.Equal(
            new ProductVariantSnapshot("9007199254740993", "9007199254740995", "BLU-SHIRT-M", "0012345678905", "M", 24.99m, "kg", 0.25m, "M", null, null),
            Assert.Single(product.Variants));
    }

    [Theory]
    [InlineData("""{"id":5,"email":"a@b.c","email_marketing_consent":{"state":"subscribed"},"sms_marketing_consent":{"state":"not_subscribed"},"accepts_marketing":false}""", true, false)]
    [InlineData("""{"id":5,"email":"a@b.c","accepts_marketing":true}""", true, null)]
    [InlineData("""{"id":5,"email":"a@b.c","email_marketing_consent":{"state":"unsubscribed"},"accepts_marketing":true}""", false, null)]
    [InlineData("""{"id":5,"email":"a@b.c"}""", null, null)]
    public void CustomerConsent_PrefersTheConsentObjects(string json, bool? email, bool? sms)
    {
        var customer = Map<ShopifyEvent.CustomerUpserted>("customers/update", Encoding.UTF8.GetBytes(json)).Customer;
        Assert.Equal(("5", "a@b.c"), (customer.ChannelCustomerId, customer.Email));
        Assert.Equal((email, sms), (customer.AcceptsEmailMarketing, customer.AcceptsSmsMarketing));
    }

    [Fact]
    public void RefundWithRestockTypeAndLocation_UsesThem()
    {
        var refund = Map<ShopifyEvent.RefundCreated>("refunds/create",
            """{"id":1,"order_id":2,"refund_line_items":[{"id":3,"line_item_id":4,"quantity":1,"restock_type":"return","location_id":9007199254740993,"subtotal":"10.00","total_tax":0.80,"line_item":{"id":4,"variant_id":5,"sku":"A","price":"12.00","quantity":3}}],"transactions":[{"id":6,"kind":"refund","status":"success","amount":"10.80","currency":"USD"}]}"""u8.ToArray()).Refund;
        Assert.Equal(new RefundLineSnapshot("3", "4", "5", "A", 1m, "return", "9007199254740993", 10.00m, 0.80m), Assert.Single(refund.Lines));
        Assert.False(refund.Restock);
    }

    [Fact]
    public void PartialRefundWithoutTotals_ProratesTheLineTax()
    {
        var refund = Map<ShopifyEvent.RefundCreated>("refunds/create",
            """{"id":1,"order_id":2,"restock":false,"refund_line_items":[{"id":3,"line_item_id":4,"quantity":1,"line_item":{"id":4,"price":"12.00","quantity":3,"tax_lines":[{"title":"T","rate":0.1,"price":"3.60"}]}}]}"""u8.ToArray()).Refund;
        var line = Assert.Single(refund.Lines);
        Assert.Equal(("no_restock", 12.00m, 1.20m), (line.RestockType, line.Subtotal, line.TotalTax));
    }
}

using System.Text;
using System.Text.Json;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Pipeline.Privacy;
using RetailFunctions.Pipeline.Shopify;

namespace RetailFunctions.Pipeline.Tests;

public sealed class PersonalDataRedactorTests
{
    private const string Shop = "demo.myshopify.com";

    private static readonly ErasureTarget Jane = ErasureTarget.For(Shop, false,
        [new(ContactKind.Email, "jane.roe@example.com"), new(ContactKind.Phone, "+447700900123"), new(ContactKind.ChannelId, "shopify:207119551"),
         new(ContactKind.LoyaltyId, "LOY-0042")],
        ["web-demo-450789469", "450789469"], ["Jane", "Roe", "Al"], ["GB"]);

    private static string ShopifyOrder(long customerId, string email) => $$"""
        {"id": 450789469, "name": "#1001", "email": "{{email}}", "phone": "+44 7700 900123", "currency": "EUR", "total_price": "30.00",
         "note": "ring twice", "browser_ip": "203.0.113.7",
         "customer": {"id": {{customerId}}, "email": "{{email}}", "first_name": "Jane", "last_name": "Roe"},
         "shipping_address": {"first_name": "Jane", "last_name": "Roe", "address1": "1 Privet Lane", "city": "Leeds", "zip": "LS1 1AA"},
         "billing_address": {"address1": "1 Privet Lane"},
         "line_items": [{"id": 1, "variant_id": 9, "sku": "MUG", "title": "Mug", "name": "Mug - Blue", "quantity": 1, "price": "25.00",
                         "total_discount": "0.00", "gift_card": false, "tax_lines": []}]}
        """;

    [Fact]
    public void GivenTheShoppersWebOrder_WhenRedacted_ThenEveryPersonalFieldIsNullAndTheMoneyAndLinesStayAndItStillMaps()
    {
        var redacted = PersonalDataRedactor.Redact(ShopifyOrder(207119551, "Jane.Roe@Example.com"), Jane, topic: "orders/create");

        Assert.NotNull(redacted);
        foreach (var personal in new[] { "jane", "Roe", "Privet", "Leeds", "LS1", "7700", "ring twice", "203.0.113" })
            Assert.DoesNotContain(personal, redacted, StringComparison.OrdinalIgnoreCase);
        var root = JsonDocument.Parse(redacted).RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("customer").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("shipping_address").ValueKind);
        Assert.Equal(("30.00", "#1001", "Mug - Blue"), (root.GetProperty("total_price").GetString(), root.GetProperty("name").GetString(),
            root.GetProperty("line_items")[0].GetProperty("name").GetString()));
        var delivery = new ShopifyDelivery(Shop, "orders/create", "w1", null, null, null);
        var order = Assert.IsType<ShopifyEvent.OrderCreated>(ShopifyMapper.Map(delivery, Encoding.UTF8.GetBytes(redacted))).Order;
        Assert.Null(order.Customer);
        Assert.Equal(25m, order.Lines.Single().UnitPrice);
    }

    [Fact]
    public void GivenAnotherShoppersOrder_WhenRedacted_ThenNothingChanges() =>
        Assert.Null(PersonalDataRedactor.Redact(ShopifyOrder(1, "someone.else@example.com").Replace("450789469", "450789470")
            .Replace("+44 7700 900123", "+44 7700 900999"), Jane));

    [Fact]
    public void GivenATillBatch_WhenRedacted_ThenOnlyTheShoppersTransactionLosesItsContactsAndTheOtherKeepsTheirs()
    {
        const string batch = """
            {"storeId": "9", "transactions": [
              {"sequenceNumber": "1", "customerPhone": "07700 900123", "loyaltyId": "LOY-0042", "lines": [{"itemId": "a", "extendedAmount": 5}]},
              {"sequenceNumber": "2", "customerPhone": "07700 900555", "customerEmail": "other@example.com", "lines": []}]}
            """;
        var root = JsonDocument.Parse(PersonalDataRedactor.Redact(batch, Jane)!).RootElement.GetProperty("transactions");

        Assert.Equal(JsonValueKind.Null, root[0].GetProperty("customerPhone").ValueKind);
        Assert.Equal(JsonValueKind.Null, root[0].GetProperty("loyaltyId").ValueKind);
        Assert.Equal(5, root[0].GetProperty("lines")[0].GetProperty("extendedAmount").GetInt32());
        Assert.Equal(("07700 900555", "other@example.com"), (root[1].GetProperty("customerPhone").GetString(), root[1].GetProperty("customerEmail").GetString()));
    }

    [Fact]
    public void GivenAnEnvelopeWhosePayloadIsJsonText_WhenRedacted_ThenThePayloadIsRedactedAsADocumentAndStaysText()
    {
        var envelope = JsonSerializer.Serialize(new { id = "m1", keys = new { shop = Shop }, payload = ShopifyOrder(207119551, "jane.roe@example.com") });

        var payload = JsonDocument.Parse(PersonalDataRedactor.Redact(envelope, Jane)!).RootElement.GetProperty("payload").GetString()!;

        Assert.DoesNotContain("Privet", payload);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(payload).RootElement.GetProperty("email").ValueKind);
    }

    [Fact]
    public void GivenFreeText_WhenRedacted_ThenContactsInAnyWritingAreMaskedAndNamesOnlyBesideThem()
    {
        const string xml = "<Customer><Name>Jane Roe</Name><Phone>+44 (0)7700 900123</Phone><Email>JANE.ROE@example.com</Email></Customer>";
        Assert.Equal("<Customer><Name>[redacted] [redacted]</Name><Phone>[redacted]</Phone><Email>[redacted]</Email></Customer>",
            PersonalDataRedactor.Redact(xml, Jane));
        // A namesake with none of her identifiers keeps their name; short names are never searched for ("Al" in "Alder").
        Assert.Null(PersonalDataRedactor.Redact("<Customer><Name>Jane Roe</Name><Phone>+44 7700 900999</Phone></Customer>", Jane));
        Assert.DoesNotContain("[redacted]der", PersonalDataRedactor.Redact("Alder Rd, 07700900123", Jane));
    }

    [Fact]
    public void GivenAShopRedaction_WhenTheWholeDocumentIsCovered_ThenEveryonesPersonalFieldsGo()
    {
        var nobody = ErasureTarget.For(Shop, true, [], [], [], ["GB"]);
        var redacted = PersonalDataRedactor.Redact(ShopifyOrder(1, "someone.else@example.com"), nobody, wholeDocument: true)!;

        Assert.DoesNotContain("someone.else", redacted);
        Assert.DoesNotContain("Privet", redacted);
        Assert.Contains("Mug - Blue", redacted);
        Assert.Null(PersonalDataRedactor.Redact(ShopifyOrder(1, "someone.else@example.com"), nobody));
    }

    [Fact]
    public void GivenAShopRedaction_ThenItCoversTheShopsDeliveriesAndWebOrdersButNotAnotherShopsOrTheTills()
    {
        var shop = ErasureTarget.For(Shop, true, [], [], [], ["GB"]);
        StoredCopy Copy(CopyKind kind, string location, string? from = null) => new(kind, location, "{}", from, null, "v1");

        Assert.True(shop.CoversWhole(Copy(CopyKind.RawArchive, "raw-archive/shopify/demo.myshopify.com/2026/11/20/w1.json", Shop)));
        Assert.True(shop.CoversWhole(Copy(CopyKind.Order, "Orders/web-demo-450789469/order")));
        Assert.False(shop.CoversWhole(Copy(CopyKind.Order, "Orders/web-other-450789469/order")));
        Assert.False(shop.CoversWhole(Copy(CopyKind.Order, "Orders/pos-9-1-20261123-1/order")));
        Assert.False(shop.CoversWhole(Copy(CopyKind.QueueMessage, "shopify-webhooks/m1", "other.myshopify.com")));
        Assert.False(Jane.CoversWhole(Copy(CopyKind.Order, "Orders/web-demo-450789469/order")));
    }

    [Fact]
    public void GivenTheDocumentedDataRequestAndShopRedactPayloads_WhenParsed_ThenEveryFieldIsReadAsText()
    {
        var request = ShopifyDataRequest.Parse(Encoding.UTF8.GetBytes("""
            {"shop_id": 954889, "shop_domain": "{shop}.myshopify.com", "orders_requested": [299938, 280263],
             "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"}, "data_request": {"id": 9999}}
            """));
        Assert.Equal(("{shop}.myshopify.com", "9999", "191167", "john@example.com"), (request.ShopDomain, request.RequestId, request.CustomerId, request.Email));
        Assert.Equal(["299938", "280263"], request.OrdersRequested);
        Assert.Equal("{shop}.myshopify.com", ShopifyShopRedact.Parse(Encoding.UTF8.GetBytes("""{"shop_id": 954889, "shop_domain": "{shop}.myshopify.com"}""")).ShopDomain);
    }

    [Theory]
    [InlineData("""{"shop_domain": "s", "customer": {"id": 1}}""", "data_request")]
    [InlineData("""{"shop_domain": "s", "customer": {"id": 1}, "data_request": {}}""", "data_request.id")]
    [InlineData("""{"shop_domain": "s", "data_request": {"id": 1}}""", "customer")]
    public void GivenADataRequestMissingAField_WhenParsed_ThenThePayloadErrorNamesIt(string json, string field) =>
        Assert.Equal(field, Assert.Throws<PayloadException>(() => ShopifyDataRequest.Parse(Encoding.UTF8.GetBytes(json))).Field);
}

using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Customers;

namespace RetailFunctions.Pipeline.Tests;

public sealed class CustomerRedactAndActivityTests
{
    private static ShopifyCustomerRedact Parse(string json) => ShopifyCustomerRedact.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void GivenTheDocumentedRedactPayload_WhenParsed_ThenIdsStayExactAndEveryFieldIsRead()
    {
        var redact = Parse("""
            {"shop_id": 954889, "shop_domain": "{shop}.myshopify.com",
             "customer": {"id": 9223372036854775807, "email": "john@example.com", "phone": "555-625-1199"},
             "orders_to_redact": [299938, 280263, 220458]}
            """);
        Assert.Equal(("954889", "{shop}.myshopify.com"), (redact.ShopId, redact.ShopDomain));
        Assert.Equal(("9223372036854775807", "john@example.com", "555-625-1199"), (redact.CustomerId, redact.Email, redact.Phone));
        Assert.Equal(["299938", "280263", "220458"], redact.OrdersToRedact);
    }

    [Theory]
    [InlineData("""{"customer": {"id": 1}}""", "shop_domain")]
    [InlineData("""{"shop_domain": "s"}""", "customer")]
    [InlineData("""{"shop_domain": "s", "customer": {"email": null}}""", "customer")]
    [InlineData("""not json""", "$")]
    [InlineData("""{"shop_domain": "s", "customer": {"id": 1}, "orders_to_redact": [{}]}""", "orders_to_redact")]
    public void GivenARedactPayloadMissingAField_WhenParsed_ThenThePayloadErrorNamesIt(string json, string field) =>
        Assert.Equal(field, Assert.Throws<PayloadException>(() => Parse(json)).Field);

    private static CustomerActivity Activity(ActivityKind kind = ActivityKind.Purchase, string key = "k", string order = "o1", decimal net = 10m, string currency = "EUR", string? original = null) =>
        new(key, kind, new CustomerReference(Email: "a@example.com"), order, Channels.Pos, "S1", new Money(net, currency), DateTimeOffset.UnixEpoch, original);

    [Fact]
    public void GivenACompleteActivity_ThenNoProblem() => Assert.Null(Activity().Problem());

    [Theory]
    [InlineData("", "o1", 10, "EUR", null, ActivityKind.Purchase, "idempotencyKey")]
    [InlineData("k", "", 10, "EUR", null, ActivityKind.Purchase, "orderId")]
    [InlineData("k", "o1", -1, "EUR", null, ActivityKind.Purchase, "net")]
    [InlineData("k", "o1", 10, "", null, ActivityKind.Purchase, "currency")]
    [InlineData("k", "o1", 10, "EUR", null, ActivityKind.Return, "originalOrderId")]
    public void GivenAnIncompleteActivity_ThenTheProblemNamesTheField(string key, string order, decimal net, string currency, string? original, ActivityKind kind, string field) =>
        Assert.Equal(field, Activity(kind, key, order, net, currency, original).Problem()!.Value.Field);

    [Fact]
    public void GivenStoreRegions_WhenAStoreHasNone_ThenTheDefaultRegionApplies()
    {
        var options = CustomerOptions.Default with { DefaultRegion = "DE", StoreRegions = new Dictionary<string, string> { ["NYC-1"] = "US" } };
        Assert.Equal(("US", "DE", "DE"), (options.RegionOf("NYC-1"), options.RegionOf("BER-1"), options.RegionOf(null)));
    }
}

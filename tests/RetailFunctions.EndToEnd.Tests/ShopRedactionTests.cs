using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>Shopify's shop/redact erases everyone the shop sent us, and only them; an operator's erasure reaches a till shopper.</summary>
public sealed class ShopRedactionTests(OrdersFixture fixture) : IClassFixture<OrdersFixture>
{
    private const string Shop = "e2e-shop.myshopify.com";
    private static readonly string[] WebShoppers =
        ["adaline.wren@example.org", "Adaline", "Wrenfield", "7 Heron Quay", "guest.blyford@example.org", "Bartholomew", "Blyford", "3 Kestrel Mews", "7700900610", "7700 900610"];
    private static readonly string[] TillShopper = ["7700 900588", "7700900588"];

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task GivenACustomerAGuestOrderAndATillShopper_WhenTheShopIsRedacted_ThenTheShopsShoppersAreGoneAndTheTillShopperStaysUntilErasedByAnOperator()
    {
        await Http.PutJson("api/catalog/locations/STORE-94", new { aliases = new[] { new { system = "pos", value = "94" } } });
        await Http.PutJson("api/catalog/skus/VASE-R", new
        {
            title = "Vase",
            aliases = new object[] { new { system = "pos", kind = "item", value = "till-vase" }, new { system = "shopify", kind = "variant", value = "880941" } },
        });
        await Http.Receive("VASE-R", "STORE-94", 5m);
        await Http.Receive("VASE-R", "WH-1", 5m);
        await Deliveries.SendAsync(Http, Shop, "customers/create", JsonSerializer.Serialize(new
        {
            id = 99201, email = "adaline.wren@example.org", phone = "+447700900610", first_name = "Adaline", last_name = "Wrenfield",
            updated_at = "2026-11-20T09:00:00Z", default_address = new { address1 = "7 Heron Quay", city = "Leeds" },
        }), "wh-shop-customer");
        var guestAddress = new { first_name = "Bartholomew", last_name = "Blyford", address1 = "3 Kestrel Mews", city = "York", zip = "YO1 7HH" };
        await Deliveries.SendAsync(Http, Shop, "orders/create", JsonSerializer.Serialize(new
        {
            id = 5557941, name = "#W57941", currency = "EUR", created_at = "2026-11-22T09:00:00Z", updated_at = "2026-11-22T09:00:00Z",
            financial_status = "paid", payment_gateway_names = new[] { "shopify_payments" }, total_price = "24.00", taxes_included = false,
            email = "guest.blyford@example.org", shipping_address = guestAddress, billing_address = guestAddress,
            line_items = new[]
            {
                new { id = 57941, variant_id = 880941, sku = "VASE-R", title = "Vase", quantity = 1, price = "20.00", total_discount = "0.00", gift_card = false,
                    tax_lines = new[] { new { title = "VAT", rate = 0.2m, price = "4.00" } } },
            },
        }), "wh-shop-order");
        const string till = """
            { "storeId": "94", "currency": "EUR", "transactions": [
              { "workstationId": "1", "sequenceNumber": "9401", "businessDay": "2026-11-23", "type": "sale", "customerPhone": "+44 7700 900588",
                "lines": [ { "itemId": "till-vase", "quantity": 1, "unitPrice": 20, "extendedAmount": 20 } ], "tenders": [ { "type": "cash", "amount": 20 } ] } ] }
            """;
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync("api/pos/transactions", new StringContent(till, Encoding.UTF8, "application/json"))).StatusCode);
        var tillShopper = await Calls.Eventually(() => Find("phone=%2B447700900588"), p => p.ValueKind == JsonValueKind.Object, "the till shopper", 60);
        await Calls.Eventually(() => Find("email=guest.blyford%40example.org"), p => p.ValueKind == JsonValueKind.Object, "the guest's profile", 60);
        await Calls.Eventually(() => Find("email=adaline.wren%40example.org"), p => p.ValueKind == JsonValueKind.Object, "the web customer", 60);
        Assert.NotEmpty(await StorageScan.FindAsync(fixture.Azurite.ConnectionString, WebShoppers));

        await Deliveries.SendAsync(Http, Shop, "shop/redact", """{"shop_id": 954889, "shop_domain": "e2e-shop.myshopify.com"}""", "wh-shop-redact");
        await Deliveries.WaitAsync(fixture.Azurite.ConnectionString, Shop, "wh-shop-redact", "shop redacted");

        StorageScan.AssertClean(await StorageScan.FindAsync(fixture.Azurite.ConnectionString, WebShoppers), "after shop/redact");
        Assert.Contains(await StorageScan.FindAsync(fixture.Azurite.ConnectionString, TillShopper), f => f.Where.StartsWith("pos-uploads", StringComparison.Ordinal));
        // The order keeps its money. Its stock confirmation rides with its next write (or alone after a quiet moment),
        // and the redaction rewrote the row meanwhile, so the paid status may take that moment to show.
        await Calls.Eventually(async () => (await Http.GetJson("api/orders/by-channel/shopify/5557941")).GetProperty("status").GetString(),
            status => status == "Paid", "the redacted order to show as paid");

        // The till shopper asks in store: the operator's erasure reaches every copy of them too.
        using var erase = new HttpRequestMessage(HttpMethod.Post, $"api/customers/{tillShopper.GetProperty("customerId").GetString()}/erase")
        {
            Content = JsonContent.Create(new { reason = "asked at the till" }),
            Headers = { { "X-RetailFunctions-Role", "crm" } },
        };
        var erased = await Http.SendAsync(erase);
        Assert.True(erased.IsSuccessStatusCode, await erased.Content.ReadAsStringAsync());
        StorageScan.AssertClean(await StorageScan.FindAsync(fixture.Azurite.ConnectionString, TillShopper), "after the operator's erasure");
    }

    private async Task<JsonElement> Find(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/customers?{query}") { Headers = { { "X-RetailFunctions-Role", "crm" } } };
        var response = await Http.SendAsync(request);
        return response.IsSuccessStatusCode ? await response.Json() : default;
    }
}

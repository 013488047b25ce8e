using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>One shopper across channels, through the real edges: a till upload, an associate, a signed web order, a return.</summary>
public sealed class OmnichannelShopperTests(OrdersFixture fixture) : IClassFixture<OrdersFixture>
{
    private HttpClient Http => fixture.Http;

    private async Task<JsonElement> As(string role, HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-RetailFunctions-Role", role);
        request.Headers.Add("X-RetailFunctions-User", "associate-5");
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task GivenATillPurchaseByPhoneAndAWebOrderByTheLinkedEmail_ThenOneProfileHasBothPurchasesTheirPointsAndTheReturnReversed()
    {
        await Http.PutJson("api/catalog/locations/STORE-71", new { aliases = new[] { new { system = "pos", value = "71" } } });
        await Http.PutJson("api/catalog/skus/SCARF-O", new
        {
            title = "Scarf",
            aliases = new object[] { new { system = "pos", kind = "item", value = "till-scarf" }, new { system = "shopify", kind = "variant", value = "880071" } },
        });
        await Http.Receive("SCARF-O", "STORE-71", 5m);
        await Http.Receive("SCARF-O", "WH-1", 5m);

        const string till = """
            { "storeId": "71", "currency": "EUR", "transactions": [
              { "workstationId": "1", "sequenceNumber": "4001", "businessDay": "2026-11-21", "type": "sale", "customerPhone": "+44 7700 900771",
                "lines": [ { "itemId": "till-scarf", "quantity": 1, "unitPrice": 40, "extendedAmount": 40 } ],
                "tenders": [ { "type": "cash", "amount": 40 } ] } ] }
            """;
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync("api/pos/transactions", new StringContent(till, Encoding.UTF8, "application/json"))).StatusCode);
        var profile = await Calls.Eventually(async () =>
        {
            var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/customers?phone=%2B447700900771") { Headers = { { "X-RetailFunctions-Role", "store-associate" } } });
            return response.IsSuccessStatusCode ? await response.Json() : default;
        }, p => p.ValueKind == JsonValueKind.Object, "the till shopper's profile");
        var customerId = profile.GetProperty("customerId").GetString()!;

        // At the till the associate links the shopper's email; the web store later knows them only by it.
        await As("store-associate", HttpMethod.Post, $"api/customers/{customerId}/contacts", new { email = "omni.shopper@example.com" });
        var web = JsonSerializer.Serialize(new
        {
            id = 5557101, name = "#W57101", currency = "EUR", created_at = "2026-11-22T09:00:00Z", updated_at = "2026-11-22T09:00:00Z",
            financial_status = "paid", payment_gateway_names = new[] { "shopify_payments" }, total_price = "48.00", taxes_included = false,
            customer = new { id = 77101, email = "Omni.Shopper@Example.com" },
            line_items = new[]
            {
                new { id = 57101, variant_id = 880071, sku = "SCARF-O", title = "Scarf", quantity = 2, price = "20.00", total_discount = "0.00", gift_card = false,
                    tax_lines = new[] { new { title = "VAT", rate = 0.2m, price = "8.00" } } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", web, "wh-omni-1"))).StatusCode);
        var webOrder = await Calls.Eventually(async () =>
        {
            var response = await Http.GetAsync("api/orders/by-channel/shopify/5557101");
            return response.IsSuccessStatusCode ? await response.Json() : default;
        }, o => o.ValueKind == JsonValueKind.Object && o.GetProperty("status").GetString() == "Paid", "the web order");
        var orderId = webOrder.GetProperty("orderId").GetString()!;
        await As("store-associate", HttpMethod.Post, $"api/orders/{orderId}/shipments/S1/ship");

        var both = await Calls.Eventually(() => As("crm", HttpMethod.Get, $"api/customers/{customerId}"),
            v => v.GetProperty("history").GetArrayLength() == 2, "both purchases on one profile");
        Assert.Equal(80, both.GetProperty("loyalty").GetProperty("balance").GetInt64());

        // One of the two web scarves comes back in the store: half the web order's points go.
        await As("store-associate", HttpMethod.Post, $"api/orders/{orderId}/returns",
            new { returnId = "OMNI-RET-1", location = "STORE-71", lines = new[] { new { lineId = "57101", quantity = 1 } } }, HttpStatusCode.Created);
        var after = await Calls.Eventually(() => As("crm", HttpMethod.Get, $"api/customers/{customerId}"),
            v => v.GetProperty("loyalty").GetProperty("balance").GetInt64() == 60, "the return's points to be reversed");
        Assert.Equal(3, after.GetProperty("history").GetArrayLength());
        Assert.Equal(-20, after.GetProperty("loyalty").GetProperty("entries").EnumerateArray().Last().GetProperty("points").GetInt64());
        Assert.Equal(customerId, (await As("store-associate", HttpMethod.Get, "api/customers?email=omni.shopper%40example.com")).GetProperty("customerId").GetString());
    }
}

public sealed class CustomerPrivacyTests(OrdersFixture fixture) : IClassFixture<OrdersFixture>
{
    [Fact]
    public async Task GivenAWebStoreCustomer_WhenTheShopAsksToRedactThem_ThenNoContactFindsThemAndTheProfileHoldsNoPersonalData()
    {
        var customer = JsonSerializer.Serialize(new
        {
            id = 88123, email = "private.person@example.com", phone = "+447700900888", first_name = "Pat", last_name = "Private",
            updated_at = "2026-11-20T09:00:00Z", email_marketing_consent = new { state = "subscribed" },
        });
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.SendAsync(Calls.ShopifyWebhook("customers/create", customer, "wh-priv-1"))).StatusCode);
        async Task<HttpResponseMessage> Find() =>
            await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/customers?email=private.person%40example.com") { Headers = { { "X-RetailFunctions-Role", "crm" } } });
        var profile = await Calls.Eventually(async () => { var r = await Find(); return r.IsSuccessStatusCode ? await r.Json() : default; },
            p => p.ValueKind == JsonValueKind.Object && p.GetProperty("firstName").GetString() == "Pat", "the web-store customer's profile with their name");
        var customerId = profile.GetProperty("customerId").GetString()!;
        Assert.Equal("Pat", profile.GetProperty("firstName").GetString());

        var redact = JsonSerializer.Serialize(new
        {
            shop_id = 954889, shop_domain = "e2e-shop.myshopify.com",
            customer = new { id = 88123, email = "private.person@example.com", phone = "+447700900888" }, orders_to_redact = new[] { 299938 },
        });
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.SendAsync(Calls.ShopifyWebhook("customers/redact", redact, "wh-priv-2"))).StatusCode);

        await Calls.Eventually(async () => (await Find()).StatusCode, s => s == HttpStatusCode.NotFound, "the email to no longer find anyone");
        // The contacts go first and the profile after them: wait for the profile, not for the contacts.
        async Task<JsonElement> ById()
        {
            using var byId = new HttpRequestMessage(HttpMethod.Get, $"api/customers/{customerId}")
            {
                Headers = { { "X-RetailFunctions-Role", "crm" } },
            };
            return await (await fixture.Http.SendAsync(byId)).Json();
        }
        var anonymized = await Calls.Eventually(ById, p => !p.ToString().Contains("Pat", StringComparison.Ordinal),
            "the profile to lose the name");
        Assert.DoesNotContain("Pat", anonymized.ToString());
        Assert.DoesNotContain("private.person", anonymized.ToString());
    }
}

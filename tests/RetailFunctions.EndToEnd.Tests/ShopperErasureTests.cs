using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Xunit.Abstractions;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// One shopper seeded through every path that copies their data, then Shopify's data request and redaction, checked
/// by reading every table, queue and blob of the storage account.
/// </summary>
public sealed class ShopperErasureTests(OrdersFixture fixture, ITestOutputHelper output) : IClassFixture<OrdersFixture>
{
    private const string Shop = "e2e-shop.myshopify.com";
    private const string Email = "perpetua.quill@example.net";
    private const string Phone = "+447700900931";
    private const string TillPhone = "+44 7700 900931";
    private const string Loyalty = "LC-QF-77310";
    private static readonly string[] Personal =
        [Email, "perpetua.quill", Phone, "7700900931", "7700 900931", Loyalty, "Perpetua", "Quillfeather", "12 Lantern Row", "Mossbridge", "MB7 3QX", "Flat 4b Oriel"];

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task GivenAShopperSeededThroughEveryPath_WhenTheShopRequestsTheirDataAndThenTheirRedaction_ThenTheExportHoldsThemAndAfterwardsNoCopyAnywhereDoes()
    {
        // The scan recognizes what it looks for: a card number as a till keys it.
        Assert.Equal(["4111 1111 1111 1111"], StorageScan.CardNumbers("paid with 4111 1111 1111 1111 at 10:02"));
        // ...and not a message's GUID whose digits between two letters happen to pass the Luhn check.
        Assert.Empty(StorageScan.CardNumbers("idem:receipt-019af3c2a1bc4111111111111111abcd, envelope 019af3c2-a1bc-4111-1111-11111111abcd"));
        Assert.Equal(["4111111111111111"], StorageScan.CardNumbers("receipt-019af3c2a1bc 4111111111111111 abcd"));
        await SeedAsync();
        var before = await StorageScan.FindAsync(fixture.Azurite.ConnectionString, Personal);
        output.WriteLine($"before any request: {before.Count} findings in {before.Select(f => f.Where).Distinct().Count()} places");
        foreach (var place in before.Select(f => f.Where.Split('/')[0]).Distinct()) output.WriteLine($"  {place}");
        foreach (var where in new[] { "raw-archive", "large-payloads", "DeadLetters", "Orders", "Customers", "e2e-parked" })
            Assert.Contains(before, f => f.Where.StartsWith(where, StringComparison.Ordinal) && f.What == Email);

        // The data request: an export the operator can fetch, named by an exception for crm.
        var dataRequest = JsonSerializer.Serialize(new
        {
            shop_id = 954889, shop_domain = Shop, orders_requested = new[] { 5557931 },
            customer = new { id = 99101, email = Email, phone = Phone }, data_request = new { id = 9931 },
        });
        await Deliveries.SendAsync(Http, Shop, "customers/data_request", dataRequest, "wh-erase-request");
        await Calls.Eventually(async () => (await Http.GetJson("api/exceptions?owner=crm")).EnumerateArray()
            .Any(e => e.GetProperty("reason").GetString() == "customer-data-request"), found => found, "the data request's exception for crm", 120);
        var export = await AsCrm($"api/customers/data-requests/{Shop}/9931");
        var exportText = export.ToString();
        Assert.Contains("Quillfeather", exportText);
        Assert.Contains(Email, exportText);
        Assert.Contains("web-e2e-shop-5557931", exportText);
        Assert.True(export.GetProperty("profiles")[0].GetProperty("loyalty").GetProperty("balance").GetInt64() > 0, exportText);

        var redact = JsonSerializer.Serialize(new
        {
            shop_id = 954889, shop_domain = Shop, customer = new { id = 99101, email = Email, phone = Phone }, orders_to_redact = new[] { 5557931 },
        });
        await Deliveries.SendAsync(Http, Shop, "customers/redact", redact, "wh-erase-redact");
        await Deliveries.WaitAsync(fixture.Azurite.ConnectionString, Shop, "wh-erase-redact", "customer redacted");
        StorageScan.AssertClean(await StorageScan.FindAsync(fixture.Azurite.ConnectionString, Personal), "after the redaction");

        // The money stays: the order is still there, paid, with its total; only the shopper is gone from it.
        // Its stock confirmation rides with its next write (or alone after a quiet moment) and the redaction rewrote the
        // row meanwhile, so the paid status may take that moment to show.
        var order = await Calls.Eventually(() => Http.GetJson("api/orders/by-channel/shopify/5557931"),
            o => o.GetProperty("status").GetString() == "Paid", "the redacted order to show as paid");

        // Replaying the whole archive brings nothing back.
        var replay = await Http.PostAsJsonAsync("api/replay/raw", new { shop = Shop, from = DateTimeOffset.UtcNow.AddDays(-1), to = DateTimeOffset.UtcNow.AddDays(1) });
        Assert.True(replay.IsSuccessStatusCode, await replay.Content.ReadAsStringAsync());
        var replayed = (await replay.Json()).GetProperty("replayed").GetInt32();
        Assert.True(replayed >= 5, $"{replayed} archived webhooks replayed");
        await Calls.Eventually(() => QueuedAsync("shopify-webhooks"), n => n == 0, "the replayed webhooks to be handled", 120);
        await Deliveries.WaitAsync(fixture.Azurite.ConnectionString, Shop, "wh-erase-order", "");
        StorageScan.AssertClean(await StorageScan.FindAsync(fixture.Azurite.ConnectionString, Personal), "after replaying the archive");
    }

    private async Task SeedAsync()
    {
        await Http.PutJson("api/catalog/locations/STORE-93", new { aliases = new[] { new { system = "pos", value = "93" } } });
        await Http.PutJson("api/catalog/skus/LAMP-Q", new
        {
            title = "Lamp",
            aliases = new object[] { new { system = "pos", kind = "item", value = "till-lamp" }, new { system = "shopify", kind = "variant", value = "880931" } },
        });
        await Http.Receive("LAMP-Q", "STORE-93", 5m);
        await Http.Receive("LAMP-Q", "WH-1", 5m);

        var address = new { first_name = "Perpetua", last_name = "Quillfeather", address1 = "12 Lantern Row", address2 = "Flat 4b Oriel", city = "Mossbridge",
            zip = "MB7 3QX", country_code = "GB", phone = Phone };
        await Deliveries.SendAsync(Http, Shop, "customers/create", JsonSerializer.Serialize(new
        {
            id = 99101, email = Email, phone = Phone, first_name = "Perpetua", last_name = "Quillfeather", updated_at = "2026-11-20T09:00:00Z",
            default_address = address, addresses = new[] { address }, email_marketing_consent = new { state = "subscribed" },
        }), "wh-erase-customer");
        var profile = await Calls.Eventually(() => FindAsync(), p => p.ValueKind == JsonValueKind.Object, "the shopper's profile", 120);
        await AsCrm($"api/customers/{profile.GetProperty("customerId").GetString()}/contacts", new { loyaltyId = Loyalty });

        await Deliveries.SendAsync(Http, Shop, "orders/create", JsonSerializer.Serialize(new
        {
            id = 5557931, name = "#W57931", currency = "EUR", created_at = "2026-11-22T09:00:00Z", updated_at = "2026-11-22T09:00:00Z",
            financial_status = "paid", payment_gateway_names = new[] { "shopify_payments" }, total_price = "30.00", taxes_included = false,
            email = Email, phone = Phone, note = "Leave with Perpetua Quillfeather's neighbour", billing_address = address, shipping_address = address,
            customer = new { id = 99101, email = Email, phone = Phone, first_name = "Perpetua", last_name = "Quillfeather", default_address = address },
            line_items = new[]
            {
                new { id = 57931, variant_id = 880931, sku = "LAMP-Q", title = "Lamp", quantity = 1, price = "25.00", total_discount = "0.00", gift_card = false,
                    tax_lines = new[] { new { title = "VAT", rate = 0.2m, price = "5.00" } } },
            },
        }), "wh-erase-order");
        await Calls.Eventually(async () =>
        {
            var response = await Http.GetAsync("api/orders/by-channel/shopify/5557931");
            return response.IsSuccessStatusCode ? (await response.Json()).GetProperty("status").GetString() : null;
        }, s => s == "Paid", "the web order", 120);

        // At the till: the phone and the loyalty card, and a card number that the edge masks.
        var till = $$"""
            { "storeId": "93", "currency": "EUR", "transactions": [
              { "workstationId": "1", "sequenceNumber": "9301", "businessDay": "2026-11-23", "type": "sale",
                "customerPhone": "{{TillPhone}}", "loyaltyId": "{{Loyalty}}",
                "lines": [ { "itemId": "till-lamp", "quantity": 1, "unitPrice": 25, "extendedAmount": 25 } ],
                "tenders": [ { "type": "card", "amount": 25, "cardNumber": "4111 1111 1111 1111" } ] } ] }
            """;
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync("api/pos/transactions", new StringContent(till, Encoding.UTF8, "application/json"))).StatusCode);
        await Calls.Eventually(async () => (await AsCrm($"api/customers?loyaltyId={Loyalty}")).GetProperty("history").GetArrayLength(),
            n => n == 2, "the till sale on the shopper's profile", 120);

        // A payload no handler can read is dead-lettered whole; one too large for a queue message is spilled to a blob.
        await Deliveries.SendAsync(Http, Shop, "orders/create", JsonSerializer.Serialize(new { id = "not-an-id", email = Email, phone = Phone, line_items = "none" }), "wh-erase-bad");
        await Calls.Eventually(async () => (await Http.GetJson("api/deadletters?queue=shopify-webhooks")).ToString(), t => t.Contains(Email), "the dead letter", 120);
        await Deliveries.SendAsync(Http, Shop, "customers/update", JsonSerializer.Serialize(new
        {
            id = 99101, email = Email, phone = Phone, first_name = "Perpetua", last_name = "Quillfeather", updated_at = "2026-11-24T09:00:00Z",
            note = $"Perpetua Quillfeather of 12 Lantern Row, Mossbridge. {new string('x', 70_000)}",
        }), "wh-erase-large");
        await Deliveries.WaitAsync(fixture.Azurite.ConnectionString, Shop, "wh-erase-large", "customer 99101");

        // An envelope waiting in a queue nobody is reading yet.
        var parked = new QueueClient(fixture.Azurite.ConnectionString, "e2e-parked", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await parked.CreateIfNotExistsAsync();
        await parked.SendMessageAsync(JsonSerializer.Serialize(new
        {
            id = "parked-1", type = "shopify.webhook.received", keys = new { shop = Shop, topic = "customers/update" },
            payload = JsonSerializer.Serialize(new { id = 99101, email = Email, first_name = "Perpetua", last_name = "Quillfeather" }),
        }));
    }

    private async Task<int> QueuedAsync(string queue) =>
        (await new QueueClient(fixture.Azurite.ConnectionString, queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private async Task<JsonElement> FindAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/customers?email={Uri.EscapeDataString(Email)}") { Headers = { { "X-RetailFunctions-Role", "crm" } } };
        var response = await Http.SendAsync(request);
        return response.IsSuccessStatusCode ? await response.Json() : default;
    }

    private async Task<JsonElement> AsCrm(string path, object? body = null)
    {
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-RetailFunctions-Role", "crm");
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{request.Method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

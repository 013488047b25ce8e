using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// A chain piloting the pipeline: store A on, store B in shadow, region SOUTH (store C) off, from settings. The web
/// store is a fake Admin API and the ERP a fake ledger, both on loopback, so what is pushed and posted can be counted.
/// </summary>
public sealed class PilotFixture : RuntimeFixture
{
    public FakeShopifyAdmin Shopify { get; private set; } = null!;
    public FakeErp Erp { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Shopify__Admin__BaseUrl"] = Shopify.BaseUrl.ToString(),
        ["Shopify__Admin__AccessToken"] = "e2e-admin-token",
        ["Erp__BaseUrl"] = Erp.BaseUrl.ToString(),
        ["Erp__ApiKey"] = "e2e-erp-key",
        ["Pilot__Switches"] = "store:STORE-A:*=on; store:STORE-B:*=shadow; region:SOUTH:*=off",
        ["Pilot__RefreshSeconds"] = "1",
    };

    public override async Task InitializeAsync()
    {
        Shopify = await FakeShopifyAdmin.StartAsync();
        Erp = await FakeErp.StartAsync();
        Erp.ExpectedApiKey = "e2e-erp-key";
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Erp.DisposeAsync();
        await Shopify.DisposeAsync();
    }
}

public sealed class PilotRolloutTests(PilotFixture fixture) : IClassFixture<PilotFixture>
{
    private const string Sku = "PILOT-TEE";
    private const long InventoryItem = 5_400_001;
    private const long Variant = 6_400_001;
    private static readonly (string Id, string Pos, long Shopify, string Region)[] Stores =
        [("STORE-A", "1", 1_001, "NORTH"), ("STORE-B", "2", 1_002, "NORTH"), ("STORE-C", "3", 1_003, "SOUTH")];

    private static readonly string Day = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private HttpClient Http => fixture.Http;
    private FakeShopifyAdmin Shopify => fixture.Shopify;
    private FakeErp Erp => fixture.Erp;

    private static string TillSale(string posStore, string sequence, int quantity) => $$"""
        { "storeId": "{{posStore}}", "currency": "EUR", "transactions": [
          { "workstationId": "1", "sequenceNumber": "{{sequence}}", "businessDay": "{{Day}}", "endDateTime": "{{Day}}T09:00:00Z", "type": "sale", "operatorId": "5",
            "lines": [ { "itemId": "till-tee", "quantity": {{quantity}}, "unitPrice": 10.00, "extendedAmount": {{10 * quantity}}.00, "tax": {{2 * quantity}}.00 } ],
            "tenders": [ { "type": "cash", "amount": {{12 * quantity}}.00 } ], "total": {{12 * quantity}}.00 } ] }
        """;

    private static string WebOrder(long id, long shopifyLocation) => JsonSerializer.Serialize(new
    {
        id, name = $"#P{id % 10000}", order_number = id % 10000, currency = "EUR", location_id = shopifyLocation,
        created_at = $"{Day}T10:00:00Z", updated_at = $"{Day}T10:00:00Z", financial_status = "paid", payment_gateway_names = new[] { "shopify_payments" },
        subtotal_price = "10.00", total_tax = "2.00", total_price = "12.00", taxes_included = false,
        line_items = new[]
        {
            new
            {
                id = id * 10 + 1, variant_id = Variant, product_id = 7_400_001L, sku = Sku, title = "Pilot tee", quantity = 1, price = "10.00",
                total_discount = "0.00", requires_shipping = true, gift_card = false,
                tax_lines = new[] { new { title = "VAT", rate = 0.2m, price = "2.00" } },
            },
        },
        transactions = new[]
        {
            new { id = id + 1, kind = "sale", status = "success", gateway = "shopify_payments", amount = "12.00", currency = "EUR", processed_at = $"{Day}T10:00:00Z" },
        },
    });

    private static string LevelReport(long shopifyLocation, int available) => JsonSerializer.Serialize(new
    {
        inventory_item_id = InventoryItem, location_id = shopifyLocation, available, updated_at = $"{Day}T11:00:00Z",
    });

    private async Task<string> UploadAsync(string body)
    {
        var response = await Http.PostAsync("api/pos/transactions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Json()).GetProperty("batchId").GetString()!;
    }

    private async Task<JsonElement> CompletedBatchAsync(string batchId) =>
        await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"), b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", $"batch {batchId}", 120);

    private Task<decimal?> OnHand(string store) => Http.OnHand(Sku, store);

    private async Task<HttpStatusCode> OrderStatus(long shopifyOrderId) => (await Http.GetAsync($"api/orders/by-channel/shopify/{shopifyOrderId}")).StatusCode;

    private int PushesTo(long shopifyLocation) => Shopify.Sets.Count(s => s.LocationId == shopifyLocation);

    private async Task<List<JsonElement>> Journal(string store) =>
        (await Http.GetJson($"api/finance/journal?businessDay={Day}&store={store}")).EnumerateArray().ToList();

    private async Task<HttpResponseMessage> SetSwitch(string? role, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/pilot/switches") { Content = JsonContent.Create(body) };
        if (role is not null) request.Headers.Add("X-RetailFunctions-Role", role);
        request.Headers.Add("X-RetailFunctions-User", "rollout-lead");
        return await Http.SendAsync(request);
    }

    [Fact]
    public async Task GivenStoreAOnStoreBInShadowAndRegionCOff_WhenADayRunsAndCIsSwitchedOnAndReplayed_ThenEachGetsExactlyItsModeAndNothingIsPushedTwice()
    {
        foreach (var (id, pos, shopify, region) in Stores)
            await Http.PutJson($"api/catalog/locations/{id}", new
            {
                name = id, region,
                aliases = new object[] { new { system = "pos", value = pos }, new { system = "shopify", value = shopify.ToString(CultureInfo.InvariantCulture) } },
            });
        await Http.PutJson($"api/catalog/skus/{Sku}", new
        {
            title = "Pilot tee",
            aliases = new object[]
            {
                new { system = "pos", kind = "item", value = "till-tee" },
                new { system = "shopify", kind = "variant", value = Variant.ToString(CultureInfo.InvariantCulture) },
                new { system = "shopify", kind = "inventory-item", value = InventoryItem.ToString(CultureInfo.InvariantCulture) },
            },
        });
        foreach (var (id, _, _, _) in Stores) await Http.Receive(Sku, id, 10m);
        await Calls.Eventually(() => Task.FromResult(Shopify.Available(InventoryItem, 1_001)), a => a == 10, "store A's opening stock at the web store");

        // The day: a till sale and a web order in each store, and the web store's own figure for B.
        var batches = new Dictionary<string, string>();
        foreach (var (id, pos, _, _) in Stores) batches[id] = await UploadAsync(TillSale(pos, $"77{pos}1", int.Parse(pos, CultureInfo.InvariantCulture)));
        foreach (var (id, _, shopify, _) in Stores)
            Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", WebOrder(8_800_000 + shopify, shopify), $"pilot-order-{id}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("inventory_levels/update", LevelReport(1_002, 9), "pilot-level-B"))).StatusCode);
        foreach (var batch in batches.Values) await CompletedBatchAsync(batch);

        // A is on: its sale and its web order reached stock, the web store and the ERP.
        await Calls.Eventually(() => OnHand("STORE-A"), v => v == 9m, "store A's till sale");
        await Calls.Eventually(() => Task.FromResult(Shopify.Available(InventoryItem, 1_001)), a => a == 8, "store A's figure at the web store (9 on hand, 1 reserved)");
        var postedA = await Calls.Eventually(() => Journal("STORE-A"), e => e.Count >= 1 && e.All(x => x.GetProperty("status").GetString() == "posted"),
            "store A's journal to be posted", 120);
        Assert.All(postedA, e => Assert.NotNull(Erp.Booked(e.GetProperty("entryId").GetString()!)));

        // B is in shadow: processed into our own records, nothing pushed or posted, and the shadow report compares.
        await Calls.Eventually(() => OnHand("STORE-B"), v => v == 8m, "store B's till sale in our ledger");
        await Calls.Eventually(() => OrderStatus(8_800_000 + 1_002), s => s == HttpStatusCode.OK, "store B's web order on our record");
        var shadowB = await Calls.Eventually(() => Journal("STORE-B"), e => e.Count >= 1, "store B's journal in shadow", 120);
        Assert.All(shadowB, e => Assert.Equal("shadow", e.GetProperty("status").GetString()));
        var report = await Calls.Eventually(() => Http.GetJson("api/pilot/shadow/availability?location=STORE-B"),
            r => r.GetProperty("rows").EnumerateArray().Any(x => x.GetProperty("wouldPush").ValueKind == JsonValueKind.Number
                && x.GetProperty("webStoreReports").ValueKind == JsonValueKind.Number && x.GetProperty("wouldPush").GetDecimal() == 7m),
            "store B's shadow report (8 on hand, 1 reserved; the web store says 9)");
        var line = Assert.Single(report.GetProperty("rows").EnumerateArray());
        Assert.Equal(-2m, line.GetProperty("difference").GetDecimal());
        Assert.Equal(1, report.GetProperty("differing").GetInt32());

        // C is off: archived and acknowledged, nothing else.
        var batchC = await Http.GetJson($"api/pos/batches/{batches["STORE-C"]}");
        var archivedOnly = Assert.Single(batchC.GetProperty("transactions").EnumerateArray());
        Assert.Equal("recorded", archivedOnly.GetProperty("status").GetString());
        Assert.StartsWith("pilot: ", archivedOnly.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(10m, await OnHand("STORE-C"));
        Assert.Equal(HttpStatusCode.NotFound, await OrderStatus(8_800_000 + 1_003));
        Assert.Empty(await Journal("STORE-C"));

        Assert.Equal(0, PushesTo(1_002));
        Assert.Equal(0, PushesTo(1_003));
        Assert.DoesNotContain(Erp.Bookings, b => b.Store is "STORE-B" or "STORE-C");

        // Only the operations role may switch; the change is audited and reaches the pipeline within seconds.
        Assert.Equal(HttpStatusCode.Forbidden, (await SetSwitch("finance", new { scope = "region:SOUTH", flow = "*", mode = "on" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SetSwitch("ops", new { scope = "region:SOUTH", flow = "*", mode = "maybe" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SetSwitch("ops", new { scope = "region:SOUTH", flow = "*", mode = "on", reason = "pilot week two" })).StatusCode);
        var history = await Http.GetJson("api/pilot/switches/history");
        var change = history.EnumerateArray().First();
        Assert.Equal(("region:SOUTH", "on", "rollout-lead", "pilot week two"), (change.GetProperty("scope").GetString(), change.GetProperty("mode").GetString(),
            change.GetProperty("changedBy").GetString(), change.GetProperty("reason").GetString()));
        await Calls.Eventually(() => Http.GetJson("api/pilot/mode?flow=till-stock&location=STORE-C"), m => m.GetProperty("mode").GetString() == "on",
            "store C's till stock to be on");

        // Catch up: replay the day's uploads and web-store archive. What A and B already applied is a no-op.
        var pushesToA = PushesTo(1_001);
        var bookingsBefore = Erp.Bookings.Count;
        foreach (var batch in batches.Values)
        {
            var replay = await Http.PostAsync($"api/replay/pos/{batch}", null);
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            await CompletedBatchAsync((await replay.Json()).GetProperty("batchId").GetString()!);
        }
        var raw = await Http.PostAsJsonAsync("api/replay/raw", new { shop = "e2e-shop.myshopify.com", from = DateTimeOffset.UtcNow.AddDays(-1), to = DateTimeOffset.UtcNow.AddDays(1) });
        Assert.True(raw.IsSuccessStatusCode, await raw.Content.ReadAsStringAsync());

        // C now equals what it would have been had it been on all day: 10 - 3 sold, 1 reserved for its web order.
        await Calls.Eventually(() => OnHand("STORE-C"), v => v == 7m, "store C's till sale after the replay");
        await Calls.Eventually(() => OrderStatus(8_800_000 + 1_003), s => s == HttpStatusCode.OK, "store C's web order after the replay");
        await Calls.Eventually(() => Http.Reserved(Sku, "STORE-C"), r => r == 1m, "store C's web order reservation");
        await Calls.Eventually(() => Task.FromResult(Shopify.Available(InventoryItem, 1_003)), a => a == 6, "store C's figure at the web store");
        await Calls.Eventually(() => Journal("STORE-C"), e => e.Count >= 1 && e.All(x => x.GetProperty("status").GetString() == "posted"),
            "store C's journal to be posted", 120);

        // A and B changed nothing: same stock, no new push for A, nothing for B, and no entry booked twice.
        Assert.Equal(9m, await OnHand("STORE-A"));
        Assert.Equal(8m, await OnHand("STORE-B"));
        Assert.Equal(pushesToA, PushesTo(1_001));
        Assert.Equal(0, PushesTo(1_002));
        Assert.Equal(0, Erp.Duplicates);
        Assert.DoesNotContain(Erp.Bookings.Skip(bookingsBefore), b => b.Store is "STORE-A" or "STORE-B");

        // B goes live for availability: the latest figure its shadow withheld is pushed, once.
        var live = await SetSwitch("ops", new { scope = "store:STORE-B", flow = "availability-push", mode = "on" });
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(1, (await live.Json()).GetProperty("availabilityPushesQueued").GetInt32());
        await Calls.Eventually(() => Task.FromResult(Shopify.Available(InventoryItem, 1_002)), a => a == 7, "store B's figure at the web store");
        Assert.Equal(1, PushesTo(1_002));
    }

    [Fact]
    public async Task GivenNoRole_WhenSwitchesAreRead_ThenTheSettingsAreListedAndABadScopeIsNamed()
    {
        var switches = await Http.GetJson("api/pilot/switches");
        Assert.Contains("store:STORE-B:*=shadow", switches.GetProperty("settings").EnumerateArray().Select(s => s.GetString()));

        var bad = await SetSwitch("ops", new { scope = "shop:X", flow = "journal", mode = "on" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Json();
        Assert.Equal("scope", problem.GetProperty("field").GetString());
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Azure.Data.Tables;
using RetailFunctions.Pipeline;
using RetailFunctions.Storage;
using RetailFunctions.Testing;
using Xunit.Abstractions;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A runtime whose web-store channel is a fake Admin API on loopback that can throttle and fail.</summary>
public sealed class ChannelFixture : RuntimeFixture
{
    public FakeShopifyAdmin Shopify { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Shopify__Admin__BaseUrl"] = Shopify.BaseUrl.ToString(),
        ["Shopify__Admin__AccessToken"] = "e2e-admin-token",
        ["Shopify__Admin__MaxRetries"] = "3",
        ["Shopify__Admin__BaseDelayMilliseconds"] = "50",
        ["AzureFunctionsJobHost__extensions__queues__maxDequeueCount"] = "2",
        ["Inventory__SourceOfTruth__WH-2"] = "shopify",
        ["Inventory__PushCoalesceMilliseconds"] = ((int)PushQuiet.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ["Inventory__PushCoalesceCapMilliseconds"] = ((int)PushCap.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>How long stock must stand still before a push, and the longest a change waits for that.</summary>
    public static readonly TimeSpan PushQuiet = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan PushCap = TimeSpan.FromSeconds(2);

    public override async Task InitializeAsync()
    {
        Shopify = await FakeShopifyAdmin.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Shopify.DisposeAsync();
    }
}

public sealed class InventoryTests(ChannelFixture fixture, ITestOutputHelper output) : IClassFixture<ChannelFixture>
{
    private const long ShopifyLocation = 655441491;
    private HttpClient Http => fixture.Http;

    /// <summary>A SKU known to the web store (variant and inventory item) stocked at WH-1, which the web store calls 655441491.</summary>
    private async Task MapAsync(string sku, long inventoryItemId)
    {
        await Http.PutJson("api/catalog/locations/WH-1", new { name = "Warehouse", aliases = new[] { new { system = "shopify", value = ShopifyLocation.ToString() } } });
        await Http.PutJson($"api/catalog/skus/{sku}", new
        {
            aliases = new[]
            {
                new { system = "shopify", kind = "inventory-item", value = inventoryItemId.ToString() },
                new { system = "pos", kind = "item", value = $"till-{sku}" },
            },
        });
    }

    private async Task<HttpResponseMessage> Move(string role, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/movements") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-RetailFunctions-Role", role);
        request.Headers.Add("X-RetailFunctions-User", "e2e-user");
        return await Http.SendAsync(request);
    }

    [Fact]
    public async Task EveryChangePushesTheWebAvailableToPromiseToTheStore()
    {
        await MapAsync("PUSH-1", 810000000000001);
        await Http.Receive("PUSH-1", "WH-1", 10m);
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000001, ShopifyLocation)), v => v == 10, "the receipt to reach the web store");
        Assert.Equal("e2e-admin-token", fixture.Shopify.Sets.Last().AccessToken);

        await Http.PutJson("api/inventory/PUSH-1/policies/WH-1", new { safetyStock = new Dictionary<string, decimal> { ["web"] = 2m }, reorderPoint = 3m });
        var reserve = await Http.PostAsJsonAsync("api/inventory/reservations", new { sku = "PUSH-1", location = "WH-1", channel = "web", quantity = 3, reservationId = "cart-push-1" });
        Assert.Equal(HttpStatusCode.Created, reserve.StatusCode);
        // 10 on hand - 3 reserved - 2 safety stock for the web
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000001, ShopifyLocation)), v => v == 5, "the reservation to reach the web store");

        var stock = await Http.GetJson("api/inventory/PUSH-1");
        var level = stock.GetProperty("locations")[0];
        Assert.Equal(5m, level.GetProperty("availableToPromise").GetProperty("web").GetDecimal());
        Assert.Equal(7m, level.GetProperty("availableToPromise").GetProperty("pos").GetDecimal());
        Assert.Equal(2m, level.GetProperty("safetyStock").GetProperty("web").GetDecimal());
    }

    [Fact]
    public async Task ChangingTheWebsSafetyStockPushesTheNewFigureWithoutAnyStockMoving()
    {
        await MapAsync("PUSH-5", 810000000000016);
        await Http.Receive("PUSH-5", "WH-1", 10m);
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000016, ShopifyLocation)), v => v == 10, "the receipt to reach the web store");

        await Http.PutJson("api/inventory/PUSH-5/policies/WH-1", new { safetyStock = new Dictionary<string, decimal> { ["web"] = 4m } });

        // 10 on hand - 4 safety stock for the web
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000016, ShopifyLocation)), v => v == 6, "the new safety stock to reach the web store");
    }

    [Fact]
    public async Task ThrottlingAndServerErrorsAreRetriedUntilTheFigureGetsThrough()
    {
        await MapAsync("PUSH-2", 810000000000002);
        var attemptsBefore = fixture.Shopify.Attempts;
        fixture.Shopify.Then(new FakeShopifyAdmin.Scripted(429, RetryAfterSeconds: 1), new FakeShopifyAdmin.Scripted(503), new FakeShopifyAdmin.Scripted(500));
        await Http.Receive("PUSH-2", "WH-1", 4m);
        // The wait itself is checked where the clock can be read (the Storage tests of the connectors); here, that the
        // runtime keeps trying through a throttle and two server errors until the figure gets through.
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000002, ShopifyLocation)), v => v == 4, "the update to get through");
        Assert.True(fixture.Shopify.Attempts - attemptsBefore >= 4, "three failed attempts and one success expected");
    }

    /// <summary>
    /// A push waits until the stock stood still for the quiet window, or for the cap since its burst began. So each
    /// push of a burst is owed to a pause between two sales at least that long, to the stillness after the last sale,
    /// or to a cap that ran out: that is the bound, however fast or slowly the sales were applied.
    /// </summary>
    [Fact]
    public async Task GivenABurstOfSales_WhenTheyReachTheLedger_ThenTheWebStoreGetsTheLatestValueInNoMorePushesThanItsPausesAndCapsAllow()
    {
        await MapAsync("PUSH-3", 810000000000003);
        await Http.Receive("PUSH-3", "WH-1", 500m);
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000003, ShopifyLocation)), v => v == 500, "the receipt push");
        var before = fixture.Shopify.Sets.Count(s => s.InventoryItemId == 810000000000003);

        // 100 sales in one upload, at the warehouse's own till (the POS store id maps to WH-1 for this test).
        await Http.PutJson("api/catalog/locations/WH-1", new { name = "Warehouse", aliases = new[] { new { system = "shopify", value = ShopifyLocation.ToString() }, new { system = "pos", value = "900" } } });
        var batch = new StringBuilder("""{ "storeId": "900", "transactions": [""");
        for (var i = 1; i <= 100; i++)
            batch.Append(i > 1 ? "," : "").Append($$"""{ "workstationId": "1", "sequenceNumber": "{{i}}", "businessDay": "2026-11-21", "type": "sale", "lines": [ { "itemId": "till-PUSH-3", "quantity": 1, "unitPrice": 1, "extendedAmount": 1 } ] }""");
        batch.Append("]}");
        var posted = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync("api/pos/transactions", new StringContent(batch.ToString(), Encoding.UTF8, "application/json"))).StatusCode);

        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000003, ShopifyLocation)), v => v == 400,
            "the burst's final value", timeoutSeconds: 300);
        await Http.QueuesDrained();
        var pushes = fixture.Shopify.Sets.Where(s => s.InventoryItemId == 810000000000003).Skip(before).ToList();
        Assert.Equal(400, pushes[^1].Available);

        // When each sale reached the ledger: the storage service's own timestamp of its movement row.
        var ledger = new TableClient(fixture.Azurite.ConnectionString, TableNames.Inventory);
        var sales = new List<DateTimeOffset>();
        await foreach (var row in ledger.QueryAsync<TableEntity>(e => e.PartitionKey == TableKeys.Escape("PUSH-3")))
        {
            if (row.RowKey.StartsWith("mov:WH-1:", StringComparison.Ordinal) && row.GetString("Kind") == "Sale")
                sales.Add(row.Timestamp!.Value);
        }
        Assert.Equal(100, sales.Count);
        sales.Sort();
        // A fifth of the window is left for the storage service's and the runtime's millisecond clocks and timers.
        var pauses = sales.Zip(sales.Skip(1), (a, b) => b - a).Count(gap => gap >= ChannelFixture.PushQuiet * 0.8);
        var caps = (int)((pushes[^1].At - posted) / ChannelFixture.PushCap);
        var bound = 1 + pauses + caps;
        var figures = $"100 sales over {(sales[^1] - sales[0]).TotalSeconds:0.0} s became {pushes.Count} pushes; " +
            $"{pauses} pauses and {caps} caps allow {bound}";
        output.WriteLine(figures);
        Assert.True(pushes.Count <= bound, figures);
    }

    [Fact]
    public async Task ARejectedUpdateIsDeadLetteredWithTheStoresReason()
    {
        await MapAsync("PUSH-4", 810000000000004);
        fixture.Shopify.Then(new FakeShopifyAdmin.Scripted(422));
        await Http.Receive("PUSH-4", "WH-1", 2m);
        var deadLetters = await Calls.Eventually(() => Http.GetJson("api/deadletters"),
            d => d.EnumerateArray().Any(x => x.GetProperty("queue").GetString() == "channel-availability" && x.GetProperty("reason").GetString()!.Contains("PUSH-4")),
            "the rejected push in the dead letters");
        var parked = deadLetters.EnumerateArray().First(x => x.GetProperty("reason").GetString()!.Contains("PUSH-4"));
        Assert.Contains("422", parked.GetProperty("reason").GetString());
        Assert.Equal("ChannelPushException", parked.GetProperty("exceptionType").GetString());

        // The store accepts updates again: replaying the dead letter brings it up to date, once.
        var replay = await Http.PostAsJsonAsync("api/deadletters/replay", new { ids = new[] { parked.GetProperty("id").GetString() } });
        Assert.Equal(1, (await replay.Json()).GetProperty("replayed").GetInt32());
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000004, ShopifyLocation)), v => v == 2, "the replayed push");
        var second = await Http.PostAsJsonAsync("api/deadletters/replay", new { ids = new[] { parked.GetProperty("id").GetString() } });
        var report = await second.Json();
        Assert.Equal((0, 1), (report.GetProperty("replayed").GetInt32(), report.GetProperty("skipped").GetInt32()));
    }

    [Fact]
    public async Task CrossingTheReorderPointRaisesOneLowStockAlert()
    {
        await MapAsync("LOW-1", 810000000000005);
        await Http.PutJson("api/inventory/LOW-1/policies/WH-1", new { reorderPoint = 5m });
        await Http.Receive("LOW-1", "WH-1", 10m);
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000005, ShopifyLocation)), v => v == 10, "the receipt push");
        var damage = await Move("store-manager", new { sku = "LOW-1", location = "WH-1", kind = "damage", quantity = 6, reason = "water leak", idempotencyKey = "damage-low-1" });
        Assert.Equal(HttpStatusCode.OK, damage.StatusCode);
        var alerts = await Calls.Eventually(() => Http.GetJson("api/alerts"),
            a => a.EnumerateArray().Any(x => x.GetProperty("sku").GetString() == "LOW-1"), "the low-stock alert");
        var alert = Assert.Single(alerts.EnumerateArray(), x => x.GetProperty("sku").GetString() == "LOW-1");
        Assert.Equal(4m, alert.GetProperty("available").GetDecimal());
        Assert.Equal(5m, alert.GetProperty("reorderPoint").GetDecimal());
    }

    [Fact]
    public async Task ManualMovementsAreCheckedAgainstTheCallersRole()
    {
        var refused = await Move("store-associate", new { sku = "ROLE-1", location = "WH-1", kind = "adjustment", quantity = -2, reason = "shrink", idempotencyKey = "adj-1" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("role 'store-associate' may not record a adjustment; allowed: inventory-manager", await refused.Content.ReadAsStringAsync());

        var noRole = await Http.PostAsJsonAsync("api/inventory/movements", new { sku = "ROLE-1", location = "WH-1", kind = "receipt", quantity = 1, idempotencyKey = "r-0" });
        Assert.Equal(HttpStatusCode.Forbidden, noRole.StatusCode);
        var unknown = await Move("inventory-manager", new { sku = "ROLE-1", location = "WH-1", kind = "teleport", quantity = 1, idempotencyKey = "t-1" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var missing = await Move("inventory-manager", new { location = "WH-1", kind = "receipt", quantity = 1, idempotencyKey = "m-1" });
        Assert.Equal("sku", (await missing.Json()).GetProperty("field").GetString());

        Assert.Equal(HttpStatusCode.OK, (await Move("store-associate", new { sku = "ROLE-1", location = "WH-1", kind = "receipt", quantity = 6, reason = "delivery", idempotencyKey = "rcpt-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Move("store-associate", new { sku = "ROLE-1", location = "WH-1", kind = "receipt", quantity = 6, reason = "delivery", idempotencyKey = "rcpt-1" })).StatusCode);
        Assert.Equal(6m, await Http.OnHand("ROLE-1", "WH-1"));

        Assert.Equal(HttpStatusCode.OK, (await Move("store-manager", new { sku = "ROLE-1", location = "WH-1", otherLocation = "STORE-5", kind = "transfer-ship", quantity = 4, idempotencyKey = "ship-1" })).StatusCode);
        var stock = await Http.GetJson("api/inventory/ROLE-1");
        var store5 = stock.GetProperty("locations").EnumerateArray().First(l => l.GetProperty("location").GetString() == "STORE-5");
        Assert.Equal((0m, 4m), (store5.GetProperty("onHand").GetDecimal(), store5.GetProperty("inTransit").GetDecimal()));
        Assert.Equal(HttpStatusCode.OK, (await Move("store-associate", new { sku = "ROLE-1", location = "STORE-5", otherLocation = "WH-1", kind = "transfer-receive", quantity = 4, idempotencyKey = "recv-1" })).StatusCode);
        Assert.Equal(4m, await Http.OnHand("ROLE-1", "STORE-5"));
        Assert.Equal(2m, await Http.OnHand("ROLE-1", "WH-1"));

        var history = await Http.GetJson("api/inventory/ROLE-1/movements?location=WH-1");
        Assert.Equal(["Receipt", "TransferOut"], history.GetProperty("movements").EnumerateArray().Select(m => m.GetProperty("kind").GetString()));
        Assert.Equal("e2e-user", history.GetProperty("movements")[0].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task ACheckoutReservationExpiresWhenNothingConsumesIt()
    {
        await Http.Receive("EXP-1", "WH-1", 3m);
        var reserve = await Http.PostAsJsonAsync("api/inventory/reservations",
            new { sku = "EXP-1", location = "WH-1", channel = "web", quantity = 2, reservationId = "cart-exp-1", expiresInSeconds = 1 });
        Assert.Equal(HttpStatusCode.Created, reserve.StatusCode);
        Assert.Equal(2m, await Http.Reserved("EXP-1", "WH-1"));
        var overbook = await Http.PostAsJsonAsync("api/inventory/reservations",
            new { sku = "EXP-1", location = "WH-1", channel = "web", quantity = 2, reservationId = "cart-exp-2" });
        Assert.Equal(HttpStatusCode.Conflict, overbook.StatusCode);
        Assert.Equal(1m, (await overbook.Json()).GetProperty("available").GetDecimal());

        var expired = await Calls.Eventually(() => Http.GetJson("api/inventory/EXP-1/reservations/cart-exp-1"),
            r => r.GetProperty("status").GetString() == "Expired", "the reservation to expire");
        Assert.Equal(2m, expired.GetProperty("quantity").GetDecimal());
        Assert.Equal(0m, await Http.Reserved("EXP-1", "WH-1"));
    }

    private static string LevelUpdate(long inventoryItemId, long locationId, int available, DateTimeOffset updatedAt) => $$"""
        { "inventory_item_id": {{inventoryItemId}}, "location_id": {{locationId}}, "available": {{available}}, "updated_at": "{{updatedAt:O}}",
          "admin_graphql_api_id": "gid://shopify/InventoryLevel/{{locationId}}?inventory_item_id={{inventoryItemId}}" }
        """;

    [Fact]
    public async Task GivenTheLedgerIsTheTruth_WhenTheStoreReportsAnotherFigure_ThenAConflictIsRecordedAndTheLedgerPushedAgain()
    {
        await MapAsync("TRUTH-1", 810000000000006);
        await Http.Receive("TRUTH-1", "WH-1", 10m);
        await Calls.Eventually(() => Http.GetJson("api/inventory/TRUTH-1"),
            s => s.GetProperty("locations")[0].GetProperty("pushedVersion").GetInt64() == 1, "the receipt push to complete");
        var setsBefore = fixture.Shopify.Sets.Count(s => s.InventoryItemId == 810000000000006);

        var report = LevelUpdate(810000000000006, ShopifyLocation, 7, DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("inventory_levels/update", report, "wh-level-1"))).StatusCode);
        await Calls.Eventually(() => Http.GetJson("api/exceptions?owner=inventory"),
            e => e.EnumerateArray().Any(x => x.GetProperty("reason").GetString() == "channel-stock-conflict" && x.GetProperty("detail").GetString()!.Contains("TRUTH-1")),
            "the conflict");
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Sets.Count(s => s.InventoryItemId == 810000000000006)), n => n > setsBefore, "the ledger's figure pushed again");
        Assert.Equal(10, fixture.Shopify.Available(810000000000006, ShopifyLocation));
        Assert.Equal(10m, await Http.OnHand("TRUTH-1", "WH-1"));

        // A report older than the one already seen changes nothing and raises nothing.
        var stale = LevelUpdate(810000000000006, ShopifyLocation, 3, DateTimeOffset.UtcNow.AddSeconds(-30));
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("inventory_levels/update", stale, "wh-level-2"))).StatusCode);
        await Http.QueuesDrained();
        var conflicts = (await Http.GetJson("api/exceptions?owner=inventory")).EnumerateArray()
            .Count(x => x.GetProperty("reason").GetString() == "channel-stock-conflict" && x.GetProperty("detail").GetString()!.Contains("TRUTH-1"));
        Assert.Equal(1, conflicts);
    }

    [Fact]
    public async Task GivenTheStoreIsTheTruthForALocation_ThenItsNewestFigureCountsTheLedgerAndOlderOnesAreIgnored()
    {
        const long store2 = 655441492;
        await Http.PutJson("api/catalog/locations/WH-2", new { aliases = new[] { new { system = "shopify", value = store2.ToString() } } });
        await Http.PutJson("api/catalog/skus/TRUTH-2", new { aliases = new[] { new { system = "shopify", kind = "inventory-item", value = "810000000000007" } } });
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("inventory_levels/update", LevelUpdate(810000000000007, store2, 12, now), "wh-level-3"))).StatusCode);
        await Calls.Eventually(() => Http.OnHand("TRUTH-2", "WH-2"), v => v == 12m, "the store's figure to count the ledger");
        // Delivered late: older than the figure already applied.
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("inventory_levels/update", LevelUpdate(810000000000007, store2, 5, now.AddMinutes(-5)), "wh-level-4"))).StatusCode);
        await Http.QueuesDrained();
        Assert.Equal(12m, await Http.OnHand("TRUTH-2", "WH-2"));
        var history = await Http.GetJson("api/inventory/TRUTH-2/movements");
        var count = Assert.Single(history.GetProperty("movements").EnumerateArray());
        Assert.Equal("CycleCount", count.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task ATillSaleAndItsReturnMoveTheStoresStockAndTheWebStoreFollows()
    {
        await MapAsync("TILL-1", 810000000000008);
        await Http.PutJson("api/catalog/locations/WH-1", new { name = "Warehouse", aliases = new[] { new { system = "shopify", value = ShopifyLocation.ToString() }, new { system = "pos", value = "900" } } });
        await Http.Receive("TILL-1", "WH-1", 5m);
        const string sale = """
            { "storeId": "900", "transactions": [
              { "workstationId": "4", "sequenceNumber": "71", "businessDay": "2026-11-21", "type": "sale",
                "lines": [ { "itemId": "till-TILL-1", "quantity": 2, "unitPrice": 5, "extendedAmount": 10 } ] } ] }
            """;
        const string saleReturn = """
            { "storeId": "900", "transactions": [
              { "workstationId": "4", "sequenceNumber": "72", "businessDay": "2026-11-22", "type": "return",
                "lines": [ { "itemId": "till-TILL-1", "quantity": 1, "unitPrice": 5, "extendedAmount": -5,
                             "originalReceipt": { "storeId": "900", "workstationId": "4", "businessDay": "2026-11-21", "sequenceNumber": "71" } } ] } ] }
            """;
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync("api/pos/transactions", new StringContent(sale, Encoding.UTF8, "application/json"))).StatusCode);
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000008, ShopifyLocation)), v => v == 3, "the sale to reach the web store");
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync("api/pos/transactions", new StringContent(saleReturn, Encoding.UTF8, "application/json"))).StatusCode);
        await Calls.Eventually(() => Task.FromResult(fixture.Shopify.Available(810000000000008, ShopifyLocation)), v => v == 4, "the return to reach the web store");

        var history = await Http.GetJson("api/inventory/TILL-1/movements?location=WH-1");
        var movements = history.GetProperty("movements").EnumerateArray().ToList();
        Assert.Equal(["Receipt", "Sale", "Return"], movements.Select(m => m.GetProperty("kind").GetString()));
        Assert.Equal("2026-11-21", movements[1].GetProperty("businessDay").GetString());
        Assert.Equal("2026-11-22", movements[2].GetProperty("businessDay").GetString());
    }
}

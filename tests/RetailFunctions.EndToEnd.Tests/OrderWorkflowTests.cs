using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// A runtime whose pickup window is seconds long, so a missed pickup expires while the test watches, and long enough
/// that a collected pickup's few calls fit in it on a loaded machine.
/// </summary>
public sealed class OrdersFixture : RuntimeFixture
{
    public static readonly TimeSpan PickupWindow = TimeSpan.FromSeconds(15);

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Orders__PickupWindow"] = PickupWindow.ToString(),
        ["Orders__CashRefundLimit"] = "50",
    };
}

public sealed class OrderWorkflowTests(OrdersFixture fixture) : IClassFixture<OrdersFixture>
{
    private HttpClient Http => fixture.Http;

    // Stores with coordinates: the north store is near the customer in the split-shipment test.
    private static readonly (string Id, string ShopifyId, double Lat, double Lon)[] Stores =
    [
        ("STORE-N", "71001", 52.52, 13.40),
        ("STORE-S", "71002", 48.14, 11.58),
        ("STORE-W", "71003", 50.94, 6.96),
    ];

    private async Task SetUpAsync(string sku, long variantId, params (string Location, decimal Quantity)[] stock)
    {
        foreach (var store in Stores)
            await Http.PutJson($"api/catalog/locations/{store.Id}", new
            {
                name = store.Id, latitude = store.Lat, longitude = store.Lon,
                aliases = new[] { new { system = "shopify", value = store.ShopifyId } },
            });
        await Http.PutJson($"api/catalog/skus/{sku}", new { title = sku, aliases = new[] { new { system = "shopify", kind = "variant", value = variantId.ToString() } } });
        foreach (var (location, quantity) in stock) await Http.Receive(sku, location, quantity);
    }

    private static string WebOrder(long orderId, long variantId, string sku, int quantity, string? locationId = null, bool pickup = false,
        string updatedAt = "2026-11-20T10:00:00Z", string? cancelledAt = null, string financialStatus = "paid") => JsonSerializer.Serialize(new
    {
        id = orderId,
        name = $"#W{orderId % 100000}",
        currency = "EUR",
        created_at = "2026-11-20T10:00:00Z",
        updated_at = updatedAt,
        cancelled_at = cancelledAt,
        financial_status = financialStatus,
        location_id = locationId is null ? (long?)null : long.Parse(locationId),
        payment_gateway_names = new[] { "shopify_payments" },
        subtotal_price = (20m * quantity).ToString("0.00"),
        total_tax = (4m * quantity).ToString("0.00"),
        total_price = (24m * quantity + (pickup ? 0m : 5m)).ToString("0.00"),
        taxes_included = false,
        customer = new { id = 99001, email = "web.shopper@example.com" },
        line_items = new[]
        {
            new
            {
                id = orderId * 10 + 1, variant_id = variantId, sku, title = "Walking boot", quantity, price = "20.00", total_discount = "0.00",
                requires_shipping = true, gift_card = false, fulfillment_status = (string?)null,
                tax_lines = new[] { new { title = "VAT", rate = 0.2m, price = (4m * quantity).ToString("0.00") } },
            },
        },
        shipping_lines = pickup
            ? new object[] { new { title = "Pick up in store", code = "Pickup", price = "0.00", tax_lines = Array.Empty<object>() } }
            : [new { title = "Standard", code = "STANDARD", price = "5.00", tax_lines = Array.Empty<object>() }],
    });

    private async Task<JsonElement> OrderByShopifyId(long orderId, Func<JsonElement, bool> until, string what) =>
        await Calls.Eventually(async () =>
        {
            var response = await Http.GetAsync($"api/orders/by-channel/shopify/{orderId}");
            return response.IsSuccessStatusCode ? await response.Json() : default;
        }, o => o.ValueKind == JsonValueKind.Object && until(o), what);

    private async Task<JsonElement> Act(string orderId, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/orders/{orderId}/{path}") { Content = JsonContent.Create(body ?? new { }) };
        request.Headers.Add("X-RetailFunctions-User", "associate-17");
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Status(JsonElement order) => order.GetProperty("status").GetString()!;

    [Fact]
    public async Task GivenWebPickupOrder_WhenTheStorePicksAndTheCustomerCollects_ThenStockLeavesThatStoreAndTheOrderCloses()
    {
        await SetUpAsync("BOOT-P", 880001, ("STORE-N", 5m));
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", WebOrder(5550001, 880001, "BOOT-P", 2, "71001", pickup: true), "wh-o-1"))).StatusCode);

        var order = await OrderByShopifyId(5550001, o => Status(o) == "Paid", "the pickup order to be reserved and paid");
        var orderId = order.GetProperty("orderId").GetString()!;
        Assert.Equal("Pickup", order.GetProperty("method").GetString());
        var shipment = Assert.Single(order.GetProperty("shipments").EnumerateArray());
        Assert.Equal("STORE-N", shipment.GetProperty("location").GetString());
        Assert.Equal(2m, await Http.Reserved("BOOT-P", "STORE-N"));
        Assert.Equal(orderId, (await Http.GetJson($"api/orders/by-channel/web/%23W50001")).GetProperty("orderId").GetString());

        var tasks = await Calls.Eventually(() => Http.GetJson("api/stores/STORE-N/tasks"),
            t => t.EnumerateArray().Any(x => x.GetProperty("orderId").GetString() == orderId), "the store's pick task");
        Assert.Equal("Allocated", tasks.EnumerateArray().First(x => x.GetProperty("orderId").GetString() == orderId).GetProperty("stage").GetString());

        // The associate picked without recording it: ready for pickup straight away, and picking can no longer be recorded.
        var ready = await Act(orderId, "shipments/S1/ready-for-pickup");
        Assert.NotNull(ready.GetProperty("shipments")[0].GetProperty("pickupDeadline").GetString());
        var back = await Act(orderId, "shipments/S1/pick", expected: HttpStatusCode.Conflict);
        Assert.Contains("cannot go back", back.GetProperty("detail").GetString());
        var wrongPath = await Act(orderId, "shipments/S1/ship", expected: HttpStatusCode.Conflict);
        Assert.Contains("has no stage Shipped", wrongPath.GetProperty("detail").GetString());
        var collected = await Act(orderId, "shipments/S1/picked-up");
        Assert.Equal("Closed", Status(collected));
        Assert.Equal(3m, await Http.OnHand("BOOT-P", "STORE-N"));
        Assert.Equal(0m, await Http.Reserved("BOOT-P", "STORE-N"));
        var repeated = await Act(orderId, "shipments/S1/picked-up");
        Assert.Equal("Closed", Status(repeated));
        Assert.Equal(3m, await Http.OnHand("BOOT-P", "STORE-N"));
        await Calls.Eventually(() => Http.GetJson("api/stores/STORE-N/tasks"),
            t => t.EnumerateArray().All(x => x.GetProperty("orderId").GetString() != orderId), "the task to leave the open pick list");
    }

    [Fact]
    public async Task GivenShippedWebOrder_WhenReturnedInAStore_ThenThatStoreRestocksPerDispositionAndTheCardIsRefunded()
    {
        await SetUpAsync("BOOT-R", 880002, ("STORE-W", 4m));
        await Http.SendAsync(Calls.ShopifyWebhook("orders/create", WebOrder(5550002, 880002, "BOOT-R", 3, "71003"), "wh-o-2"));
        var order = await OrderByShopifyId(5550002, o => Status(o) == "Paid", "the web order to be reserved");
        var orderId = order.GetProperty("orderId").GetString()!;
        var lineId = order.GetProperty("lines")[0].GetProperty("lineId").GetString()!;
        await Act(orderId, "shipments/S1/ship", new { trackingNumbers = new[] { "TRACK-1" } });
        Assert.Equal(1m, await Http.OnHand("BOOT-R", "STORE-W"));

        var returned = await Act(orderId, "returns", new
        {
            returnId = "RET-1", location = "STORE-N",
            lines = new object[] { new { lineId, quantity = 1, disposition = "sellable" }, new { lineId, quantity = 1, disposition = "damaged" } },
        }, HttpStatusCode.Created);
        var refund = Assert.Single(returned.GetProperty("refunds").EnumerateArray());
        Assert.Equal(48.00m, refund.GetProperty("goods").GetDecimal() + refund.GetProperty("tax").GetDecimal());
        Assert.Equal(48.00m, refund.GetProperty("tenders")[0].GetProperty("amount").GetDecimal());
        Assert.Equal(48.00m, returned.GetProperty("totals").GetProperty("refunded").GetDecimal());
        Assert.Equal(1m, await Http.OnHand("BOOT-R", "STORE-N"));

        var tooMany = await Act(orderId, "returns", new { returnId = "RET-2", location = "STORE-N", lines = new[] { new { lineId, quantity = 2 } } }, HttpStatusCode.Conflict);
        Assert.Contains("only 1 of 3", tooMany.GetProperty("detail").GetString());
        var again = await Act(orderId, "returns", new { returnId = "RET-1", location = "STORE-N", lines = new[] { new { lineId, quantity = 1 } } });
        Assert.Single(again.GetProperty("returns").EnumerateArray());
        Assert.Equal(1m, await Http.OnHand("BOOT-R", "STORE-N"));
    }

    [Fact]
    public async Task GivenNoSingleStoreCanFillAnAppOrder_WhenPlaced_ThenItSplitsNearestFirstIntoTwoShipments()
    {
        await SetUpAsync("BOOT-X", 880003, ("STORE-N", 2m), ("STORE-S", 1m), ("STORE-W", 6m));
        await Http.PutJson("api/catalog/skus/SOCK-X", new { title = "Sock" });
        await Http.Receive("SOCK-X", "STORE-N", 10m);
        var response = await Http.PostAsJsonAsync("api/orders", new
        {
            channel = "app", channelOrderId = "APP-1001", currency = "EUR",
            shipTo = new { latitude = 52.40, longitude = 13.05 },
            lines = new object[] { new { sku = "BOOT-X", quantity = 4, unitPrice = 20 }, new { sku = "SOCK-X", quantity = 2, unitPrice = 5 } },
            payments = new[] { new { method = "card", token = "tok_visa_1", last4 = "4242", authorized = 90m, captured = 90m } },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = await Calls.Eventually(() => Http.GetJson("api/orders/app-APP-1001"), o => Status(o) == "Paid", "the app order to be reserved");

        var shipments = order.GetProperty("shipments").EnumerateArray().ToList();
        Assert.Equal(2, shipments.Count);
        Assert.Equal("STORE-N", shipments[0].GetProperty("location").GetString());
        Assert.Equal(["BOOT-X:2", "SOCK-X:2"], shipments[0].GetProperty("lines").EnumerateArray().Select(l => $"{l.GetProperty("sku").GetString()}:{l.GetProperty("quantity").GetDecimal()}"));
        // The remaining boots come from the deeper of the two far stores' stock, not from the single unit in the south.
        Assert.Equal("STORE-W", shipments[1].GetProperty("location").GetString());
        Assert.Equal(2m, await Http.Reserved("BOOT-X", "STORE-N"));
        Assert.Equal(2m, await Http.Reserved("BOOT-X", "STORE-W"));
        Assert.Equal(0m, order.GetProperty("backorders").GetArrayLength());

        // Actions on an order nobody placed write nothing and say so.
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsJsonAsync("api/orders/app-NOPE/cancel", new { reason = "typo" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsJsonAsync("api/orders/app-NOPE/payments",
            new { paymentId = "p", method = "card", kind = "capture", amount = 5m, transactionId = "t-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("api/orders/app-NOPE")).StatusCode);
        var badAmount = await Http.PostAsJsonAsync("api/orders/app-APP-1001/refunds", new { amount = 1.005m, reason = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, badAmount.StatusCode);
        Assert.Equal("amount", (await badAmount.Json()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task GivenAnOrderTooLargeForAQueueMessage_ThenItsEventsStillReachTheStoreAndNothingIsDeadLettered()
    {
        await SetUpAsync("CARD-L", 880009, ("STORE-W", 200m));
        var title = new string('x', 400);
        var placed = await Http.PostAsJsonAsync("api/orders", new
        {
            channel = "app", channelOrderId = "APP-BIG", currency = "EUR", location = "STORE-W",
            lines = Enumerable.Range(1, 150).Select(i => new { lineId = $"L{i}", sku = "CARD-L", title = $"{title}-{i}", quantity = 1, unitPrice = 2 }),
        });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var tasks = await Calls.Eventually(() => Http.GetJson("api/stores/STORE-W/tasks"),
            t => t.EnumerateArray().Any(x => x.GetProperty("orderId").GetString() == "app-APP-BIG"), "the large order's pick task", timeoutSeconds: 120);
        Assert.Equal(150, tasks.EnumerateArray().First(x => x.GetProperty("orderId").GetString() == "app-APP-BIG").GetProperty("lines").GetArrayLength());
        var parked = await Http.GetJson("api/deadletters?queue=order-events");
        Assert.DoesNotContain(parked.EnumerateArray(), d => d.GetProperty("envelope").GetProperty("keys").TryGetProperty("order", out var o) && o.GetString() == "app-APP-BIG");
    }

    [Fact]
    public async Task GivenSplitTenders_WhenPartlyRefunded_ThenEachTenderGetsItsShareAndMoreThanCapturedIsRefused()
    {
        await SetUpAsync("BOOT-F", 880004, ("STORE-S", 3m));
        var placed = await Http.PostAsJsonAsync("api/orders", new
        {
            channel = "marketplace", channelOrderId = "MP-77", currency = "EUR", location = "STORE-S",
            lines = new[] { new { sku = "BOOT-F", quantity = 1, unitPrice = 100 } },
            payments = new object[]
            {
                new { paymentId = "card", method = "card", token = "tok_mc", last4 = "5454", captured = 60m },
                new { paymentId = "gift", method = "gift_card", captured = 40m },
            },
        });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var refunded = await Act("marketplace-MP-77", "refunds", new { refundId = "GOODWILL-1", amount = 10.01m, reason = "late delivery" }, HttpStatusCode.Created);
        var tenders = refunded.GetProperty("refunds")[0].GetProperty("tenders").EnumerateArray().ToDictionary(t => t.GetProperty("paymentId").GetString()!, t => t.GetProperty("amount").GetDecimal());
        Assert.Equal(10.01m, tenders.Values.Sum());
        Assert.Equal(6.01m, tenders["card"]);
        Assert.Equal(4.00m, tenders["gift"]);

        var tooMuch = await Act("marketplace-MP-77", "refunds", new { refundId = "GOODWILL-2", amount = 95m, reason = "mistake" }, HttpStatusCode.Conflict);
        Assert.Contains("exceeds the 89.99", tooMuch.GetProperty("detail").GetString());

        var pan = await Http.PostAsJsonAsync("api/orders/marketplace-MP-77/payments", new
        {
            paymentId = "card", method = "card", token = "4111111111111111", kind = "chargeback", amount = 5m, transactionId = "cb-1",
        });
        Assert.Equal(HttpStatusCode.BadRequest, pan.StatusCode);
        var chargeback = await Act("marketplace-MP-77", "payments", new { paymentId = "card", method = "card", kind = "chargeback", amount = 5m, transactionId = "cb-1" });
        Assert.Equal("charged_back", chargeback.GetProperty("payments").EnumerateArray().First(p => p.GetProperty("paymentId").GetString() == "card").GetProperty("status").GetString());
        await Calls.Eventually(() => Http.GetJson("api/exceptions?owner=finance"),
            e => e.EnumerateArray().Any(x => x.GetProperty("reason").GetString() == "chargeback" && x.GetProperty("detail").GetString()!.Contains("marketplace-MP-77")),
            "the chargeback exception for finance");

        // The nightly reconciliation sees what the card captured and refunded, waiting for the processor's settlement; the gift card's share no processor settles.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        await Calls.Eventually(async () =>
        {
            Assert.True((await Http.PostAsync($"api/reconciliation/run?businessDay={today}", null)).IsSuccessStatusCode);
            return await Http.GetJson($"api/reconciliation/{today}");
        }, r => SettledArea(r, "STORE-S").Expected >= 2, "the order's card capture and refund in the reconciliation");
        var report = await Http.GetJson($"api/reconciliation/{today}");
        Assert.Equal(60m - 6.01m, SettledArea(report, "STORE-S").Total);
    }

    private static (long Expected, decimal Total) SettledArea(JsonElement report, string store)
    {
        var areas = report.GetProperty("report").GetProperty("summary").GetProperty("areas").EnumerateArray()
            .Where(a => a.GetProperty("area").GetString() == "Settlements" && a.GetProperty("store").GetString() == store).ToList();
        return (areas.Sum(a => a.GetProperty("expectedCount").GetInt64()), areas.Sum(a => a.GetProperty("expectedTotal").GetDecimal()));
    }

    [Fact]
    public async Task GivenPickupReadyButNeverCollected_WhenTheDeadlinePasses_ThenItIsCancelledReleasedAndRefunded()
    {
        await SetUpAsync("BOOT-E", 880005, ("STORE-N", 2m));
        var placed = await Http.PostAsJsonAsync("api/orders", new
        {
            channel = "curbside", channelOrderId = "CB-5", currency = "EUR", method = "pickup", location = "STORE-N",
            lines = new[] { new { sku = "BOOT-E", quantity = 1, unitPrice = 30 } },
            payments = new[] { new { method = "card", token = "tok_amex", last4 = "0005", captured = 30m } },
        });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        Assert.Equal(1m, await Http.Reserved("BOOT-E", "STORE-N"));
        await Act("curbside-CB-5", "shipments/S1/ready-for-pickup");

        var expired = await Calls.Eventually(() => Http.GetJson("api/orders/curbside-CB-5"), o => Status(o) == "Cancelled" && o.GetProperty("pendingEffects").GetInt32() == 0, "the pickup to expire",
            timeoutSeconds: 90 + (int)OrdersFixture.PickupWindow.TotalSeconds);
        Assert.Equal("Expired", expired.GetProperty("shipments")[0].GetProperty("stage").GetString());
        Assert.Equal(30m, expired.GetProperty("totals").GetProperty("refunded").GetDecimal());
        Assert.Equal(0m, await Http.Reserved("BOOT-E", "STORE-N"));
        Assert.Equal(2m, await Http.OnHand("BOOT-E", "STORE-N"));
    }

    [Fact]
    public async Task GivenWebOrderEvents_WhenTheyArriveOutOfOrderAndTwice_ThenTheOrderConverges()
    {
        await SetUpAsync("BOOT-O", 880006, ("STORE-S", 5m));
        var cancelled = WebOrder(5550006, 880006, "BOOT-O", 2, "71002", updatedAt: "2026-11-20T12:00:00Z", cancelledAt: "2026-11-20T12:00:00Z", financialStatus: "voided");
        var created = WebOrder(5550006, 880006, "BOOT-O", 2, "71002", financialStatus: "authorized");
        await Http.SendAsync(Calls.ShopifyWebhook("orders/cancelled", cancelled, "wh-o-6b"));
        await Http.SendAsync(Calls.ShopifyWebhook("orders/create", created, "wh-o-6a"));
        await Http.SendAsync(Calls.ShopifyWebhook("orders/cancelled", cancelled, "wh-o-6c"));

        var order = await OrderByShopifyId(5550006, o => Status(o) == "Cancelled" && o.GetProperty("pendingEffects").GetInt32() == 0, "the order to converge on cancelled");
        Assert.Equal("2026-11-20T12:00:00+00:00", order.GetProperty("version").GetString());
        await Calls.Eventually(() => Http.Reserved("BOOT-O", "STORE-S"), r => r is null or 0m, "nothing to stay reserved");
        Assert.Equal(5m, await Http.OnHand("BOOT-O", "STORE-S"));
    }
}

public sealed class TillOrderTests(OrdersFixture fixture) : IClassFixture<OrdersFixture>
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task GivenTillSale_WhenFoundByItsReceiptAndReturnedInAnotherStore_ThenThatStoreRestocksAndCashAboveTheLimitBecomesStoreCredit()
    {
        await Http.PutJson("api/catalog/locations/STORE-61", new { aliases = new[] { new { system = "pos", value = "61" } } });
        await Http.PutJson("api/catalog/locations/STORE-62", new { aliases = new[] { new { system = "pos", value = "62" } } });
        await Http.PutJson("api/catalog/skus/COAT-T", new { title = "Coat", aliases = new[] { new { system = "pos", kind = "item", value = "till-coat" } } });
        await Http.Receive("COAT-T", "STORE-61", 4m);
        const string batch = """
            { "storeId": "61", "currency": "EUR", "transactions": [
              { "workstationId": "2", "sequenceNumber": "812", "businessDay": "2026-11-21", "type": "sale", "loyaltyId": "LOY-61-1",
                "lines": [ { "itemId": "till-coat", "quantity": 2, "unitPrice": 60, "extendedAmount": 120 } ],
                "tenders": [ { "type": "cash", "amount": 140 }, { "type": "cash", "amount": 20, "change": true } ] } ] }
            """;
        var upload = await Http.PostAsync("api/pos/transactions", new StringContent(batch, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);

        var sale = await Calls.Eventually(async () =>
        {
            var response = await Http.GetAsync("api/orders/by-channel/pos/61-812");
            return response.IsSuccessStatusCode ? await response.Json() : default;
        }, o => o.ValueKind == JsonValueKind.Object && o.GetProperty("status").GetString() == "Closed", "the till sale as a closed order");
        var orderId = sale.GetProperty("orderId").GetString()!;
        Assert.Equal("CarryOut", sale.GetProperty("method").GetString());
        Assert.Equal(120m, sale.GetProperty("totals").GetProperty("captured").GetDecimal());
        Assert.Equal(orderId, (await Http.GetJson("api/orders/by-channel/pos/61-2-20261121-812")).GetProperty("orderId").GetString());
        Assert.Equal(2m, await Http.OnHand("COAT-T", "STORE-61"));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/orders/{orderId}/returns")
        {
            Content = JsonContent.Create(new { returnId = "TILL-RET-1", location = "STORE-62", lines = new[] { new { lineId = "1", quantity = 2, disposition = "sellable" } } }),
        };
        var returned = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, returned.StatusCode);
        var refund = (await returned.Json()).GetProperty("refunds")[0];
        Assert.Equal(50m, refund.GetProperty("tenders")[0].GetProperty("amount").GetDecimal());
        Assert.Equal(70m, refund.GetProperty("storeCredit").GetDecimal());
        Assert.Contains("cash refunds are limited", refund.GetProperty("notes")[0].GetString());
        await Calls.Eventually(() => Http.OnHand("COAT-T", "STORE-62"), v => v == 2m, "the coats to be back on the other store's shelf");
        Assert.Equal(2m, await Http.OnHand("COAT-T", "STORE-61"));

        // Finance sees the sale (journalled from the till's receipt) on the till's business day at the selling store, and the
        // refund where and when it was paid out.
        var sold = await Calls.Eventually(() => Http.GetJson("api/finance/journal?businessDay=2026-11-21&store=STORE-61"),
            j => j.EnumerateArray().Any(e => e.GetProperty("factId").GetString() == "pos:61-2-20261121-812:sale"), "the sale's journal entry");
        var saleEntry = sold.EnumerateArray().First(e => e.GetProperty("factId").GetString() == "pos:61-2-20261121-812:sale");
        Assert.True(saleEntry.GetProperty("isBalanced").GetBoolean());
        Assert.Equal(120m, saleEntry.GetProperty("totalDebit").GetDecimal());
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var refunded = await Calls.Eventually(() => Http.GetJson($"api/finance/journal?businessDay={today}&store=STORE-62"),
            j => j.EnumerateArray().Any(e => e.GetProperty("factId").GetString() == $"order:{orderId}:refund:return:TILL-RET-1"), "the refund's journal entry");
        Assert.True(refunded.EnumerateArray().First(e => e.GetProperty("factId").GetString() == $"order:{orderId}:refund:return:TILL-RET-1").GetProperty("isBalanced").GetBoolean());
    }
}

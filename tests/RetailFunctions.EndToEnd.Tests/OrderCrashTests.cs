using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using RetailFunctions.Pipeline;
using RetailFunctions.Storage;
using RetailFunctions.Testing;
using Xunit.Abstractions;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A runtime whose queue messages come back 3 s after a killed worker took them.</summary>
public sealed class OrderCrashFixture : RuntimeFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:03",
    };
}

public sealed class OrderCrashTests(OrderCrashFixture fixture, ITestOutputHelper output) : IClassFixture<OrderCrashFixture>
{
    private const int WebOrders = 40;
    private const int AppOrders = 16;
    private const decimal Received = 500m;

    // Each SKU is stocked at one store only, so where it is reserved is known; orders mixing them split into shipments.
    private static readonly (string Sku, long VariantId, string Location)[] Items =
    [
        ("CRASH-BOOT", 770001, "CRASH-N"),
        ("CRASH-SOCK", 770002, "CRASH-S"),
        ("CRASH-HAT", 770003, "CRASH-W"),
        ("CRASH-BAG", 770004, "CRASH-N"),
    ];

    private static readonly (string Id, string ShopifyId, double Lat, double Lon)[] Stores =
    [
        ("CRASH-N", "72001", 52.52, 13.40),
        ("CRASH-S", "72002", 48.14, 11.58),
        ("CRASH-W", "72003", 50.94, 6.96),
    ];

    /// <summary>Order n's lines: one to three items, quantities 1-3.</summary>
    private static (string Sku, long VariantId, int Quantity)[] LinesOf(int n) =>
        [.. Enumerable.Range(0, 1 + n % 3).Select(j => Items[(n + j) % Items.Length]).Select((item, j) => (item.Sku, item.VariantId, 1 + (n + j) % 3))];

    private static string WebOrder(long orderId, (string Sku, long VariantId, int Quantity)[] lines)
    {
        var units = lines.Sum(l => l.Quantity);
        return JsonSerializer.Serialize(new
        {
            id = orderId,
            name = $"#C{orderId % 100000}",
            currency = "EUR",
            created_at = "2026-11-20T10:00:00Z",
            updated_at = "2026-11-20T10:00:00Z",
            cancelled_at = (string?)null,
            financial_status = "paid",
            location_id = (long?)null,
            payment_gateway_names = new[] { "shopify_payments" },
            subtotal_price = (20m * units).ToString("0.00"),
            total_tax = (4m * units).ToString("0.00"),
            total_price = (24m * units + 5m).ToString("0.00"),
            taxes_included = false,
            customer = new { id = 99002, email = "crash.shopper@example.com" },
            line_items = lines.Select((l, j) => new
            {
                id = orderId * 10 + j + 1, variant_id = l.VariantId, sku = l.Sku, title = l.Sku, quantity = l.Quantity, price = "20.00", total_discount = "0.00",
                requires_shipping = true, gift_card = false, fulfillment_status = (string?)null,
                tax_lines = new[] { new { title = "VAT", rate = 0.2m, price = (4m * l.Quantity).ToString("0.00") } },
            }).ToArray(),
            shipping_lines = new[] { new { title = "Standard", code = "STANDARD", price = "5.00", tax_lines = Array.Empty<object>() } },
        });
    }

    private static async Task<HttpStatusCode?> PlaceAppOrderAsync(HttpClient http, int n)
    {
        var lines = LinesOf(n);
        var total = lines.Sum(l => 10m * l.Quantity);
        try
        {
            using var response = await http.PostAsJsonAsync("api/orders", new
            {
                channel = "app", channelOrderId = $"CRASH-APP-{n}", currency = "EUR",
                lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, unitPrice = 10m }),
                payments = new[] { new { method = "card", token = $"tok_crash_{n}", last4 = "4242", captured = total } },
            });
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null; // the process died under the request: the app retries
        }
    }

    [Fact]
    public async Task GivenRuntimeKilledWhileOrdersAreBeingReserved_WhenRestarted_ThenEveryOrderFinishesExactlyOnce()
    {
        foreach (var store in Stores)
            await fixture.Http.PutJson($"api/catalog/locations/{store.Id}", new
            {
                name = store.Id, latitude = store.Lat, longitude = store.Lon, aliases = new[] { new { system = "shopify", value = store.ShopifyId } },
            });
        foreach (var (sku, variantId, location) in Items)
        {
            await fixture.Http.PutJson($"api/catalog/skus/{sku}", new { title = sku, aliases = new[] { new { system = "shopify", kind = "variant", value = variantId.ToString() } } });
            await fixture.Http.Receive(sku, location, Received);
        }

        // Web orders are acknowledged once durably queued; app orders are placed at the same time and answered only when
        // reserved. The kill lands as soon as the last webhook is acknowledged, while the worker is still on the queue.
        var appOrders = Enumerable.Range(0, AppOrders).Select(n => PlaceAppOrderAsync(fixture.Http, n)).ToList();
        var acks = await Task.WhenAll(Enumerable.Range(0, WebOrders).Select(n =>
            fixture.Http.SendAsync(Calls.ShopifyWebhook("orders/create", WebOrder(7700000 + n, LinesOf(n)), $"wh-crash-{n}"))));
        fixture.Runtime.Kill();
        Assert.All(acks, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var appAnswers = await Task.WhenAll(appOrders);

        // Storage as the crash left it: work was still pending.
        var queued = (await new QueueClient(fixture.Azurite.ConnectionString, QueueNames.ShopifyWebhooks).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var outboxes = 0;
        await foreach (var _ in new TableClient(fixture.Azurite.ConnectionString, TableNames.Orders)
                           .QueryAsync<TableEntity>($"PendingCount gt 0 and {TableOrderStore.OrderRowsFilter}", select: ["PartitionKey"]))
            outboxes++;
        output.WriteLine($"at the kill: {queued} web orders still queued, {outboxes} orders with unfinished effects, " +
            $"{appAnswers.Count(a => a != HttpStatusCode.Created)} of {AppOrders} app placements cut off");
        Assert.True(queued > 0, $"the web orders were all taken off the queue before the kill ({outboxes} unfinished outboxes), so the test proved nothing about recovery");

        await using var restarted = new RuntimeProcess(fixture.Settings());
        await restarted.StartAsync();
        using var http = RuntimeFixture.CreateClient(restarted);

        // The app retries what the crash cut off; placement is idempotent by the channel's order id.
        for (var n = 0; n < AppOrders; n++)
            if (appAnswers[n] != HttpStatusCode.Created)
                Assert.Equal(HttpStatusCode.Created, await PlaceAppOrderAsync(http, n));

        var finished = new List<(JsonElement Order, (string Sku, long VariantId, int Quantity)[] Lines)>();
        for (var n = 0; n < WebOrders; n++)
        {
            var shopifyId = 7700000 + n;
            var order = await Calls.Eventually(async () =>
                {
                    var response = await http.GetAsync($"api/orders/by-channel/shopify/{shopifyId}");
                    return response.IsSuccessStatusCode ? await response.Json() : default;
                }, o => o.ValueKind == JsonValueKind.Object && o.GetProperty("status").GetString() == "Paid" && o.GetProperty("pendingEffects").GetInt32() == 0,
                $"web order {shopifyId} to be reserved and paid after the restart", timeoutSeconds: 120);
            finished.Add((order, LinesOf(n)));
        }
        // An answered placement has run its effects, but their removal from the row may have been cut off by the kill:
        // the sweep runs them again (each is idempotent) and empties the outbox.
        for (var n = 0; n < AppOrders; n++)
            finished.Add((await Calls.Eventually(() => http.GetJson($"api/orders/app-CRASH-APP-{n}"),
                o => o.GetProperty("pendingEffects").GetInt32() == 0, $"app order {n} to have no effect left to run", timeoutSeconds: 120), LinesOf(n)));

        foreach (var (order, lines) in finished)
        {
            var id = order.GetProperty("orderId").GetString();
            Assert.True(order.GetProperty("status").GetString() == "Paid", $"{id} is {order.GetProperty("status").GetString()}");
            Assert.Equal(0, order.GetProperty("pendingEffects").GetInt32());
            Assert.Equal(lines.Length, order.GetProperty("lines").GetArrayLength());
            foreach (var line in order.GetProperty("lines").EnumerateArray())
                Assert.True(line.GetProperty("allocated").GetDecimal() == line.GetProperty("quantity").GetDecimal(), $"{id} line {line.GetProperty("lineId").GetString()} allocated {line.GetProperty("allocated").GetDecimal()} of {line.GetProperty("quantity").GetDecimal()}");
            // One shipment per store the order draws from, each line reserved at the store that stocks it.
            var shipments = order.GetProperty("shipments").EnumerateArray().ToList();
            Assert.Equal(lines.Select(l => Items.First(i => i.Sku == l.Sku).Location).Distinct().Order(), shipments.Select(s => s.GetProperty("location").GetString()!).Order());
            foreach (var shipment in shipments)
                foreach (var line in shipment.GetProperty("lines").EnumerateArray())
                    Assert.Equal(Items.First(i => i.Sku == line.GetProperty("sku").GetString()).Location, shipment.GetProperty("location").GetString());
        }

        // Every reservation held once: reserved per SKU at its store is what was ordered, nothing left the shelf, and the
        // only movement is the receipt.
        var ordered = Enumerable.Range(0, WebOrders).SelectMany(LinesOf).Concat(Enumerable.Range(0, AppOrders).SelectMany(LinesOf))
            .GroupBy(l => l.Sku).ToDictionary(g => g.Key, g => (decimal)g.Sum(l => l.Quantity));
        foreach (var (sku, _, location) in Items)
        {
            Assert.True(ordered[sku] == await http.Reserved(sku, location), $"{sku} at {location}: reserved {await http.Reserved(sku, location)}, ordered {ordered[sku]}");
            Assert.Equal(Received, await http.OnHand(sku, location));
            var movements = (await http.GetJson($"api/inventory/{sku}/movements?pageSize=1000")).GetProperty("movements").EnumerateArray().ToList();
            Assert.Equal("Receipt", Assert.Single(movements).GetProperty("kind").GetString());
            foreach (var other in Stores.Where(s => s.Id != location))
                Assert.True(await http.Reserved(sku, other.Id) is null or 0m, $"{sku} reserved at {other.Id}, where it is not stocked");
        }
    }
}

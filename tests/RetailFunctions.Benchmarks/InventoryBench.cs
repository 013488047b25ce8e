using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// The stock ledger under contention and the web store's view of it: checkouts racing for the last units of one
/// SKU (never more reservations than stock, on one runtime or two sharing storage), and how soon a till sale shows
/// in the figure pushed to the web store.
/// </summary>
public static class InventoryBench
{
    private const string Location = "WH-1";
    private const long ShopifyLocation = 655441491;
    private const string PosStore = "900";
    private const long InventoryItemBase = 830_000_000_000_000;

    /// <summary>
    /// The baseline of the race: one writer updating one Table entity in a loop, each update If-Match on the ETag the
    /// last one returned, straight to Azurite. One SKU's decisions can go no faster one write at a time.
    /// </summary>
    public static async Task SingleWriterEtagAsync(Config config, Report report, CancellationToken ct)
    {
        var updates = config.Quick ? 1_000 : 3_000;
        Console.WriteLine();
        Console.WriteLine($"[3] single-writer ETag updates of one entity: {updates} updates, each If-Match on the last ETag");
        Azurite? azurite = null;
        try
        {
            azurite = await Started.AzuriteAsync();
            var table = new TableClient(azurite.ConnectionString, "BenchEtagUpdates");
            await table.CreateIfNotExistsAsync(ct);
            var entity = new TableEntity("sku", "loc:WH-1:bal") { ["OnHand"] = "0", ["Version"] = 0L };
            var etag = (await table.AddEntityAsync(entity, ct)).Headers.ETag!.Value;
            for (var i = 1; i <= updates / 10; i++)
            {
                entity["Version"] = (long)i;
                etag = (await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, ct)).Headers.ETag!.Value;
            }
            var clock = Stopwatch.StartNew();
            var latencies = new double[updates];
            for (var i = 0; i < updates; i++)
            {
                var start = Stopwatch.GetTimestamp();
                entity["Version"] = (long)(updates + i);
                entity["OnHand"] = i.ToString(CultureInfo.InvariantCulture);
                etag = (await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, ct)).Headers.ETag!.Value;
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            var perSecond = updates / clock.Elapsed.TotalSeconds;
            report.Row("Single-writer ETag update (baseline)", $"{Report.Fmt(perSecond)} updates/s",
                $"{updates} updates of one entity, one writer, each If-Match on the ETag the last returned, {clock.Elapsed.TotalSeconds:0.00} s; " +
                $"update {LatencySummary.Of(latencies)}");
            report.Figure("singleWriterEtag", perSecond);
            report.Result("singleWriterEtag", new
            {
                updates,
                seconds = Report.Round(clock.Elapsed.TotalSeconds, 3),
                perSecond = Report.Round(perSecond),
                latencyMs = LatencySummary.Of(latencies),
            });
        }
        finally
        {
            await Started.StopAsync(azurite);
        }
    }

    public static async Task OversellRaceAsync(Config config, Report report, int instances, CancellationToken ct)
    {
        var key = instances == 1 ? "oversellRace" : "oversellRaceTwoInstances";
        var label = instances == 1 ? "Oversell race, 1 runtime" : $"Oversell race, {instances} runtimes";
        Console.WriteLine();
        Console.WriteLine($"[{(instances == 1 ? "3a" : "3b")}] oversell race on {instances} runtime(s) sharing one Azurite: {config.RaceStock} units received, " +
            $"then {config.RaceCheckouts} checkouts of 1 unit from {config.RaceConcurrency} clients");
        Azurite? azurite = null;
        var runtimes = new List<RuntimeProcess>();
        var clients = new List<HttpClient>();
        try
        {
            azurite = await Started.AzuriteAsync();
            for (var i = 0; i < instances; i++)
                runtimes.Add(await Started.RuntimeAsync(Settings(azurite)));
            // Each runtime gets its share of the clients' connections.
            clients.AddRange(runtimes.Select(r => Client(r, Math.Max(1, config.RaceConcurrency / instances))));

            // Warm-up on another SKU, through every instance: the race should not pay for JIT and first connections.
            const string warmupSku = "RACE-WARMUP";
            await ReceiveAsync(clients[0], warmupSku, config.RaceWarmup / 2, "race-warmup-receipt", ct);
            await Load.RunAsync(config.RaceWarmup, config.RaceConcurrency, (i, token) =>
                ReserveAsync(clients[i % instances], warmupSku, $"warmup-{i}", token), ct);

            var sku = $"RACE-{instances}";
            await ReceiveAsync(clients[0], sku, config.RaceStock, $"race-receipt-{instances}", ct);
            var result = await Load.RunAsync(config.RaceCheckouts, config.RaceConcurrency, (i, token) =>
                ReserveAsync(clients[i % instances], sku, $"checkout-{i:D6}", token), ct);

            var levels = new List<Level>();
            foreach (var client in clients)
                levels.Add(await LevelAsync(client, sku, ct));
            var level = levels[0];
            var created = result.Count("201");
            var refused = result.Count("409");
            var other = result.Operations - created - refused;
            var oversold = Math.Max(0, created - config.RaceStock);
            var perSecond = result.Operations / result.Elapsed.TotalSeconds;

            var broken = new List<string>();
            if (created != config.RaceStock) broken.Add($"201 Created {created}, expected {config.RaceStock}");
            if (refused != config.RaceCheckouts - config.RaceStock) broken.Add($"409 Conflict {refused}, expected {config.RaceCheckouts - config.RaceStock}");
            if (other != 0) broken.Add($"{other} other answers{OtherOutcomes(result)}");
            if (oversold != 0) broken.Add($"units oversold: {oversold}");
            if (level.OnHand != config.RaceStock) broken.Add($"on hand {level.OnHand}, expected {config.RaceStock}");
            if (level.Reserved != config.RaceStock) broken.Add($"reserved {level.Reserved}, expected {config.RaceStock}");
            if (level.Available != 0m) broken.Add($"available {level.Available}, expected 0");
            if (levels.Any(l => l != level)) broken.Add($"the runtimes disagree: {string.Join(" vs ", levels)}");
            foreach (var reason in broken) report.Fail($"{label}: {reason}");

            var split = instances == 1 ? "" : $" ({instances} runtimes, requests alternated between them)";
            report.Row(label, $"{Report.Fmt(perSecond)} decisions/s",
                $"{result.Operations} checkouts for {config.RaceStock} units, {config.RaceConcurrency} clients{split}, {result.Elapsed.TotalSeconds:0.00} s; " +
                $"201: {created}, 409: {refused}, other: {other}; oversold {oversold}; after: on hand {level.OnHand}, reserved {level.Reserved}, available {level.Available}; " +
                $"latency {result.Latency}; {(broken.Count == 0 ? "invariants held" : "INVARIANTS BROKEN")}");
            report.Figure(key, perSecond);
            report.Result(key, new
            {
                runtimes = instances,
                stockReceived = config.RaceStock,
                checkouts = result.Operations,
                concurrency = config.RaceConcurrency,
                seconds = Report.Round(result.Elapsed.TotalSeconds, 3),
                decisionsPerSecond = Report.Round(perSecond),
                created,
                refused,
                other,
                outcomes = result.Outcomes,
                oversold,
                onHand = level.OnHand,
                reserved = level.Reserved,
                available = level.Available,
                runtimesAgree = levels.All(l => l == level),
                latencyMs = result.Latency,
                invariantsHeld = broken.Count == 0,
                broken,
            });
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
            foreach (var runtime in runtimes) await Started.StopAsync(runtime);
            await Started.StopAsync(azurite);
        }
    }

    /// <summary>The slowest sale's freshness in each window of sending time, in order ("-" where none was seen).</summary>
    private static IEnumerable<string> SlowestByWindow(Sale[] sales, double?[] freshnessBySale, TimeSpan window) =>
        sales.Select((sale, i) => (Window: (int)((sale.SentAt - sales[0].SentAt) / window), Freshness: freshnessBySale[i]))
            .GroupBy(x => x.Window)
            .OrderBy(g => g.Key)
            .Select(g => g.Max(x => x.Freshness) is { } slowest ? slowest.ToString("0", CultureInfo.InvariantCulture) : "-");

    public static async Task FreshnessAsync(Config config, Report report, CancellationToken ct, int burst = 0)
    {
        var during = burst > 0 ? $" while {burst} web orders drain" : "";
        Console.WriteLine();
        Console.WriteLine($"[4{(burst > 0 ? "b" : "")}] sale-to-channel freshness{during}: {config.FreshnessSkus} SKUs, one POS upload of one sale every {config.FreshnessIntervalMs} ms, " +
            $"{config.FreshnessSales} uploads, until the web store's figure shows the sale" +
            (burst > 0 ? $"; {config.SkuCount} products registered by webhook, then {burst} signed orders/create posted from {config.Concurrency} clients as the sales begin" : ""));
        Azurite? azurite = null;
        FakeShopifyAdmin? shopify = null;
        RuntimeProcess? runtime = null;
        HttpClient? http = null;
        try
        {
            azurite = await Started.AzuriteAsync();
            shopify = await Started.FakeShopifyAsync();
            var settings = Settings(azurite);
            settings["Shopify__Admin__BaseUrl"] = shopify.BaseUrl.ToString();
            settings["Shopify__Admin__AccessToken"] = "bench-admin-token";
            settings["Shopify__Admin__BaseDelayMilliseconds"] = "50";
            settings["Shopify__WebhookSecrets__0"] = WebhookBench.Secret;
            settings["Inventory__DefaultFulfillmentLocation"] = Location;
            runtime = await Started.RuntimeAsync(settings);
            http = Client(runtime, 16);
            using var burstHttp = Client(runtime, config.Concurrency);

            var skus = Enumerable.Range(0, config.FreshnessSkus).Select(i => $"FRESH-{i:D3}").ToArray();
            var items = Enumerable.Range(0, config.FreshnessSkus).Select(i => InventoryItemBase + i).ToArray();
            await PutAsync(http, $"api/catalog/locations/{Location}", new
            {
                name = "Warehouse",
                aliases = new[] { new { system = "shopify", value = ShopifyLocation.ToString(CultureInfo.InvariantCulture) }, new { system = "pos", value = PosStore } },
            }, ct);
            for (var i = 0; i < skus.Length; i++)
            {
                await PutAsync(http, $"api/catalog/skus/{skus[i]}", new
                {
                    title = $"Bench item {i}",
                    aliases = new[]
                    {
                        new { system = "shopify", kind = "inventory-item", value = items[i].ToString(CultureInfo.InvariantCulture) },
                        new { system = "pos", kind = "item", value = TillItem(skus[i]) },
                    },
                }, ct);
            }

            var expected = new long[skus.Length];
            for (var i = 0; i < skus.Length; i++)
            {
                await ReceiveAsync(http, skus[i], config.FreshnessReceipt, $"fresh-receipt-{i}", ct);
                expected[i] = config.FreshnessReceipt;
            }
            await WaitForValuesAsync(shopify, items, expected, TimeSpan.FromSeconds(60), "the receipts to reach the web store", ct);

            // Warm-up: one sale of each SKU, paced like the measured ones, so JIT and first connections are paid here.
            var sequence = 0;
            var uploadDay = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            for (var i = 0; i < skus.Length; i++)
            {
                var status = await UploadAsync(http, SaleBatch(uploadDay, ++sequence, TillItem(skus[i])), ct);
                if (status != 202) throw new InvalidOperationException($"a warm-up POS upload answered {status}");
                expected[i]--;
                await Task.Delay(config.FreshnessIntervalMs, ct);
            }
            await WaitForValuesAsync(shopify, items, expected, TimeSpan.FromSeconds(60), "the warm-up sales to reach the web store", ct);
            if (burst > 0)
            {
                await WebhookBench.RegisterProductsAsync(burstHttp, config.SkuCount, ct);
                await WebhookBench.StockProductsAsync(burstHttp, config.SkuCount, ct);
                await WebhookBench.WaitForEmptyAsync(azurite, RetailFunctions.Pipeline.QueueNames.ShopifyWebhooks, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), ct);
            }
            var setsBefore = shopify.Sets.Count;
            var attemptsBefore = shopify.Attempts;
            var burstClock = Stopwatch.StartNew();
            var burstPosted = burst > 0 ? WebhookBench.PostOrdersAsync(burstHttp, "fresh-burst", burst, config.SkuCount, config.Concurrency, ct) : null;
            // Under a burst, where the emulator's time went while the sales were measured: a tail is told from a stall.
            await using var timeline = burst > 0 ? Timeline.Start(azurite, runtime, TimeSpan.FromSeconds(2)) : null;

            // The measured sales: one upload every interval, sent on schedule whether or not the last one was answered.
            var sales = new Sale[config.FreshnessSales];
            var acks = new double[config.FreshnessSales];
            var statuses = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            var sends = new List<Task>(config.FreshnessSales);
            var clock = Stopwatch.StartNew();
            for (var k = 0; k < config.FreshnessSales; k++)
            {
                var due = TimeSpan.FromMilliseconds((double)k * config.FreshnessIntervalMs);
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, ct);
                var s = k % skus.Length;
                expected[s]--;
                var body = SaleBatch(uploadDay, ++sequence, TillItem(skus[s]));
                var index = k;
                sales[k] = new Sale(s, expected[s], DateTimeOffset.UtcNow);
                var started = Stopwatch.GetTimestamp();
                sends.Add(Task.Run(async () =>
                {
                    string outcome;
                    try
                    {
                        outcome = (await UploadAsync(http, body, ct)).ToString(CultureInfo.InvariantCulture);
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        outcome = $"error: {e.GetType().Name}";
                    }
                    acks[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    statuses.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                }, CancellationToken.None));
            }
            var sendSeconds = clock.Elapsed.TotalSeconds;
            await Task.WhenAll(sends);
            var reached = await WaitForValuesAsync(shopify, items, expected, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), null, ct);
            var burstText = "";
            if (burstPosted is not null)
            {
                var posted = await burstPosted;
                var postedSeconds = burstClock.Elapsed.TotalSeconds;
                var depthAtLastSale = await WebhookBench.DepthAsync(azurite, RetailFunctions.Pipeline.QueueNames.ShopifyWebhooks, ct);
                burstText = $"; the burst: {posted.Count("200")}/{burst} acknowledged in {postedSeconds:0.0} s, webhook queue at {depthAtLastSale} messages once every sale was seen";
            }
            var sets = shopify.Sets.ToArray();
            var measuredSets = sets.Skip(setsBefore).ToArray();
            var attempts = shopify.Attempts - attemptsBefore;

            // For each sale: the first figure the web store received for its item, after it was sent, at or below what
            // the item should show once that sale is applied.
            var byItem = sets.GroupBy(x => x.InventoryItemId).ToDictionary(g => g.Key, g => g.OrderBy(x => x.At).ToArray());
            var freshnessBySale = sales.Select(sale => byItem.TryGetValue(items[sale.SkuIndex], out var itemSets)
                    && itemSets.FirstOrDefault(x => x.At >= sale.SentAt && x.Available <= sale.ExpectedAfter) is { } seen
                ? (seen.At - sale.SentAt).TotalMilliseconds
                : (double?)null).ToArray();
            var freshness = freshnessBySale.OfType<double>().ToList();
            var unseen = sales.Length - freshness.Count;
            var latency = LatencySummary.Of(freshness);
            if (timeline is not null)
            {
                Console.WriteLine("    every 2 s while the sales were measured: share of a core used by the emulator and the runtime, queue depths");
                foreach (var sample in await timeline.StopAsync()) Console.WriteLine($"      {sample}");
                Console.WriteLine($"    slowest sale by 2 s of sending (ms): {string.Join(' ', SlowestByWindow(sales, freshnessBySale, TimeSpan.FromSeconds(2)))}");
            }
            var ack = LatencySummary.Of(acks);
            var met = unseen == 0 && latency.P99Ms < config.FreshnessTargetMs;
            var updatesPerSale = (double)measuredSets.Length / sales.Length;
            var non202 = statuses.Where(x => x.Key != "202").Sum(x => x.Value);

            report.Row($"Sale to web store freshness{during}", $"p99 {latency.P99Ms:0} ms",
                $"{sales.Length} sales, one upload every {config.FreshnessIntervalMs} ms over {sendSeconds:0.0} s, {skus.Length} SKUs round robin; " +
                $"freshness {latency}; seen {freshness.Count}/{sales.Length}{(reached ? "" : $", final figures NOT reached within {config.DrainTimeoutSeconds} s")}; " +
                $"target p99 < {config.FreshnessTargetMs} ms: {(met ? "met" : "NOT met")}{burstText}");
            if (burst > 0)
            {
                report.Result("saleToChannelFreshnessDuringBurst", new { burst, freshnessMs = latency, seen = freshness.Count, unseen, targetMet = met });
                return;
            }
            report.Row("Sale to web store: updates sent", $"{Report.Fmt(measuredSets.Length)} for {Report.Fmt(sales.Length)} sales",
                $"{updatesPerSale:0.00} updates per sale ({(measuredSets.Length == 0 ? "-" : ((double)sales.Length / measuredSets.Length).ToString("0.00", CultureInfo.InvariantCulture))} sales per update); " +
                $"{attempts} calls to the web store; upload ack {ack}; non-202 {non202}{(non202 == 0 ? "" : " [" + string.Join(", ", statuses.Where(x => x.Key != "202").Select(x => $"{x.Key}: {x.Value}")) + "]")}");
            report.Result("saleToChannelFreshness", new
            {
                skus = skus.Length,
                sales = sales.Length,
                intervalMs = config.FreshnessIntervalMs,
                sendSeconds = Report.Round(sendSeconds, 2),
                freshnessMs = latency,
                seen = freshness.Count,
                unseen,
                finalFiguresReached = reached,
                targetP99Ms = config.FreshnessTargetMs,
                targetMet = met,
                updatesSent = measuredSets.Length,
                callsToStore = attempts,
                updatesPerSale = Report.Round(updatesPerSale, 3),
                uploadAckMs = ack,
                uploadOutcomes = statuses,
            });
        }
        finally
        {
            http?.Dispose();
            await Started.StopAsync(runtime);
            await Started.StopAsync(shopify);
            await Started.StopAsync(azurite);
        }
    }

    private sealed record Sale(int SkuIndex, long ExpectedAfter, DateTimeOffset SentAt);

    private sealed record Level(decimal OnHand, decimal Reserved, decimal Available)
    {
        public override string ToString() => $"on hand {OnHand}, reserved {Reserved}, available {Available}";
    }

    private static Dictionary<string, string> Settings(Azurite azurite) => new()
    {
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["Backpressure__MaxQueueDepth"] = "10000000",
        ["Backpressure__MaxQueueAgeSeconds"] = "1000000",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static HttpClient Client(RuntimeProcess runtime, int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        })
        {
            BaseAddress = runtime.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };

    private static string TillItem(string sku) => $"till-{sku}";

    private static async Task<string> ReserveAsync(HttpClient http, string sku, string reservationId, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("api/inventory/reservations",
            new { sku, location = Location, channel = "web", quantity = 1, reservationId }, ct);
        await response.Content.CopyToAsync(Stream.Null, ct);
        return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
    }

    internal static async Task ReceiveAsync(HttpClient http, string sku, int quantity, string idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/movements")
        {
            Content = JsonContent.Create(new { sku, location = Location, kind = "receipt", quantity, reason = "benchmark stock", idempotencyKey }),
        };
        request.Headers.Add("X-RetailFunctions-Role", "inventory-manager");
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"the receipt of {sku} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task PutAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PutAsJsonAsync(path, body, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task<Level> LevelAsync(HttpClient http, string sku, CancellationToken ct)
    {
        using var response = await http.GetAsync($"api/inventory/{sku}", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET api/inventory/{sku} answered {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var location = json.RootElement.GetProperty("locations").EnumerateArray()
            .First(l => l.GetProperty("location").GetString() == Location);
        return new Level(location.GetProperty("onHand").GetDecimal(), location.GetProperty("reserved").GetDecimal(), location.GetProperty("available").GetDecimal());
    }

    private static string SaleBatch(string businessDay, int sequence, string itemId) =>
        $$"""{"storeId":"{{PosStore}}","currency":"USD","transactions":[{"workstationId":"1","sequenceNumber":"{{sequence}}","businessDay":"{{businessDay}}","type":"sale","lines":[{"itemId":"{{itemId}}","quantity":1,"unitPrice":1,"extendedAmount":1}],"tenders":[{"type":"cash","amount":1}],"total":1}]}""";

    private static async Task<int> UploadAsync(HttpClient http, string batch, CancellationToken ct)
    {
        using var content = new StringContent(batch, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("api/pos/transactions", content, ct);
        await response.Content.CopyToAsync(Stream.Null, ct);
        return (int)response.StatusCode;
    }

    /// <summary>Waits until the web store's last figure for every item is at or below the expected one.</summary>
    private static async Task<bool> WaitForValuesAsync(FakeShopifyAdmin shopify, long[] items, long[] expected, TimeSpan timeout, string? what, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var last = new Dictionary<long, long>();
            foreach (var set in shopify.Sets) last[set.InventoryItemId] = set.Available;
            if (items.Select((item, i) => last.TryGetValue(item, out var v) && v <= expected[i]).All(ok => ok)) return true;
            if (deadline.Elapsed > timeout)
            {
                if (what is null) return false;
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
            }
            await Task.Delay(50, ct);
        }
    }

    private static string OtherOutcomes(LoadResult result) =>
        " [" + string.Join(", ", result.Outcomes.Where(o => o.Key is not "201" and not "409").Select(o => $"{o.Key}: {o.Value}")) + "]";
}

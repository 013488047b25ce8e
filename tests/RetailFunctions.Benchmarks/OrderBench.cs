using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using RetailFunctions.Pipeline;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// Completed order workflows per second through the real runtime: each order placed over HTTP (ship, 1-3 lines,
/// stock already received, paid in full), then every shipment picked, packed, shipped and delivered through the
/// store-action routes until the order is Closed. Next to it, in the same run and against the same Azurite, the raw
/// Table write rate (single-entity upserts from as many concurrent writers). Then a few orders are run one at a time
/// through a second runtime whose Table endpoint is a counting proxy, to count the Table round trips an order costs.
/// </summary>
public static class OrderBench
{
    private const string Location = "WH-1";
    private const int SkuCount = 50;
    private const decimal UnitPrice = 10m;
    private const int Received = 100_000;
    private static readonly string[] Stages = ["pick", "pack", "ship", "deliver"];

    public static async Task RunAsync(Config config, Report report, CancellationToken ct)
    {
        var orders = config.Quick ? 200 : 1_000;
        var warmup = config.Quick ? 64 : 160;
        var upserts = config.Quick ? 2_000 : 10_000;
        var counted = config.Quick ? 10 : 30;
        var underLoad = config.Quick ? 100 : 300;
        var concurrency = config.Concurrency;
        Console.WriteLine();
        Console.WriteLine($"[orders] {orders} order workflows (place, pick, pack, ship, deliver until Closed) from {concurrency} clients; " +
            $"{upserts} raw Table upserts from {concurrency} writers on the same Azurite; Table round trips of {counted} orders run one at a time, twice");
        Azurite? azurite = null;
        RuntimeProcess? runtime = null;
        TableCounter? counter = null;
        HttpClient? http = null;
        try
        {
            azurite = await Started.AzuriteAsync();
            await RawUpsertAsync(azurite, upserts, concurrency, report, ct);

            runtime = await Started.RuntimeAsync(Settings(azurite.ConnectionString));
            http = Client(runtime, concurrency);
            var skus = Enumerable.Range(0, SkuCount).Select(i => $"ORD-{i:D3}").ToArray();
            await SetUpAsync(http, skus, ct);
            var ordered = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);

            // Warm-up: JIT, connections and the first rows of every SKU are not part of the measured workflows.
            var warm = await Load.RunAsync(warmup, concurrency, (i, token) => WorkflowAsync(http, $"WARM-{i:D5}", i, skus, ordered, token), ct);
            if (warm.Count("closed") != warmup)
                throw new InvalidOperationException($"the warm-up orders did not all close: {string.Join(", ", warm.Outcomes.Select(o => $"{o.Key}: {o.Value}"))}");

            var result = await Load.RunAsync(orders, concurrency, (i, token) => WorkflowAsync(http, $"BENCH-{i:D6}", i, skus, ordered, token), ct);
            var perSecond = result.Operations / result.Elapsed.TotalSeconds;
            var eventsClock = Stopwatch.StartNew();
            var eventsDrained = await WaitForEmptyAsync(azurite, QueueNames.OrderEvents, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), ct);
            var eventsSeconds = eventsClock.Elapsed.TotalSeconds;

            // Every unit ordered left the shelf once: nothing still reserved, on hand down by exactly what was ordered.
            var broken = new List<string>();
            var closed = result.Count("closed");
            if (closed != orders) broken.Add($"{orders - closed} of {orders} workflows did not end Closed{Other(result)}");
            foreach (var sku in skus)
            {
                var (onHand, reserved) = await LevelAsync(http, sku, ct);
                var expected = Received - ordered.GetValueOrDefault(sku);
                if (reserved != 0m) broken.Add($"{sku}: {reserved} still reserved after every order closed");
                if (onHand != expected) broken.Add($"{sku}: on hand {onHand}, expected {expected}");
            }
            foreach (var reason in broken) report.Fail($"Order workflows: {reason}");

            report.Row("Order workflows, place to Closed", $"{Report.Fmt(perSecond, "N1")} orders/s",
                $"{orders} orders (ship, 1-3 lines, paid), {concurrency} clients, {result.Elapsed.TotalSeconds:0.00} s; 5 HTTP calls per order (place, pick, pack, ship, deliver); " +
                $"whole workflow {result.Latency}; closed {closed}/{orders}; order-events queue empty {eventsSeconds:0.0} s after the last workflow" +
                $"{(eventsDrained ? "" : " (NOT within the timeout)")}; {(broken.Count == 0 ? "stock: nothing left reserved, on hand down by exactly what was ordered" : "INVARIANTS BROKEN")}");
            report.Figure("orderWorkflows", perSecond);
            http.Dispose();
            http = null;
            await Started.StopAsync(runtime);
            runtime = null;

            // Round trips: a second runtime on the same Azurite whose Table endpoint is a counting proxy; one order at a time.
            counter = await TableCounter.StartAsync(TableEndpoints.TableEndpoint(azurite.ConnectionString), ct);
            runtime = await Started.RuntimeAsync(Settings(TableEndpoints.WithTableEndpoint(azurite.ConnectionString, counter.BaseUrl)));
            http = Client(runtime, 4);
            for (var i = 0; i < 3; i++) await WorkflowAsync(http, $"COUNT-WARM-{i}", i, skus, ordered, ct);
            await WaitForEmptyAsync(azurite, QueueNames.OrderEvents, TimeSpan.FromSeconds(60), ct);
            await Task.Delay(1_000, ct);

            var idleClock = Stopwatch.StartNew();
            var idleBefore = counter.Total;
            await Task.Delay(3_000, ct);
            var idlePerSecond = (counter.Total - idleBefore) / idleClock.Elapsed.TotalSeconds;

            // The same orders twice: first with SKUs this runtime has not written yet (each pays one read of its
            // locations), then again with the same SKUs, as a running runtime meets them (kept up to 10,000 SKUs).
            var cold = await CountOneAtATimeAsync("COUNT-NEW", azurite, counter, runtime, http, counted, idlePerSecond, skus, ordered, ct);
            var (perOrder, syncPerOrder, reads, writes, byKind, bySteps) =
                await CountOneAtATimeAsync("COUNT-SEEN", azurite, counter, runtime, http, counted, idlePerSecond, skus, ordered, ct);
            var byTable = TableCounter.PerEventByTable(byKind, counted);
            var perStep = bySteps.Select(kv => $"{kv.Key} {kv.Value / (double)counted:0.#}");

            report.Row("Order workflow: Table round trips", $"{perOrder:0.0} per order",
                $"counted by a proxy in front of Azurite's Table endpoint over {counted} orders run one at a time (1-3 lines, 1 shipment) whose SKUs " +
                $"this runtime had written before; {syncPerOrder:0.0} during the 5 HTTP calls, the rest by the order-events consumers; reads {reads:0.0}, " +
                $"writes {writes:0.0} (a $batch counts once); by table: {byTable}; by step (counted from the end of the previous call, " +
                $"so consumers working in the background are counted in the step during which they ran): {string.Join(", ", perStep)}; " +
                $"background without orders {idlePerSecond:0.0}/s, subtracted. The same {counted} orders just before, with SKUs new to the runtime: " +
                $"{cold.PerOrder:0.0} per order ({TableCounter.PerEventByTable(cold.ByKind, counted)})");
            report.Figure("orderWorkflowTableOps", perSecond * perOrder);

            // The same runtime under load: orders of the same SKUs share routing's kept rows and coalesced pushes, as in a
            // running pipeline, where the one-at-a-time count above pays every push alone.
            using var loadedHttp = Client(runtime, concurrency);
            var loadedBefore = counter.Total;
            var loadedKinds = counter.Snapshot();
            var loadedClock = Stopwatch.StartNew();
            var loaded = await Load.RunAsync(underLoad, concurrency, (i, token) => WorkflowAsync(loadedHttp, $"LOADED-{i:D5}", i, skus, ordered, token), ct);
            await WaitForEmptyAsync(azurite, QueueNames.OrderEvents, TimeSpan.FromSeconds(120), ct);
            var loadedPerOrder = (counter.Total - loadedBefore - idlePerSecond * loadedClock.Elapsed.TotalSeconds) / underLoad;
            var loadedByTable = TableCounter.PerEventByTable(counter.Since(loadedKinds), underLoad);
            if (loaded.Count("closed") != underLoad)
                report.Fail($"Order workflows: {underLoad - loaded.Count("closed")} of {underLoad} orders counted under load did not close{Other(loaded)}");
            report.Row("Order workflow: Table round trips under load", $"{loadedPerOrder:0.0} per order",
                $"the same counting runtime, {underLoad} orders from {concurrency} clients until order-events is empty; by table: " +
                $"{loadedByTable}; background subtracted");
            report.Result("orderWorkflows", new
            {
                orders,
                warmup,
                concurrency,
                skus = SkuCount,
                seconds = Report.Round(result.Elapsed.TotalSeconds, 3),
                ordersPerSecond = Report.Round(perSecond, 2),
                workflowLatencyMs = result.Latency,
                outcomes = result.Outcomes,
                orderEventsEmptyAfterSeconds = Report.Round(eventsSeconds, 2),
                orderEventsDrained = eventsDrained,
                tableRoundTripsPerOrder = Report.Round(perOrder, 1),
                tableRoundTripsPerOrderSkusNewToTheRuntime = Report.Round(cold.PerOrder, 1),
                tableRoundTripsPerOrderDuringHttp = Report.Round(syncPerOrder, 1),
                tableReadsPerOrder = Report.Round(reads, 1),
                tableWritesPerOrder = Report.Round(writes, 1),
                tableRoundTripsCountedOver = counted,
                tableRoundTripsPerOrderUnderLoad = Report.Round(loadedPerOrder, 1),
                tableRoundTripsUnderLoadCountedOver = underLoad,
                tableRoundTripsByStep = bySteps.ToDictionary(kv => kv.Key, kv => Report.Round(kv.Value / (double)counted, 2)),
                tableRoundTripsByKind = byKind.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => Report.Round(kv.Value / (double)counted, 2)),
                backgroundTableRoundTripsPerSecond = Report.Round(idlePerSecond, 2),
                invariantsHeld = broken.Count == 0,
                broken,
            });
        }
        finally
        {
            http?.Dispose();
            await Started.StopAsync(runtime);
            if (counter is not null) await counter.DisposeAsync();
            await Started.StopAsync(azurite);
        }
    }

    /// <summary>The baseline: single-entity upserts of ~1 KiB rows straight to Azurite's Table endpoint.</summary>
    private static async Task RawUpsertAsync(Azurite azurite, int count, int concurrency, Report report, CancellationToken ct)
    {
        var service = new TableServiceClient(azurite.ConnectionString);
        var payload = StorageBench.JsonMessage(1024);
        var warm = service.GetTableClient("BenchWarmupUpserts");
        await warm.CreateIfNotExistsAsync(ct);
        await Load.RunAsync(Math.Max(200, count / 10), concurrency, async (i, token) =>
        {
            await warm.UpsertEntityAsync(new TableEntity($"p{i % 64}", $"r{i:D7}") { ["Body"] = payload }, TableUpdateMode.Replace, token);
            return "200";
        }, ct);
        var table = service.GetTableClient("BenchRawUpserts");
        await table.CreateIfNotExistsAsync(ct);
        var result = await Load.RunAsync(count, concurrency, async (i, token) =>
        {
            var response = await table.UpsertEntityAsync(new TableEntity($"p{i % 64}", $"r{i:D7}") { ["Body"] = payload }, TableUpdateMode.Replace, token);
            return response.Status is 204 or 200 ? "200" : response.Status.ToString(CultureInfo.InvariantCulture);
        }, ct);
        report.Row("Raw Table upsert (baseline)", $"{Report.Fmt(result.PerSecond)} upserts/s",
            $"{count} single-entity upserts (insert-or-replace) of {payload.Length} B rows, {concurrency} writers, 64 partitions, {result.Elapsed.TotalSeconds:0.00} s; " +
            $"upsert {result.Latency}; failures {result.NotOk}");
        report.Figure("rawTableUpsert", result.PerSecond);
        report.Result("rawTableUpsert", new
        {
            upserts = count,
            rowBytes = payload.Length,
            concurrency,
            seconds = Report.Round(result.Elapsed.TotalSeconds, 3),
            perSecond = Report.Round(result.PerSecond),
            latencyMs = result.Latency,
            failures = result.NotOk,
        });
    }

    private static async Task SetUpAsync(HttpClient http, string[] skus, CancellationToken ct)
    {
        await PutAsync(http, $"api/catalog/locations/{Location}", new { name = "Warehouse", latitude = 50.11, longitude = 8.68 }, ct);
        await Load.RunAsync(skus.Length, 8, async (i, token) =>
        {
            await PutAsync(http, $"api/catalog/skus/{skus[i]}", new { title = $"Bench item {i}" }, token);
            await ReceiveAsync(http, skus[i], Received, $"order-bench-receipt-{i}", token);
            return "200";
        }, ct);
    }

    private sealed record OneAtATime(double PerOrder, double SyncPerOrder, double Reads, double Writes,
        Dictionary<string, long> ByKind, Dictionary<string, long> BySteps);

    /// <summary>
    /// Table round trips of <paramref name="counted"/> workflows run one at a time, each until order-events is empty:
    /// per order, during the HTTP calls, reads and writes, by kind and by step; the idle rate subtracted.
    /// </summary>
    private static async Task<OneAtATime> CountOneAtATimeAsync(string prefix, Azurite azurite, TableCounter counter, RuntimeProcess runtime,
        HttpClient http, int counted, double idlePerSecond, string[] skus, ConcurrentDictionary<string, long> ordered, CancellationToken ct)
    {
        var syncCalls = 0L;
        var bySteps = new Dictionary<string, long>(StringComparer.Ordinal);
        var before = counter.Snapshot();
        var window = Stopwatch.StartNew();
        for (var i = 0; i < counted; i++)
        {
            var start = counter.Total;
            var mark = start;
            void Step(string name)
            {
                var now = counter.Total;
                bySteps[name] = bySteps.GetValueOrDefault(name) + now - mark;
                mark = now;
            }
            var outcome = await WorkflowAsync(http, $"{prefix}-{i:D4}", i, skus, ordered, ct, Step);
            if (outcome != "closed")
                throw new InvalidOperationException($"a counted order ended {outcome}; the runtime said:\n{string.Join('\n', runtime.Output.Split('\n').TakeLast(40))}");
            syncCalls += counter.Total - start;
            // Let the order-events consumers finish this order before the next one starts, so the two are told apart.
            await WaitForEmptyAsync(azurite, QueueNames.OrderEvents, TimeSpan.FromSeconds(60), ct);
            await Task.Delay(300, ct);
            Step("after the last call");
        }
        var after = counter.Snapshot();
        var byKind = after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));
        var background = idlePerSecond * window.Elapsed.TotalSeconds;
        return new OneAtATime(
            (byKind.Values.Sum() - background) / counted,
            (double)syncCalls / counted,
            byKind.Where(kv => kv.Key.StartsWith("GET ", StringComparison.Ordinal)).Sum(kv => kv.Value) / (double)counted,
            byKind.Where(kv => !kv.Key.StartsWith("GET ", StringComparison.Ordinal)).Sum(kv => kv.Value) / (double)counted,
            byKind, bySteps);
    }

    /// <summary>One whole workflow: place, then every shipment through pick, pack, ship, deliver; "closed" when the order is.</summary>
    private static async Task<string> WorkflowAsync(HttpClient http, string channelOrderId, int i, string[] skus,
        ConcurrentDictionary<string, long> ordered, CancellationToken ct, Action<string>? step = null)
    {
        var lineCount = 1 + i % 3;
        var lines = Enumerable.Range(0, lineCount)
            .Select(j => new { sku = skus[(i + j * 17) % skus.Length], quantity = 1 + (i + j) % 2, unitPrice = UnitPrice })
            .ToArray();
        var total = lines.Sum(l => l.quantity * l.unitPrice);
        using var placed = await http.PostAsJsonAsync("api/orders", new
        {
            channel = "app", channelOrderId, currency = "EUR", method = "ship",
            shipTo = new { latitude = 52.52, longitude = 13.40 },
            lines,
            payments = new[] { new { method = "card", token = $"tok_{channelOrderId}", last4 = "4242", authorized = total, captured = total } },
        }, ct);
        if (placed.StatusCode != HttpStatusCode.Created) return $"place {(int)placed.StatusCode}";
        step?.Invoke("place");
        foreach (var line in lines) ordered.AddOrUpdate(line.sku, line.quantity, (_, n) => n + line.quantity);
        using var order = JsonDocument.Parse(await placed.Content.ReadAsStringAsync(ct));
        var orderId = order.RootElement.GetProperty("orderId").GetString()!;
        var shipments = order.RootElement.GetProperty("shipments").EnumerateArray().Select(s => s.GetProperty("shipmentId").GetString()!).ToList();
        if (shipments.Count == 0) return $"placed {order.RootElement.GetProperty("status").GetString()} without a shipment";

        string? status = null;
        long pending = 0;
        foreach (var shipment in shipments)
            foreach (var stage in Stages)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"api/orders/{orderId}/shipments/{shipment}/{stage}") { Content = JsonContent.Create(new { }) };
                request.Headers.Add("X-RetailFunctions-User", "bench-associate");
                using var response = await http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode != HttpStatusCode.OK) return $"{stage} {(int)response.StatusCode}";
                step?.Invoke(stage);
                using var json = JsonDocument.Parse(text);
                status = json.RootElement.GetProperty("status").GetString();
                pending = json.RootElement.GetProperty("pendingEffects").GetInt64();
            }
        return status == "Closed" ? pending == 0 ? "closed" : "closed with effects pending" : $"ended {status}";
    }

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["AzureWebJobsStorage"] = connectionString,
        ["Inventory__DefaultFulfillmentLocation"] = Location,
        ["Backpressure__MaxQueueDepth"] = "10000000",
        ["Backpressure__MaxQueueAgeSeconds"] = "1000000",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static HttpClient Client(RuntimeProcess runtime, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false })
        {
            BaseAddress = runtime.BaseAddress,
            Timeout = TimeSpan.FromSeconds(120),
        };

    private static async Task PutAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PutAsJsonAsync(path, body, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task ReceiveAsync(HttpClient http, string sku, int quantity, string idempotencyKey, CancellationToken ct)
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

    private static async Task<(decimal OnHand, decimal Reserved)> LevelAsync(HttpClient http, string sku, CancellationToken ct)
    {
        using var response = await http.GetAsync($"api/inventory/{sku}", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET api/inventory/{sku} answered {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var level = json.RootElement.GetProperty("locations").EnumerateArray().First(l => l.GetProperty("location").GetString() == Location);
        return (level.GetProperty("onHand").GetDecimal(), level.GetProperty("reserved").GetDecimal());
    }

    /// <summary>Waits until a queue holds no message, visible or not (read from storage directly, not through the runtime).</summary>
    private static async Task<bool> WaitForEmptyAsync(Azurite azurite, string queue, TimeSpan timeout, CancellationToken ct)
    {
        var client = new QueueClient(azurite.ConnectionString, queue);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!await client.ExistsAsync(ct) || (await client.GetPropertiesAsync(ct)).Value.ApproximateMessagesCount == 0) return true;
            if (clock.Elapsed > timeout) return false;
            await Task.Delay(100, ct);
        }
    }

    private static string Other(LoadResult result) =>
        " [" + string.Join(", ", result.Outcomes.Where(o => o.Key != "closed").Select(o => $"{o.Key}: {o.Value}")) + "]";
}

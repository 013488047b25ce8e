using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>Signed Shopify webhooks through the real runtime over loopback HTTP, on its own fresh Azurite.</summary>
public static class WebhookBench
{
    internal const string Secret = "bench-webhook-secret";

    private sealed record Webhook(string Topic, string Id, byte[] Body, string Signature);

    public static async Task EdgeOnlyAsync(Config config, Report report, CancellationToken ct)
    {
        Console.WriteLine();
        Console.WriteLine($"[2a] webhook edge only (workers off): {config.WebhookRequests} signed orders/create from {config.Concurrency} clients");
        var warmup = Orders("warmup", config.WebhookWarmup, config.SkuCount, offset: 9_000_000, ct);
        var orders = Orders("edge", config.WebhookRequests, config.SkuCount, offset: 0, ct);
        Console.WriteLine($"    order body {orders.Average(o => o.Body.Length):0} B on average");
        Azurite? azurite = null;
        RuntimeProcess? runtime = null;
        try
        {
            azurite = await Started.AzuriteAsync();
            runtime = await Started.RuntimeAsync(Settings(azurite, workers: false));
            using var http = Client(runtime, config.Concurrency);

            await PostAllAsync(http, warmup, config.Concurrency, ct);
            var idlePerSecond = await SettledAsync(runtime, ct);
            var cpuBefore = runtime.ProcessorTime;
            var result = await PostAllAsync(http, orders, config.Concurrency, ct);
            var cpuPerRequest = (runtime.ProcessorTime - cpuBefore).TotalMilliseconds / result.Operations;
            var depth = await DepthAsync(azurite, QueueNames.ShopifyWebhooks, ct);
            // Envelopes travel in groups under load: every acknowledged webhook must be in the queue exactly once.
            var (envelopes, distinct) = await EnvelopesQueuedAsync(azurite, QueueNames.ShopifyWebhooks, ct);
            var expected = warmup.Count + orders.Count;
            if (envelopes != expected || distinct != expected)
                report.Fail($"webhook edge: {envelopes} envelopes ({distinct} distinct) queued for {expected} acknowledged webhooks");

            report.Row("Webhook edge (workers off)", $"{Report.Fmt(result.PerSecond)} req/s",
                $"{result.Operations} reqs, {config.Concurrency} clients, {result.Elapsed.TotalSeconds:0.00} s; ack {result.Latency}; non-200 {result.NotOk}{Outcomes(result)}; " +
                $"queued afterwards {envelopes} envelopes ({distinct} distinct) in {depth} messages (expected {expected} envelopes)");
            report.Row("Webhook edge: runtime CPU", $"{cpuPerRequest:0.000} ms per request",
                $"user and system time of the runtime process over the measured requests divided by them; idle before {idlePerSecond:0} ms/s");
            report.Figure("webhookEdge", result.PerSecond);
            report.Result("webhookEdge", new
            {
                requests = result.Operations,
                bodyBytes = Report.Round(orders.Average(o => o.Body.Length), 0),
                concurrency = config.Concurrency,
                seconds = Report.Round(result.Elapsed.TotalSeconds, 3),
                perSecond = Report.Round(result.PerSecond),
                ackLatencyMs = result.Latency,
                non200 = result.NotOk,
                outcomes = result.Outcomes,
                queueMessagesAfter = depth,
                queuedEnvelopes = envelopes,
                queuedEnvelopesExpected = expected,
                runtimeCpuMsPerRequest = Report.Round(cpuPerRequest, 3),
                runtimeIdleCpuMsPerSecond = Report.Round(idlePerSecond, 1),
            });
        }
        finally
        {
            await Started.StopAsync(runtime);
            await Started.StopAsync(azurite);
        }
    }

    public static async Task EndToEndAsync(Config config, Report report, CancellationToken ct)
    {
        Console.WriteLine();
        Console.WriteLine($"[2b] webhooks end to end (workers on): {config.SkuCount} products registered, then {config.EndToEndRequests} orders from {config.Concurrency} clients while the worker drains");
        var products = Enumerable.Range(0, config.SkuCount)
            .Select(i => Sign("products/create", $"bench-product-{i}", ShopifyBodies.Product(i)))
            .ToList();
        var warmup = Orders("e2e-warmup", Math.Min(200, config.WebhookWarmup), config.SkuCount, offset: 8_000_000, ct);
        var orders = Orders("e2e", config.EndToEndRequests, config.SkuCount, offset: 1_000_000, ct);
        Azurite? azurite = null;
        RuntimeProcess? runtime = null;
        try
        {
            azurite = await Started.AzuriteAsync();
            runtime = await Started.RuntimeAsync(Settings(azurite, workers: true));
            using var http = Client(runtime, config.Concurrency);

            var registered = await PostAllAsync(http, products, 8, ct);
            await WaitForDrainAsync(azurite, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), ct);
            await StockProductsAsync(http, config.SkuCount, ct);
            await PostAllAsync(http, warmup, config.Concurrency, ct);
            await WaitForDrainAsync(azurite, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), ct);
            Console.WriteLine($"    {registered.Count("200")} products registered, each stocked, and {warmup.Count} warm-up orders processed; measuring");

            var maxDepth = 0L;
            using var polling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var clock = Stopwatch.StartNew();
            var poller = Task.Run(async () =>
            {
                while (!polling.IsCancellationRequested)
                {
                    try
                    {
                        maxDepth = Math.Max(maxDepth, await DepthAsync(azurite, QueueNames.ShopifyWebhooks, polling.Token));
                        await Task.Delay(500, polling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }, CancellationToken.None);
            await using var timeline = Timeline.Start(azurite, runtime, TimeSpan.FromSeconds(5));
            var result = await PostAllAsync(http, orders, config.Concurrency, ct);
            var accepted = clock.Elapsed;
            var depthAtEnd = await DepthAsync(azurite, QueueNames.ShopifyWebhooks, ct);
            var drained = await WaitForDrainAsync(azurite, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), ct);
            var total = clock.Elapsed;
            polling.Cancel();
            await poller;
            Console.WriteLine("    every 5 s until drained: share of a core used by the emulator (and its resident memory) and the runtime, time stolen by the hypervisor, queue depths");
            foreach (var sample in await timeline.StopAsync()) Console.WriteLine($"      {sample}");
            maxDepth = Math.Max(maxDepth, depthAtEnd);

            var tables = new TableServiceClient(azurite.ConnectionString);
            // The delivery log keeps one row per webhook id ("w:...") and one per event id; count the first kind.
            var deliveries = await CountAsync(tables.GetTableClient(TableNames.Deliveries), "RowKey ge 'w:' and RowKey lt 'w;'", ct);
            var deadLetters = await CountAsync(tables.GetTableClient(TableNames.DeadLetters), null, ct);
            var expectedDeliveries = products.Count + warmup.Count + orders.Count;

            var drainText = drained
                ? $"webhook and order-event queues empty {total.TotalSeconds:0.0} s after the first request ({(total - accepted).TotalSeconds:0.0} s after the last ack)"
                : $"NOT drained within {config.DrainTimeoutSeconds} s (webhook queue {await DepthAsync(azurite, QueueNames.ShopifyWebhooks, ct)}, " +
                  $"order-event queue {await DepthAsync(azurite, QueueNames.OrderEvents, ct)} messages left)";
            report.Row("Webhook end to end: edge (workers on)", $"{Report.Fmt(result.PerSecond)} req/s",
                $"{result.Operations} reqs, {config.Concurrency} clients, {result.Elapsed.TotalSeconds:0.00} s; ack {result.Latency}; non-200 {result.NotOk}{Outcomes(result)}");
            report.Row("Webhook end to end: processed", drained ? $"{Report.Fmt(orders.Count / total.TotalSeconds)} orders/s" : "not drained",
                $"{drainText}; depth {depthAtEnd} at the last ack, peak seen {maxDepth}; deliveries recorded {deliveries}/{expectedDeliveries}, dead letters {deadLetters}");
            report.Figure("webhookEndToEndEdge", result.PerSecond);
            if (drained) report.Figure("webhookEndToEndProcessed", orders.Count / total.TotalSeconds);
            report.Result("webhookEndToEnd", new
            {
                requests = result.Operations,
                concurrency = config.Concurrency,
                productsRegistered = products.Count,
                seconds = Report.Round(result.Elapsed.TotalSeconds, 3),
                perSecond = Report.Round(result.PerSecond),
                ackLatencyMs = result.Latency,
                non200 = result.NotOk,
                outcomes = result.Outcomes,
                drained,
                drainSecondsFromFirstRequest = drained ? Report.Round(total.TotalSeconds, 2) : (double?)null,
                drainSecondsAfterLastAck = drained ? Report.Round((total - accepted).TotalSeconds, 2) : (double?)null,
                processedPerSecond = drained ? Report.Round(orders.Count / total.TotalSeconds) : (double?)null,
                queueDepthAtLastAck = depthAtEnd,
                queueDepthPeakSeen = maxDepth,
                deliveriesRecorded = deliveries,
                deliveriesExpected = expectedDeliveries,
                deadLetters,
            });
            await Started.StopAsync(runtime);
            runtime = null;
            await CountRoundTripsAsync(azurite, config, report, ct);
        }
        finally
        {
            await Started.StopAsync(runtime);
            await Started.StopAsync(azurite);
        }
    }

    /// <summary>
    /// The Table round trips of one web order: a second runtime on the same Azurite whose Table endpoint is the counting
    /// proxy, orders posted one at a time, each counted until the webhook queue and then the order-events queue are empty.
    /// The split at the first is only indicative: the event consumers start while the webhook worker is still busy.
    /// </summary>
    private static async Task CountRoundTripsAsync(Azurite azurite, Config config, Report report, CancellationToken ct)
    {
        var counted = config.Quick ? 10 : 30;
        await using var counter = await TableCounter.StartAsync(TableEndpoints.TableEndpoint(azurite.ConnectionString), ct);
        await using var queues = await TableCounter.StartAsync(TableEndpoints.QueueEndpoint(azurite.ConnectionString), ct, tables: false);
        var settings = Settings(azurite, workers: true);
        settings["AzureWebJobsStorage"] = TableEndpoints.WithQueueEndpoint(
            TableEndpoints.WithTableEndpoint(azurite.ConnectionString, counter.BaseUrl), queues.BaseUrl);
        var runtime = await Started.RuntimeAsync(settings);
        try
        {
            using var http = Client(runtime, 4);
            // The measured orders' events may still be queued: let this runtime work them off before counting.
            await WaitForEmptyAsync(azurite, QueueNames.OrderEvents, TimeSpan.FromSeconds(config.DrainTimeoutSeconds * 3), ct);
            var webhooks = Orders("counted", counted + 3, config.SkuCount, offset: 9_000_000, ct);
            async Task<(long Worker, long Consumers)> OneAsync(Webhook webhook)
            {
                var start = counter.Total;
                await PostAllAsync(http, [webhook], 1, ct);
                await WaitForEmptyAsync(azurite, QueueNames.ShopifyWebhooks, TimeSpan.FromSeconds(120), ct);
                var handled = counter.Total;
                await WaitForEmptyAsync(azurite, QueueNames.OrderEvents, TimeSpan.FromSeconds(120), ct);
                await Task.Delay(300, ct);
                return (handled - start, counter.Total - handled);
            }
            foreach (var warm in webhooks.Take(3)) await OneAsync(warm);
            // An order's last write (the ledger's answers, after a quiet moment) must fall in its own count, not in the idle window.
            await WaitForOutboxesEmptyAsync(azurite, webhooks.Take(3), TimeSpan.FromSeconds(60), ct);
            var idleBefore = counter.Total;
            var idleQueriesBefore = counter.Queries().Values.Sum();
            await Task.Delay(3_000, ct);
            var idlePerSecond = (counter.Total - idleBefore) / 3.0;
            var idleQueriesPerSecond = (counter.Queries().Values.Sum() - idleQueriesBefore) / 3.0;

            var before = counter.Snapshot();
            var queriesBefore = counter.Queries();
            var queuesBefore = queues.Snapshot();
            var clock = Stopwatch.StartNew();
            long worker = 0, consumers = 0;
            foreach (var webhook in webhooks.Skip(3))
            {
                var (w, c) = await OneAsync(webhook);
                worker += w;
                consumers += c;
            }
            await WaitForOutboxesEmptyAsync(azurite, webhooks.Skip(3), TimeSpan.FromSeconds(60), ct);
            var byKind = counter.Since(before);
            var queries = counter.Queries().ToDictionary(kv => kv.Key, kv => kv.Value - queriesBefore.GetValueOrDefault(kv.Key));
            var queriesPerOrder = queries.Values.Sum() / (double)counted;
            // Sends and deletes only: the workers' polls run whether or not there is work, and a grouped send counts once.
            var messages = queues.Since(queuesBefore).Select(kv => (kv.Key, Count: kv.Value))
                .Where(kv => kv.Key.StartsWith("POST ", StringComparison.Ordinal) || kv.Key.StartsWith("DELETE ", StringComparison.Ordinal))
                .OrderByDescending(kv => kv.Count).ToList();
            var pointReadsPerOrder = byKind.Where(kv => kv.Key.StartsWith("GET ", StringComparison.Ordinal)).Sum(kv => kv.Value) / (double)counted
                - queriesPerOrder;
            var queriesByTable = queries.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
                .Select(kv => $"{kv.Key} {kv.Value / (double)counted:0.#}");
            var perOrder = (byKind.Values.Sum() - idlePerSecond * clock.Elapsed.TotalSeconds) / counted;
            var byTable = TableCounter.PerEventByTable(byKind, counted);
            var (workerShare, consumerShare) = (worker / (double)counted, consumers / (double)counted);
            report.Row("Web order: Table round trips", $"{perOrder:0.0} per order",
                $"{counted} signed orders/create (3 lines) one at a time through a counting proxy; until the webhook queue was empty {workerShare:0.0}, " +
                $"after it (order-events consumers still running) {consumerShare:0.0}; by table: {byTable}; " +
                $"background {idlePerSecond:0.0}/s, subtracted");
            report.Row("Web order: Table queries", $"{queriesPerOrder:0.0} per order",
                $"reads that are not point reads (the emulator scans the table for each), background included (idle {idleQueriesPerSecond:0.0}/s); " +
                $"point reads {pointReadsPerOrder:0.0} " +
                $"per order; queries by table: {(queries.Values.Sum() == 0 ? "none" : string.Join(", ", queriesByTable))}");
            report.Row("Web order: queue sends and deletes", $"{messages.Sum(m => m.Count) / (double)counted:0.0} per order",
                $"the same orders through a counting proxy in front of the Queue endpoint (each queue call scans the messages the emulator holds): " +
                $"{string.Join(", ", messages.Select(m => $"{m.Key} {m.Count / (double)counted:0.#}"))}");
            report.Result("webOrderTableRoundTrips", new
            {
                counted,
                perOrder = Report.Round(perOrder, 1),
                webhookWorker = Report.Round(workerShare, 1),
                orderEventConsumers = Report.Round(consumerShare, 1),
                byKind = byKind.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
                    .ToDictionary(kv => kv.Key, kv => Report.Round(kv.Value / (double)counted, 2)),
                backgroundPerSecond = Report.Round(idlePerSecond, 2),
                queriesPerOrder = Report.Round(queriesPerOrder, 2),
                pointReadsPerOrder = Report.Round(pointReadsPerOrder, 2),
                queriesByTable = queries.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
                    .ToDictionary(kv => kv.Key, kv => Report.Round(kv.Value / (double)counted, 2)),
                queueSendsAndDeletes = messages.ToDictionary(m => m.Key, m => Report.Round(m.Count / (double)counted, 2)),
            });
            await CountUnderLoadAsync(azurite, runtime, counter, queues, idlePerSecond, config, report, returning: false, ct);
            await CountUnderLoadAsync(azurite, runtime, counter, queues, idlePerSecond, config, report, returning: true, ct);
        }
        finally
        {
            await Started.StopAsync(runtime);
        }
    }

    /// <summary>
    /// The same counting runtime under load: signed orders from as many clients as the end-to-end scenario, counted until
    /// both queues are empty and every order's outbox is. Orders side by side share routing's kept stock rows, coalesced
    /// pushes and the group commits of the partitions they have in common (the shop's delivery log, the channel's order
    /// index, the day's captured payments, a store's pick list), as in a burst, where the one-at-a-time count pays each alone.
    /// The shoppers are known to storage but, at first, mostly new to this runtime; a second pass has the same shoppers
    /// buy again (<paramref name="returning"/>), as most of a burst's orders are, whose profiles and points it last wrote.
    /// </summary>
    private static async Task CountUnderLoadAsync(Azurite azurite, RuntimeProcess runtime, TableCounter counter, TableCounter queues, double idlePerSecond,
        Config config, Report report, bool returning, CancellationToken ct)
    {
        var count = config.Quick ? 100 : 300;
        // A shopper is the order's sequence modulo 500: offsets 500 apart bring the same shoppers in the same order.
        var webhooks = Orders(returning ? "counted-again" : "counted-load", count, config.SkuCount, offset: returning ? 9_600_000 : 9_500_000, ct);
        var (name, key) = returning
            ? ("Web order: Table round trips under load, returning shoppers", "webOrderTableRoundTripsUnderLoadReturning")
            : ("Web order: Table round trips under load", "webOrderTableRoundTripsUnderLoad");
        using var http = Client(runtime, config.Concurrency);
        var before = counter.Snapshot();
        var queuesBefore = queues.Snapshot();
        var clock = Stopwatch.StartNew();
        var posted = await PostAllAsync(http, webhooks, config.Concurrency, ct);
        await WaitForEmptyAsync(azurite, QueueNames.ShopifyWebhooks, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), ct);
        await WaitForEmptyAsync(azurite, QueueNames.OrderEvents, TimeSpan.FromSeconds(config.DrainTimeoutSeconds), ct);
        await WaitForOutboxesEmptyAsync(azurite, webhooks, TimeSpan.FromSeconds(60), ct);
        var byKind = counter.Since(before);
        var perOrder = (byKind.Values.Sum() - idlePerSecond * clock.Elapsed.TotalSeconds) / count;
        var byTable = TableCounter.PerEventByTable(byKind, count);
        // Each message sent is also a stored object the emulator later sweeps up, at a cost that grows with their number.
        var queueCalls = queues.Since(queuesBefore);
        var sends = queueCalls.Select(kv => (kv.Key, Count: kv.Value))
            .Where(kv => kv.Key.StartsWith("POST ", StringComparison.Ordinal)).OrderByDescending(kv => kv.Count).ToList();
        // Every queue call costs the emulator a sort of the messages it holds: receives and deletes count as much as sends.
        var byMethod = queueCalls.GroupBy(kv => kv.Key[..kv.Key.IndexOf(' ')]).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value) / (double)count);
        if (posted.NotOk > 0) report.Fail($"Web orders counted under load: {posted.NotOk} of {count} not acknowledged{Outcomes(posted)}");
        report.Row(name, $"{perOrder:0.0} per order",
            $"the same counting runtime, {count} signed orders/create (3 lines) from {config.Concurrency} clients until the queues and the orders' outboxes " +
            $"were empty; {(returning ? "the shoppers of the pass before, buying again" : "shoppers known to storage, most of them new to this runtime")}; " +
            $"by table: {byTable}; background subtracted");
        if (!returning)
            report.Row("Web order: queue messages sent under load", $"{sends.Sum(m => m.Count) / (double)count:0.00} per order",
                $"the same orders: messages sent (an envelope group is one message) by queue: " +
                $"{string.Join(", ", sends.Select(m => $"{m.Key[5..]} {m.Count / (double)count:0.00}"))}; every queue call by method: " +
                $"{string.Join(", ", byMethod.OrderByDescending(m => m.Value).Select(m => $"{Verb(m.Key)} {m.Value:0.00}"))} " +
                "(polls of idle queues included)");
        report.Result(key, new
        {
            count,
            concurrency = config.Concurrency,
            perOrder = Report.Round(perOrder, 1),
            byKind = byKind.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => Report.Round(kv.Value / (double)count, 2)),
            queueMessagesSent = sends.ToDictionary(m => m.Key[5..], m => Report.Round(m.Count / (double)count, 2)),
        });
    }

    private static string Verb(string method) => method switch
    {
        "POST" => "sends",
        "GET" => "receives and peeks",
        "DELETE" => "deletes",
        "PUT" => "visibility updates",
        _ => method,
    };

    /// <summary>
    /// Waits (up to ten seconds) until the runtime idles, so the JIT's background recompilation of what the warm-up
    /// made hot is not counted against the measured requests; the processor time of the last idle second.
    /// </summary>
    private static async Task<double> SettledAsync(RuntimeProcess runtime, CancellationToken ct)
    {
        var idle = 0.0;
        for (var second = 0; second < 10; second++)
        {
            var from = runtime.ProcessorTime;
            await Task.Delay(1_000, ct);
            idle = (runtime.ProcessorTime - from).TotalMilliseconds;
            if (idle < 50) break;
        }
        return idle;
    }

    /// <summary>Registers products through signed products/create webhooks, as the end-to-end scenario does.</summary>
    internal static Task<LoadResult> RegisterProductsAsync(HttpClient http, int count, CancellationToken ct) =>
        PostAllAsync(http, Enumerable.Range(0, count).Select(i => Sign("products/create", $"bench-product-{i}", ShopifyBodies.Product(i))).ToList(), 8, ct);

    /// <summary>
    /// Stock for every product at the fulfilment location, so web orders reserve it as in a flash sale of goods on the
    /// shelf (without it each line of each order is a backorder and raises an exception).
    /// </summary>
    internal static Task StockProductsAsync(HttpClient http, int count, CancellationToken ct) =>
        Load.RunAsync(count, 8, async (i, token) =>
        {
            await InventoryBench.ReceiveAsync(http, ShopifyBodies.Sku(i), 1_000_000, $"bench-stock-{i}", token);
            return "200";
        }, ct);

    /// <summary>Posts signed orders/create webhooks for the registered products from concurrent clients.</summary>
    internal static Task<LoadResult> PostOrdersAsync(HttpClient http, string prefix, int count, int skuCount, int concurrency, CancellationToken ct) =>
        PostAllAsync(http, Orders(prefix, count, skuCount, offset: 5_000_000, ct), concurrency, ct);

    /// <summary>Every envelope held by a queue no worker reads (each message received once and hidden for good), and how many differ.</summary>
    private static async Task<(int Envelopes, int Distinct)> EnvelopesQueuedAsync(Azurite azurite, string queue, CancellationToken ct)
    {
        var client = new QueueClient(azurite.ConnectionString, queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var ids = new List<string>();
        while (true)
        {
            var received = (await client.ReceiveMessagesAsync(32, TimeSpan.FromHours(1), ct)).Value;
            if (received.Length == 0) break;
            ids.AddRange(received.SelectMany(m => QueueMessageSender.Read(m.Body.ToString()).Envelopes.Select(e => e.Id)));
        }
        return (ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>Waits until a queue holds no message, visible or not (read from storage directly, not through the runtime).</summary>
    internal static async Task WaitForEmptyAsync(Azurite azurite, string queue, TimeSpan timeout, CancellationToken ct)
    {
        var client = new QueueClient(azurite.ConnectionString, queue);
        var clock = Stopwatch.StartNew();
        while (await client.ExistsAsync(ct) && (await client.GetPropertiesAsync(ct)).Value.ApproximateMessagesCount > 0)
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"{queue} did not empty within {timeout.TotalSeconds:0} s");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>
    /// Waits until each web order's outbox is empty, read from storage directly: an order that nothing else happens to
    /// saves what its effects answered (the ledger confirming its reservations) a moment after they ran.
    /// </summary>
    private static async Task WaitForOutboxesEmptyAsync(Azurite azurite, IEnumerable<Webhook> webhooks, TimeSpan timeout, CancellationToken ct)
    {
        var orders = new TableClient(azurite.ConnectionString, TableNames.Orders);
        var clock = Stopwatch.StartNew();
        foreach (var webhook in webhooks)
        {
            using var body = JsonDocument.Parse(webhook.Body);
            var orderId = OrderIds.ForShopify(ShopifyBodies.Shop, body.RootElement.GetProperty("id").GetRawText());
            while (await orders.GetEntityIfExistsAsync<TableEntity>(orderId, TableOrderStore.OrderRow(orderId), ["PendingCount"], ct) is not { HasValue: true } row
                   || row.Value!.GetInt32("PendingCount") is not 0)
            {
                if (clock.Elapsed > timeout) throw new TimeoutException($"order {orderId} still had effects in its outbox after {timeout.TotalSeconds:0} s");
                await Task.Delay(100, ct);
            }
        }
    }

    private static Dictionary<string, string> Settings(Azurite azurite, bool workers) => new()
    {
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["Shopify__WebhookSecrets__0"] = Secret,
        ["Workers__Enabled"] = workers ? "true" : "false",
        // Measure the path, not the brake: backpressure would refuse work long before these.
        ["Backpressure__MaxQueueDepth"] = "10000000",
        ["Backpressure__MaxQueueAgeSeconds"] = "1000000",
        ["Inventory__DefaultFulfillmentLocation"] = "WH-1",
        // The orders are in dollars: a program in the same currency accrues their points, as a retailer's would.
        ["Loyalty__Currency"] = "USD",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static HttpClient Client(RuntimeProcess runtime, int concurrency) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        })
        {
            BaseAddress = runtime.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };

    private static List<Webhook> Orders(string prefix, int count, int skuCount, long offset, CancellationToken ct) =>
        Enumerable.Range(0, count)
            .AsParallel().AsOrdered().WithCancellation(ct)
            .Select(i => Sign("orders/create", $"bench-{prefix}-{i}", ShopifyBodies.Order(offset + i, skuCount)))
            .ToList();

    private static Webhook Sign(string topic, string id, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return new Webhook(topic, id, bytes, ShopifyHmac.Sign(bytes, Secret));
    }

    private static Task<LoadResult> PostAllAsync(HttpClient http, IReadOnlyList<Webhook> webhooks, int concurrency, CancellationToken ct) =>
        Load.RunAsync(webhooks.Count, concurrency, async (i, token) =>
        {
            var webhook = webhooks[i];
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/webhooks/shopify")
            {
                Content = new ByteArrayContent(webhook.Body),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add("X-Shopify-Hmac-Sha256", webhook.Signature);
            request.Headers.Add("X-Shopify-Topic", webhook.Topic);
            request.Headers.Add("X-Shopify-Shop-Domain", ShopifyBodies.Shop);
            request.Headers.Add("X-Shopify-Webhook-Id", webhook.Id);
            request.Headers.Add("X-Shopify-Event-Id", $"event-{webhook.Id}");
            request.Headers.Add("X-Shopify-Triggered-At", ShopifyBodies.PlacedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            request.Headers.Add("X-Shopify-API-Version", "2026-10");
            using var response = await http.SendAsync(request, token);
            await response.Content.CopyToAsync(Stream.Null, token);
            return ((int)response.StatusCode).ToString();
        }, ct);

    private static string Outcomes(LoadResult result) =>
        result.NotOk == 0 ? "" : " [" + string.Join(", ", result.Outcomes.Where(o => o.Key != "200").Select(o => $"{o.Key}: {o.Value}")) + "]";

    /// <summary>
    /// A queue's depth in messages, read from storage directly: asking the runtime's health endpoint instead would add
    /// sixteen storage calls per poll to the load being measured.
    /// </summary>
    internal static async Task<long> DepthAsync(Azurite azurite, string queue, CancellationToken ct) =>
        (await new QueueClient(azurite.ConnectionString, queue).GetPropertiesAsync(ct)).Value.ApproximateMessagesCount;

    /// <summary>Until the webhooks and the order events they caused are all handled: both queues hold no message.</summary>
    private static async Task<bool> WaitForDrainAsync(Azurite azurite, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (await DepthAsync(azurite, QueueNames.ShopifyWebhooks, ct) > 0 || await DepthAsync(azurite, QueueNames.OrderEvents, ct) > 0)
        {
            if (deadline.Elapsed > timeout) return false;
            await Task.Delay(100, ct);
        }
        return true;
    }

    private static async Task<int> CountAsync(TableClient table, string? filter, CancellationToken ct)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: ct))
            count++;
        return count;
    }
}

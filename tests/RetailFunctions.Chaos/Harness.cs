using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Testing;

namespace RetailFunctions.Chaos;

public sealed record HarnessOptions
{
    public int Seed { get; init; } = 1;
    public ScenarioSize Size { get; init; } = ScenarioSize.Small;
    public Faults Faults { get; init; } = Faults.All;

    /// <summary>How long the queues may take to drain after the last request.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>Consecutive health polls (half a second apart) that must all show every queue empty.</summary>
    public int QuietPolls { get; init; } = 6;

    public Action<string> Log { get; init; } = _ => { };
}

/// <summary>
/// Starts Azurite, the fake web store and the runtime process(es); maps the catalog, records the receipts, sends the
/// day with its faults, waits for the pipeline to drain, then compares the ledger, the dead letters, the batches,
/// the exceptions and the web store's figures with what the scenario says they must be.
/// </summary>
public sealed class Harness : IAsyncDisposable
{
    public const string Secret = "chaos-webhook-secret";

    /// <summary>
    /// The queues the runtime consumes; inventory-alerts is outbound only, and erp-postings waits for an ERP the run
    /// does not configure. A pickup deadline waits on order-workflow, so the drain lasts at least the pickup window.
    /// </summary>
    private static readonly string[] ConsumedQueues = ["shopify-webhooks", "pos-batches", "channel-availability", "inventory-commands", "order-workflow", "order-events"];

    /// <summary>The pickup window of the run: uncollected pickup orders expire this long after they were made ready.</summary>
    public static readonly TimeSpan PickupWindow = TimeSpan.FromSeconds(15);

    private readonly HarnessOptions _options;
    private readonly Scenario _scenario;
    private readonly FaultPlan _plan;
    private readonly ChaosReport _report;
    private readonly List<(RuntimeProcess Runtime, HttpClient Http)> _instances = [];
    private readonly object _gate = new();
    private readonly List<(PosUpload Upload, string BatchId)> _batches = [];
    private ChaosAzurite? _azurite;
    private string _refundDay = PosUpload.BusinessDay;
    private FakeShopifyAdmin? _store;
    private int _next;

    private Harness(HarnessOptions options)
    {
        _options = options;
        _scenario = Scenario.Generate(options.Seed, options.Size);
        _plan = FaultPlan.Build(_scenario, options.Faults);
        _report = new ChaosReport(options.Seed, options.Size, options.Faults.ToString());
    }

    public static async Task<ChaosReport> RunAsync(HarnessOptions options)
    {
        await using var harness = new Harness(options);
        return await harness.RunAsync();
    }

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Log(string message) => _options.Log($"[chaos {_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    private async Task<ChaosReport> RunAsync()
    {
        var faults = _options.Faults;
        Log($"seed {_options.Seed}, {_options.Size}: {_scenario.Skus.Count} SKUs, {_scenario.Stores.Count} stores + {Scenario.Warehouse}, " +
            $"{_scenario.Orders.Count} web orders, {_scenario.Uploads.Count} till batches; faults: {faults}");
        _azurite = await ChaosAzurite.StartAsync();
        _store = await FakeShopifyAdmin.StartAsync();
        var settings = Settings();
        var count = faults.TwoInstances ? 2 : 1;
        var started = Enumerable.Range(0, count).Select(_ => new RuntimeProcess(settings)).ToList();
        lock (_gate) _instances.AddRange(started.Select(r => (r, Client(r))));
        await Task.WhenAll(started.Select(r => r.StartAsync()));
        _report.Instances = count;
        Log($"Azurite, fake web store and {count} runtime process(es) up");

        await SeedAsync();
        Log($"catalog mapped, {_scenario.Receipts.Count} receipts recorded");

        await SendDayAsync(settings);
        Log($"day sent: {_report.RequestsSent} requests ({_report.SendRetries} retried after a refused connection or a 5xx)");

        var drainClock = Stopwatch.StartNew();
        var drained = await DrainAsync();
        _report.DrainSeconds = drainClock.Elapsed.TotalSeconds;
        if (!drained)
            _report.Differences.Add($"the pipeline did not drain within {_options.DrainTimeout.TotalSeconds:0} s after the day (queues not empty or batches not completed)");
        Log(drained ? $"drained in {_report.DrainSeconds:0.0} s" : "did not drain; going on anyway");

        await SendStoreActionsAsync();
        Log($"store actions sent: {_report.StoreActions} ({_report.StoreActionDuplicates} twice), {_report.AzuriteRestarts} Azurite restart(s)");
        drainClock.Restart();
        drained = await DrainAsync();
        _report.DrainSeconds += drainClock.Elapsed.TotalSeconds;
        if (!drained)
            _report.Differences.Add($"the pipeline did not drain within {_options.DrainTimeout.TotalSeconds:0} s after the store actions");
        Log(drained ? $"drained again in {drainClock.Elapsed.TotalSeconds:0.0} s" : "did not drain; comparing anyway");

        await CompareOrdersAsync();
        await CompareLevelsAsync();
        await CompareMovementsAsync();
        await CompareBatchesAsync();
        await CompareDeadLettersAsync();
        await CompareExceptionsAsync();
        await CompareWebStoreAsync();
        await CompareLoyaltyAsync();
        await CompareJournalAsync();
        await CompareWebStoreRefundsAsync();
        _report.ChannelAttempts = _store.Attempts;
        _report.ChannelSets = _store.Sets.Count;
        _report.Finish();
        return _report;
    }

    private Dictionary<string, string> Settings() => new()
    {
        ["AzureWebJobsStorage"] = _azurite!.ConnectionString,
        ["Shopify__WebhookSecrets__0"] = Secret,
        ["Inventory__DefaultFulfillmentLocation"] = Scenario.Warehouse,
        ["Pos__ChunkSize"] = "3",
        ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:03",
        ["Shopify__Admin__BaseUrl"] = _store!.BaseUrl.ToString(),
        ["Shopify__Admin__AccessToken"] = "chaos-admin-token",
        ["Shopify__Admin__BaseDelayMilliseconds"] = "50",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Orders__PickupWindow"] = PickupWindow.ToString("c", CultureInfo.InvariantCulture),
        // One point per dollar whatever the tier, so a shopper's balance does not depend on the order purchases arrive in.
        ["Loyalty__Currency"] = "USD",
        ["Loyalty__Rates__any__any"] = "1",
        ["Customers__DefaultRegion"] = "GB",
    };

    private static HttpClient Client(RuntimeProcess runtime) => new() { BaseAddress = runtime.BaseAddress, Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>The next live instance, round robin.</summary>
    private HttpClient NextClient()
    {
        lock (_gate) return _instances[_next++ % _instances.Count].Http;
    }

    private HttpClient AnyClient()
    {
        lock (_gate) return _instances[^1].Http;
    }

    /// <summary>
    /// Sends a request as a real caller would: a refused connection (a killed instance) or a 5xx is retried, on the
    /// next instance. A request whose answer was lost may have been accepted: retrying it is a duplicate the pipeline
    /// must absorb.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, string what)
    {
        // Long enough to ride out a runtime restart or an Azurite restart.
        var giveUp = DateTime.UtcNow.AddSeconds(90);
        for (var attempt = 1; ; attempt++)
        {
            var http = NextClient();
            try
            {
                using var request = build();
                var response = await http.SendAsync(request);
                if ((int)response.StatusCode < 500) return response;
                if (DateTime.UtcNow > giveUp) return response;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < giveUp)
            {
            }
            catch (ObjectDisposedException) when (DateTime.UtcNow < giveUp)
            {
            }
            _report.SendRetries++;
            await Task.Delay(250);
        }
    }

    private static async Task Ensure(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task SeedAsync()
    {
        async Task Put(string path, object body) =>
            await Ensure(await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) }, $"PUT {path}"), $"PUT {path}");

        await Put($"api/catalog/locations/{Scenario.Warehouse}", new
        {
            name = "Web fulfilment warehouse",
            aliases = new[] { new { system = "shopify", value = Scenario.WarehouseShopifyLocation.ToString(CultureInfo.InvariantCulture) } },
        });
        foreach (var store in _scenario.Stores)
        {
            await Put($"api/catalog/locations/{store.Location}", new
            {
                name = $"Store {store.PosStoreId}",
                aliases = new[]
                {
                    new { system = "pos", value = store.PosStoreId },
                    new { system = "shopify", value = store.ShopifyLocationId.ToString(CultureInfo.InvariantCulture) },
                },
            });
        }
        foreach (var sku in _scenario.Skus)
        {
            await Put($"api/catalog/skus/{sku.Sku}", new
            {
                title = $"Chaos item {sku.Sku}",
                aliases = new[]
                {
                    new { system = "shopify", kind = "variant", value = sku.VariantId.ToString(CultureInfo.InvariantCulture) },
                    new { system = "shopify", kind = "inventory-item", value = sku.InventoryItemId.ToString(CultureInfo.InvariantCulture) },
                    new { system = "pos", kind = "item", value = sku.PosItemId },
                },
            });
        }
        foreach (var receipt in _scenario.Receipts)
        {
            var response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/movements")
                {
                    Content = JsonContent.Create(new
                    {
                        sku = receipt.Sku, location = receipt.Location, kind = "receipt", quantity = receipt.Quantity,
                        reason = "chaos: stock for the day", idempotencyKey = receipt.IdempotencyKey,
                    }),
                };
                request.Headers.Add("X-RetailFunctions-Role", "inventory-manager");
                return request;
            }, "receipt");
            await Ensure(response, $"receipt {receipt.IdempotencyKey}");
        }
        // Shoppers enrol before the day with every identifier (an enrolment is a purchase of nothing: no points).
        foreach (var shopper in _scenario.Shoppers)
        {
            var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "api/customers/activities")
            {
                Content = JsonContent.Create(new
                {
                    idempotencyKey = $"chaos-enrol-{shopper.Number}",
                    kind = "purchase",
                    customer = new { email = shopper.Email, phone = shopper.Phone, loyaltyId = shopper.LoyaltyId },
                    orderId = $"enrol-{shopper.Number}",
                    channel = "pos",
                    store = _scenario.Stores[0].Location,
                    net = 0m,
                    currency = "USD",
                    occurredAt = "2026-11-20T09:00:00Z",
                }),
            }, "enrolment");
            await Ensure(response, $"enrolment of shopper {shopper.Number}");
        }
    }

    private async Task SendDayAsync(IReadOnlyDictionary<string, string> settings)
    {
        var bursts = new[]
        {
            new[] { new FakeShopifyAdmin.Scripted(429, RetryAfterSeconds: 1), new FakeShopifyAdmin.Scripted(503) },
            new[] { new FakeShopifyAdmin.Scripted(503), new FakeShopifyAdmin.Scripted(503), new FakeShopifyAdmin.Scripted(503) },
            new[] { new FakeShopifyAdmin.Scripted(429, RetryAfterSeconds: 1), new FakeShopifyAdmin.Scripted(429, RetryAfterSeconds: 1) },
            new[] { new FakeShopifyAdmin.Scripted(502), new FakeShopifyAdmin.Scripted(429, RetryAfterSeconds: 1) },
        };
        Task? restarting = null;
        foreach (var send in _plan.Sends)
        {
            switch (send)
            {
                case Send.Webhook w:
                {
                    var response = await SendAsync(() => SignedWebhook(w), $"webhook {w.WebhookId}");
                    await Ensure(response, $"{w.Event.Topic} {w.WebhookId}");
                    _report.RequestsSent++;
                    _report.WebhooksSent++;
                    if (w.Duplicate) _report.WebhookDuplicates++;
                    break;
                }
                case Send.Upload u:
                {
                    var batch = _options.Faults.Poison ? u.Event.Batch : u.Event.Batch with { Transactions = [.. u.Event.Batch.Transactions.Where(t => !t.Malformed)] };
                    var body = batch.Body();
                    var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "api/pos/transactions")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    }, "till batch");
                    await Ensure(response, $"till batch {batch.Index}");
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    _batches.Add((batch, answer.RootElement.GetProperty("batchId").GetString()!));
                    _report.RequestsSent++;
                    _report.UploadsSent++;
                    if (u.Duplicate) _report.UploadDuplicates++;
                    _report.MalformedTransactions += batch.Transactions.Count(t => t.Malformed);
                    break;
                }
                case Send.KillRuntime:
                    // With a second instance the day goes on against the survivor while the new process starts.
                    var restart = KillAndRestartAsync(settings);
                    if (_options.Faults.TwoInstances) restarting = restart;
                    else await restart;
                    break;
                case Send.ChannelBurst:
                    _store!.Then(bursts[_report.ChannelBursts % bursts.Length]);
                    _report.ChannelBursts++;
                    break;
            }
        }
        if (restarting is not null) await restarting;
        _report.Reordered = _plan.Reordered;
        _report.ArrivedBeforeCreate = _plan.ArrivedBeforeCreate;
        _report.PoisonWebhooks = _plan.PoisonWebhooks;
    }

    private HttpRequestMessage SignedWebhook(Send.Webhook w)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/webhooks/shopify")
        {
            Content = new StringContent(w.Event.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Shopify-Hmac-Sha256", ShopifyHmac.Sign(Encoding.UTF8.GetBytes(w.Event.Body), Secret));
        request.Headers.Add("X-Shopify-Topic", w.Event.Topic);
        request.Headers.Add("X-Shopify-Shop-Domain", Scenario.Shop);
        request.Headers.Add("X-Shopify-Webhook-Id", w.WebhookId);
        request.Headers.Add("X-Shopify-Event-Id", w.EventId);
        request.Headers.Add("X-Shopify-Triggered-At", "2026-11-21T17:00:00Z");
        request.Headers.Add("X-Shopify-API-Version", "2025-10");
        return request;
    }

    /// <summary>Kills the first instance while work is in flight and starts a new process with the same settings.</summary>
    private async Task KillAndRestartAsync(IReadOnlyDictionary<string, string> settings)
    {
        (RuntimeProcess Runtime, HttpClient Http) victim;
        lock (_gate)
        {
            victim = _instances[0];
            // With one instance, the client stays in the list so requests fail (and are retried) until the restart.
            if (_instances.Count > 1) _instances.RemoveAt(0);
        }
        var backlog = await BacklogAsync(victim.Http);
        victim.Runtime.Kill();
        _report.Kills++;
        _report.BacklogAtKill += backlog;
        Log($"killed runtime on port {victim.Runtime.Port} after {_report.RequestsSent} requests, {backlog} messages queued or in flight");
        var restarted = new RuntimeProcess(settings);
        try
        {
            await restarted.StartAsync();
        }
        catch
        {
            await restarted.DisposeAsync();
            throw;
        }
        lock (_gate)
        {
            _instances.Remove(victim);
            _instances.Insert(0, (restarted, Client(restarted)));
        }
        await victim.Runtime.DisposeAsync();
        victim.Http.Dispose();
        Log($"restarted on port {restarted.Port}");
    }

    /// <summary>
    /// Drained: every consumed queue empty (messages in flight or waiting for a retry count in a queue's depth) for
    /// several polls in a row, and every accepted till batch completed.
    /// </summary>
    private async Task<bool> DrainAsync()
    {
        var deadline = DateTime.UtcNow + _options.DrainTimeout;
        var quiet = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (await QueuesEmptyAsync()) quiet++;
            else quiet = 0;
            if (quiet >= _options.QuietPolls)
            {
                if (await AllBatchesCompletedAsync()) return true;
                quiet = 0;
            }
            await Task.Delay(500);
        }
        return false;
    }

    private static async Task<long> BacklogAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("api/health");
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return health.RootElement.GetProperty("queues").EnumerateArray()
                .Where(q => ConsumedQueues.Contains(q.GetProperty("queue").GetString())).Sum(q => q.GetProperty("depth").GetInt64());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return -1;
        }
    }

    private async Task<bool> QueuesEmptyAsync()
    {
        try
        {
            using var response = await AnyClient().GetAsync("api/health");
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var queues = health.RootElement.GetProperty("queues").EnumerateArray()
                .ToDictionary(q => q.GetProperty("queue").GetString()!, q => q.GetProperty("depth").GetInt64());
            return ConsumedQueues.All(q => queues.TryGetValue(q, out var depth) && depth == 0);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task<bool> AllBatchesCompletedAsync()
    {
        foreach (var (_, batchId) in _batches)
        {
            using var batch = await GetJsonAsync($"api/pos/batches/{batchId}?take=1");
            if (batch.RootElement.GetProperty("batch").GetProperty("status").GetString() != "completed") return false;
        }
        return true;
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), $"GET {path}");
        await Ensure(response, $"GET {path}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task CompareLevelsAsync()
    {
        var expected = Oracle.Expected(_scenario);
        foreach (var sku in _scenario.Skus)
        {
            using var stock = await GetJsonAsync($"api/inventory/{Uri.EscapeDataString(sku.Sku)}");
            var actual = stock.RootElement.GetProperty("locations").EnumerateArray().ToDictionary(
                l => l.GetProperty("location").GetString()!,
                l => new ExpectedLevel(l.GetProperty("onHand").GetDecimal(), l.GetProperty("reserved").GetDecimal()));
            var locations = expected.Keys.Where(k => k.Sku == sku.Sku).Select(k => k.Location).Union(actual.Keys).Order(StringComparer.Ordinal);
            foreach (var location in locations)
            {
                var want = expected.GetValueOrDefault((sku.Sku, location)) ?? new ExpectedLevel(0m, 0m);
                var got = actual.GetValueOrDefault(location) ?? new ExpectedLevel(0m, 0m);
                _report.LevelsCompared++;
                if (want.OnHand != got.OnHand)
                    _report.Differences.Add($"{sku.Sku} at {location}: on hand {got.OnHand}, expected {want.OnHand}");
                if (want.Reserved != got.Reserved)
                    _report.Differences.Add($"{sku.Sku} at {location}: reserved {got.Reserved}, expected {want.Reserved}");
            }
        }
    }

    /// <summary>Every movement once: the ledger holds exactly the expected number per SKU, and no idempotency key twice.</summary>
    private async Task CompareMovementsAsync()
    {
        var expected = Oracle.ExpectedMovements(_scenario);
        foreach (var sku in _scenario.Skus)
        {
            var keys = new List<string>();
            string? token = null;
            do
            {
                var path = $"api/inventory/{Uri.EscapeDataString(sku.Sku)}/movements?pageSize=1000" + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}");
                using var page = await GetJsonAsync(path);
                keys.AddRange(page.RootElement.GetProperty("movements").EnumerateArray().Select(m => m.GetProperty("idempotencyKey").GetString()!));
                token = page.RootElement.TryGetProperty("continuationToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (token is not null);
            _report.MovementsInLedger += keys.Count;
            foreach (var twice in keys.GroupBy(k => k).Where(g => g.Count() > 1))
            {
                _report.AppliedTwice++;
                _report.Differences.Add($"{sku.Sku}: movement {twice.Key} applied {twice.Count()} times");
            }
            if (keys.Count != expected[sku.Sku])
                _report.Differences.Add($"{sku.Sku}: {keys.Count} movements in the ledger, expected {expected[sku.Sku]}");
        }
    }

    private async Task CompareBatchesAsync()
    {
        foreach (var (upload, batchId) in _batches)
        {
            using var batch = await GetJsonAsync($"api/pos/batches/{batchId}?take=1000");
            var status = batch.RootElement.GetProperty("batch").GetProperty("status").GetString();
            if (status != "completed")
                _report.Differences.Add($"till batch {batchId} (upload {upload.Index}) is {status}, expected completed");
            var statuses = batch.RootElement.GetProperty("transactions").EnumerateArray()
                .ToDictionary(t => t.GetProperty("position").GetInt32(), t => t.GetProperty("status").GetString());
            for (var i = 0; i < upload.Transactions.Count; i++)
            {
                var transaction = upload.Transactions[i];
                var want = transaction.Malformed ? "malformed" : "applied";
                var got = statuses.GetValueOrDefault(i + 1);
                if (got != want)
                    _report.Differences.Add($"till batch {batchId} (upload {upload.Index}) transaction {i + 1}: {got ?? "no status"}, expected {want}");
                else if (transaction.Malformed)
                    _report.MalformedReported++;
            }
        }
    }

    private async Task CompareDeadLettersAsync()
    {
        var poison = _plan.Sends.OfType<Send.Webhook>().Where(w => w.Event.IsPoison).ToDictionary(w => w.WebhookId, w => w.Event.PoisonWhy!);
        var found = new HashSet<string>();
        // Dead-lettering happens while the message is handled; allow the last ones a moment after the drain.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        List<(string Queue, string Reason, string? Type, string Correlation)> letters;
        while (true)
        {
            using var list = await GetJsonAsync("api/deadletters?max=5000");
            letters = [.. list.RootElement.EnumerateArray().Select(d => (
                d.GetProperty("queue").GetString()!,
                d.GetProperty("reason").GetString()!,
                d.TryGetProperty("exceptionType", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null,
                d.GetProperty("envelope").GetProperty("correlationId").GetString()!))];
            if (poison.Keys.All(id => letters.Any(l => l.Correlation == id)) || DateTime.UtcNow > deadline) break;
            await Task.Delay(500);
        }

        foreach (var letter in letters)
        {
            var reasonClass = $"{letter.Queue}: {letter.Type ?? "no type"}";
            _report.DeadLettersByReason[reasonClass] = _report.DeadLettersByReason.GetValueOrDefault(reasonClass) + 1;
            if (poison.ContainsKey(letter.Correlation)) found.Add(letter.Correlation);
            else _report.Differences.Add($"unexpected dead letter on {letter.Queue} ({letter.Type}): {letter.Reason}");
        }
        foreach (var (id, why) in poison.Where(p => !found.Contains(p.Key)))
            _report.Differences.Add($"poison webhook {id} ({why}) is not in the dead letters");
        _report.PoisonDeadLettered = found.Count;
    }

    /// <summary>Every reservation fits and every store received what it sells: any business exception is unexpected.</summary>
    private async Task CompareExceptionsAsync()
    {
        using var list = await GetJsonAsync("api/exceptions?max=5000");
        foreach (var exception in list.RootElement.EnumerateArray())
        {
            _report.Differences.Add($"unexpected exception {exception.GetProperty("reason").GetString()}: {exception.GetProperty("detail").GetString()}");
        }
    }

    /// <summary>The last figures the web store was set to for an item at the warehouse, with when (seconds into the run).</summary>
    private string SetHistory(long inventoryItemId)
    {
        var started = DateTimeOffset.UtcNow - _clock.Elapsed;
        return string.Join(", ", _store!.Sets.Where(s => s.InventoryItemId == inventoryItemId && s.LocationId == Scenario.WarehouseShopifyLocation)
            .Reverse().Take(8).Select(s => $"{s.Available} at {(s.At - started).TotalSeconds:0.0} s"));
    }

    /// <summary>The web store ends with the ledger's web available-to-promise at the warehouse for every SKU.</summary>
    private async Task CompareWebStoreAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var mismatches = new List<string>();
            foreach (var sku in _scenario.Skus)
            {
                using var stock = await GetJsonAsync($"api/inventory/{Uri.EscapeDataString(sku.Sku)}");
                var warehouse = stock.RootElement.GetProperty("locations").EnumerateArray()
                    .FirstOrDefault(l => l.GetProperty("location").GetString() == Scenario.Warehouse);
                var ledger = warehouse.ValueKind == JsonValueKind.Object ? warehouse.GetProperty("availableToPromise").GetProperty("web").GetDecimal() : 0m;
                var store = _store!.Available(sku.InventoryItemId, Scenario.WarehouseShopifyLocation);
                // Whether the ledger still owes the push (its nudge was lost) or believes the channel has its figure (an older push landed last).
                var versions = warehouse.ValueKind == JsonValueKind.Object
                    ? $" (level version {warehouse.GetProperty("version").GetInt64()}, pushed version {warehouse.GetProperty("pushedVersion").GetInt64()})"
                    : "";
                if (store != ledger)
                    mismatches.Add($"{sku.Sku}: web store shows {store?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} at {Scenario.WarehouseShopifyLocation}, " +
                        $"ledger's web available-to-promise at {Scenario.Warehouse} is {ledger}{versions}; figures set, last first: {SetHistory(sku.InventoryItemId)}");
            }
            if (mismatches.Count == 0 || DateTime.UtcNow > deadline)
            {
                _report.WebFiguresCompared = _scenario.Skus.Count;
                _report.Differences.AddRange(mismatches);
                return;
            }
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// After the day: what people do in the stores and the back office, through the API. Pickup orders are made
    /// ready and collected (or left to expire), shipped orders are returned in a store (sellable or damaged) or get
    /// a goodwill refund. With duplicates on, some requests are sent twice (a repeat must change nothing); with the
    /// Azurite restart on, storage is stopped and started again halfway through.
    /// </summary>
    private async Task SendStoreActionsAsync()
    {
        _refundDay = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var random = new Random(unchecked(_options.Seed * 31 + 5));
        var orders = _scenario.Orders.Where(o => o.IsPickup || o.Return is not null || o.Goodwill is not null).OrderBy(_ => random.Next()).ToList();
        var restartAt = _options.Faults.AzuriteRestart ? orders.Count / 3 : -1;
        Task? restart = null;
        for (var i = 0; i < orders.Count; i++)
        {
            if (i == restartAt)
            {
                // Storage goes down while the store actions go on: requests meet 5xx and are retried, the runtimes'
                // queue workers and outboxes meet errors and must pick up where they were once it is back.
                var at = i;
                restart = Task.Run(async () =>
                {
                    var down = await _azurite!.RestartAsync(TimeSpan.FromSeconds(1));
                    _report.AzuriteRestarts++;
                    _report.AzuriteDownSeconds += down.TotalSeconds;
                    if (_azurite.GracefulStops < _azurite.Restarts)
                        _report.Differences.Add("Azurite did not report its services closed within 20 s of SIGINT: it was killed, and may have lost its last writes");
                    Log($"Azurite stopped and started again on the same ports ({down.TotalSeconds:0.0} s without storage), from the store actions of order {at + 1} of {orders.Count}");
                });
            }
            var order = orders[i];
            var found = await AwaitOrderAsync(order.OrderId, order.IsPickup ? "Paid" : "Fulfilled");
            if (found is not var (orderId, shipmentId))
            {
                _report.Differences.Add($"web order {order.OrderId} never reached {(order.IsPickup ? "Paid" : "Fulfilled")}: its store actions were not sent");
                continue;
            }
            var twice = _options.Faults.Duplicates && random.NextDouble() < _options.Faults.DuplicateRate;
            if (order.IsPickup)
            {
                await ActAsync(order, orderId, $"shipments/{Uri.EscapeDataString(shipmentId!)}/ready-for-pickup", new { }, twice);
                if (order.Pickup == PickupFate.Collected)
                    await ActAsync(order, orderId, $"shipments/{Uri.EscapeDataString(shipmentId!)}/picked-up", new { }, twice);
            }
            if (order.Return is { } returned)
            {
                await ActAsync(order, orderId, "returns", new
                {
                    returnId = returned.ReturnId,
                    location = returned.Store.Location,
                    lines = new[] { new { lineId = returned.Line.LineId.ToString(CultureInfo.InvariantCulture), quantity = returned.Quantity, disposition = returned.Damaged ? "damaged" : "sellable" } },
                }, twice);
            }
            if (order.Goodwill is { } goodwill)
                await ActAsync(order, orderId, "refunds", new { refundId = goodwill.RefundId, amount = goodwill.Amount, reason = "goodwill: late delivery" }, twice);
        }
        if (restart is not null) await restart;
    }

    /// <summary>Waits (up to 30 s) until a web order is known and has reached a status; its id and first shipment.</summary>
    private async Task<(string OrderId, string? ShipmentId)?> AwaitOrderAsync(long channelOrderId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            using (var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/orders/by-channel/shopify/{channelOrderId}"), "order"))
            {
                if (response.IsSuccessStatusCode)
                {
                    using var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    var root = view.RootElement;
                    if (root.GetProperty("status").GetString() == status)
                    {
                        var shipments = root.GetProperty("shipments");
                        return (root.GetProperty("orderId").GetString()!, shipments.GetArrayLength() > 0 ? shipments[0].GetProperty("shipmentId").GetString() : null);
                    }
                }
            }
            if (DateTime.UtcNow > deadline) return null;
            await Task.Delay(500);
        }
    }

    private async Task ActAsync(WebOrder order, string orderId, string action, object body, bool twice)
    {
        for (var copy = 0; copy < (twice ? 2 : 1); copy++)
        {
            using var response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"api/orders/{Uri.EscapeDataString(orderId)}/{action}") { Content = JsonContent.Create(body, body.GetType()) };
                request.Headers.Add("X-RetailFunctions-User", "chaos-associate");
                return request;
            }, action);
            _report.StoreActions++;
            if (copy > 0) _report.StoreActionDuplicates++;
            if (!response.IsSuccessStatusCode)
                _report.Differences.Add($"web order {order.OrderId}: {action}{(copy > 0 ? " (sent again)" : "")} answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task<JsonDocument?> TryGetJsonAsync(string path, string? role = null)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (role is not null) request.Headers.Add("X-RetailFunctions-Role", role);
            return request;
        }, $"GET {path}");
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    /// <summary>
    /// Every web order and every till sale has its expected final status and no effect left pending (an effect a
    /// killed runtime left in an order's row is finished by the next message or the outbox sweep: allowed 45 s).
    /// </summary>
    private async Task CompareOrdersAsync()
    {
        var wanted = _scenario.Orders.Select(o => (Path: $"api/orders/by-channel/shopify/{o.OrderId}", Name: $"web order {o.OrderId}", Status: Oracle.ExpectedStatus(o)))
            .Concat(_scenario.Uploads.SelectMany(u => u.Transactions.Where(t => t is { Malformed: false, IsReturn: false })
                .Select(t => (Path: $"api/orders/by-channel/pos/{u.Store.PosStoreId}-{t.Sequence}", Name: $"till sale {u.Store.PosStoreId}-{t.Sequence}", Status: "Closed"))))
            .Distinct().ToList();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var mismatches = new List<(string Path, string Name, string Status)>();
            var problems = new List<string>();
            foreach (var want in wanted)
            {
                using var view = await TryGetJsonAsync(want.Path);
                var status = view?.RootElement.GetProperty("status").GetString();
                var pending = view?.RootElement.GetProperty("pendingEffects").GetInt32() ?? 0;
                if (status == want.Status && pending == 0) continue;
                mismatches.Add(want);
                problems.Add(view is null ? $"{want.Name}: not found, expected {want.Status}"
                    : $"{want.Name}: {status}{(pending > 0 ? $" with {pending} effects pending" : "")}, expected {want.Status}");
            }
            if (mismatches.Count == 0 || DateTime.UtcNow > deadline)
            {
                _report.OrdersCompared = wanted.Count;
                _report.Differences.AddRange(problems);
                return;
            }
            wanted = mismatches;
            await Task.Delay(1000);
        }
    }

    /// <summary>Each shopper's points balance (found by email, and the same profile by loyalty id and phone) against the oracle's.</summary>
    private async Task CompareLoyaltyAsync()
    {
        var expected = Oracle.ExpectedPoints(_scenario);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var problems = new List<string>();
            foreach (var shopper in _scenario.Shoppers)
            {
                using var byEmail = await TryGetJsonAsync($"api/customers?email={Uri.EscapeDataString(shopper.Email)}", "finance");
                if (byEmail is null)
                {
                    problems.Add($"shopper {shopper.Number}: no profile found by {shopper.Email}");
                    continue;
                }
                var id = byEmail.RootElement.GetProperty("customerId").GetString();
                var balance = byEmail.RootElement.GetProperty("pointsBalance").GetInt64();
                if (balance != expected[shopper.Number])
                    problems.Add($"shopper {shopper.Number} ({id}): {balance} points, expected {expected[shopper.Number]}");
                foreach (var query in new[] { $"loyaltyId={Uri.EscapeDataString(shopper.LoyaltyId)}", $"phone={Uri.EscapeDataString(shopper.Phone)}" })
                {
                    using var other = await TryGetJsonAsync($"api/customers?{query}", "finance");
                    var otherId = other?.RootElement.GetProperty("customerId").GetString();
                    if (otherId != id) problems.Add($"shopper {shopper.Number}: {query} finds {otherId ?? "nothing"}, by email {id}");
                }
            }
            if (problems.Count == 0 || DateTime.UtcNow > deadline)
            {
                _report.ShoppersCompared = _scenario.Shoppers.Count;
                _report.PointsExpected = expected.Values.Sum();
                _report.Differences.AddRange(problems);
                return;
            }
            await Task.Delay(1000);
        }
    }

    /// <summary>
    /// The refunds carried out at the fake web store: exactly the oracle's, once each, whatever was retried, killed or
    /// throttled on the way (each carries our refund id in its note, and no id appears twice).
    /// </summary>
    private async Task CompareWebStoreRefundsAsync()
    {
        var expected = Oracle.ExpectedWebStoreRefunds(_scenario);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var made = _store!.Refunds.ToList();
            var actual = made.GroupBy(r => r.OrderId).ToDictionary(g => g.Key, g => g.Select(r => r.Transactions.Sum(t => t.Amount)).Order().ToList());
            var problems = new List<string>();
            foreach (var order in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
            {
                var want = expected.GetValueOrDefault(order) ?? [];
                var got = actual.GetValueOrDefault(order) ?? [];
                if (!want.SequenceEqual(got))
                    problems.Add($"web store refunds of order {order}: [{string.Join(", ", got)}], expected [{string.Join(", ", want)}]");
            }
            foreach (var twice in made.GroupBy(r => r.Note).Where(g => g.Count() > 1))
                problems.Add($"web store refund made {twice.Count()} times: {twice.Key}");
            if (problems.Count == 0 || DateTime.UtcNow > deadline)
            {
                _report.WebStoreRefunds = made.Count;
                _report.Differences.AddRange(problems);
                return;
            }
            await Task.Delay(1000);
        }
    }

    /// <summary>Journal entries per store, business day and kind (sale, return, refund): count and total against the oracle's.</summary>
    private async Task CompareJournalAsync()
    {
        var expected = Oracle.ExpectedJournal(_scenario, _refundDay);
        var days = new SortedSet<string>(StringComparer.Ordinal) { PosUpload.BusinessDay, _refundDay, DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var actual = new Dictionary<(string Store, string Day, string Kind), ExpectedJournal>();
            var entries = 0;
            foreach (var day in days)
            {
                using var list = await GetJsonAsync($"api/finance/journal?businessDay={day}");
                foreach (var entry in list.RootElement.EnumerateArray())
                {
                    var key = (entry.GetProperty("store").GetString()!, entry.GetProperty("businessDay").GetString()!, entry.GetProperty("source").GetString()!);
                    var total = entry.GetProperty("totalDebit").GetDecimal();
                    actual[key] = actual.GetValueOrDefault(key) is { } had ? new ExpectedJournal(had.Entries + 1, had.Total + total) : new ExpectedJournal(1, total);
                    entries++;
                }
            }
            var problems = new List<string>();
            foreach (var key in expected.Keys.Union(actual.Keys).Order())
            {
                var want = expected.GetValueOrDefault(key) ?? new ExpectedJournal(0, 0m);
                var got = actual.GetValueOrDefault(key) ?? new ExpectedJournal(0, 0m);
                if (want != got)
                    problems.Add($"journal {key.Store} {key.Day} {key.Kind}: {got.Entries} entries for {got.Total:0.00}, expected {want.Entries} for {want.Total:0.00}");
            }
            if (problems.Count == 0 || DateTime.UtcNow > deadline)
            {
                _report.JournalGroupsCompared = expected.Count;
                _report.JournalEntries = entries;
                _report.Differences.AddRange(problems);
                return;
            }
            await Task.Delay(1000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<(RuntimeProcess Runtime, HttpClient Http)> instances;
        lock (_gate) instances = [.. _instances];
        foreach (var (runtime, http) in instances)
        {
            http.Dispose();
            await runtime.DisposeAsync();
        }
        if (_store is not null) await _store.DisposeAsync();
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}

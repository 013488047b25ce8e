using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A real Azurite and the real runtime process, talking HTTP on loopback, shared by a test class.</summary>
public class RuntimeFixture : IAsyncLifetime
{
    public const string SecretA = "e2e-secret-current";
    public const string SecretB = "e2e-secret-next";
    public const string FunctionKey = "e2e-function-key";

    public Azurite Azurite { get; private set; } = null!;
    public RuntimeProcess Runtime { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>();

    public Dictionary<string, string> Settings() => new Dictionary<string, string>
    {
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        ["Shopify__WebhookSecrets__0"] = SecretA,
        ["Shopify__WebhookSecrets__1"] = SecretB,
        ["Api__FunctionKey"] = FunctionKey,
        ["Inventory__DefaultFulfillmentLocation"] = "WH-1",
        ["Pos__ChunkSize"] = "2",
        ["Logging__LogLevel__Default"] = "Warning",
    }.Concat(ExtraSettings).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    public virtual async Task InitializeAsync()
    {
        Azurite = await Azurite.StartAsync();
        try
        {
            Runtime = new RuntimeProcess(Settings());
            await Runtime.StartAsync();
            Http = CreateClient(Runtime);
        }
        catch
        {
            // xUnit does not dispose a fixture whose start failed: stop what was started here.
            if (Runtime is not null) await Runtime.DisposeAsync();
            await Azurite.DisposeAsync();
            throw;
        }
    }

    public static HttpClient CreateClient(RuntimeProcess runtime)
    {
        var http = new HttpClient { BaseAddress = runtime.BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        return http;
    }

    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        // After a start that failed (and cleaned up after itself) there may be nothing to stop: report that failure, not this.
        if (Runtime is not null) await Runtime.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }
}

/// <summary>Building and sending what real callers send.</summary>
public static class Calls
{
    /// <summary>
    /// A random id of letters only: the storage scans flag any 13-19 digit run that passes the Luhn check as a card
    /// number, and a random hex id holds such a run now and then.
    /// </summary>
    public static string LettersId() =>
        string.Concat(Guid.NewGuid().ToString("N").Select(c => char.IsAsciiDigit(c) ? (char)('g' + (c - '0')) : c));

    public static HttpRequestMessage ShopifyWebhook(string topic, string body, string webhookId, string? secret = RuntimeFixture.SecretA, string? eventId = null,
        string shop = "e2e-shop.myshopify.com")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/webhooks/shopify")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (secret is not null)
            request.Headers.Add("X-Shopify-Hmac-Sha256", ShopifyHmac.Sign(Encoding.UTF8.GetBytes(body), secret));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", shop);
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId);
        request.Headers.Add("X-Shopify-Event-Id", eventId ?? $"event-{webhookId}");
        request.Headers.Add("X-Shopify-Triggered-At", "2026-11-20T10:00:00Z");
        request.Headers.Add("X-Shopify-API-Version", "2026-10");
        return request;
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJson(this HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Json();
    }

    public static async Task PutJson(this HttpClient http, string path, object body)
    {
        var response = await http.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Records a manual receipt as an inventory manager.</summary>
    public static async Task Receive(this HttpClient http, string sku, string location, decimal quantity)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/movements")
        {
            Content = JsonContent.Create(new { sku, location, kind = "receipt", quantity, reason = "test stock", idempotencyKey = $"receipt-{LettersId()}" }),
        };
        request.Headers.Add("X-RetailFunctions-Role", "inventory-manager");
        var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"receipt: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Reserved quantity of a SKU at a location, or null when the location has no level yet.</summary>
    public static async Task<decimal?> Reserved(this HttpClient http, string sku, string location)
    {
        var stock = await http.GetJson($"api/inventory/{Uri.EscapeDataString(sku)}");
        foreach (var level in stock.GetProperty("locations").EnumerateArray())
        {
            if (level.GetProperty("location").GetString() == location) return level.GetProperty("reserved").GetDecimal();
        }
        return null;
    }

    /// <summary>On hand of a SKU at a location, or null when the location has no level yet.</summary>
    public static async Task<decimal?> OnHand(this HttpClient http, string sku, string location)
    {
        var stock = await http.GetJson($"api/inventory/{Uri.EscapeDataString(sku)}");
        foreach (var level in stock.GetProperty("locations").EnumerateArray())
        {
            if (level.GetProperty("location").GetString() == location) return level.GetProperty("onHand").GetDecimal();
        }
        return null;
    }

    /// <summary>
    /// Waits until every queue is empty on three reads in a row (a queue counts the messages being worked too). One
    /// read looks at the queues one after another, so it can miss a message that moved to a queue it had already read.
    /// </summary>
    public static async Task QueuesDrained(this HttpClient http, int timeoutSeconds = 90)
    {
        var emptyReads = 0;
        await Eventually(async () =>
        {
            var health = await http.GetJson("api/health");
            var empty = health.GetProperty("queues").EnumerateArray().All(q => q.GetProperty("depth").GetInt32() == 0);
            return emptyReads = empty ? emptyReads + 1 : 0;
        }, reads => reads >= 3, "every queue to be empty on three reads in a row", timeoutSeconds);
    }

    /// <summary>Polls until the condition holds; the pipeline is asynchronous behind the edge.</summary>
    public static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done, string what, int timeoutSeconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        T value;
        while (!done(value = await read()))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}; last value: {JsonSerializer.Serialize(value)}");
            await Task.Delay(100);
        }
        return value;
    }
}

using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RetailFunctions.Testing;

namespace RetailFunctions.Cli.Tests;

/// <summary>A real Azurite and the real runtime process on loopback, shared by the CLI's integration tests.</summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    public const string Secret = "cli-test-secret";
    public const string FunctionKey = "cli-test-function-key";
    public const string Shop = "cli-shop.myshopify.com";

    public Azurite Azurite { get; private set; } = null!;
    public RuntimeProcess Runtime { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string Url => Runtime.BaseAddress.AbsoluteUri.TrimEnd('/');

    public async Task InitializeAsync()
    {
        Azurite = await Azurite.StartAsync();
        try
        {
            Runtime = new RuntimeProcess(new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = Azurite.ConnectionString,
                ["Shopify__WebhookSecrets__0"] = Secret,
                ["Api__FunctionKey"] = FunctionKey,
                ["Inventory__DefaultFulfillmentLocation"] = "WH-1",
                ["Logging__LogLevel__Default"] = "Warning",
            });
            await Runtime.StartAsync();
            Http = new HttpClient { BaseAddress = Runtime.BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
            Http.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        }
        catch
        {
            if (Runtime is not null) await Runtime.DisposeAsync();
            await Azurite.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        // After a start that failed (and cleaned up after itself) there may be nothing to stop: report that failure, not this.
        if (Runtime is not null) await Runtime.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }

    /// <summary>The CLI against this runtime, with its function key.</summary>
    public Task<Cli.Run> RetailAsync(params string[] args) => Cli.RunAsync([.. args, "--url", Url, "--key", FunctionKey]);

    /// <summary>A Shopify webhook as Shopify sends it: signed with base64(HMAC-SHA256(secret, raw body)).</summary>
    public async Task SendWebhookAsync(string topic, string body, string webhookId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/webhooks/shopify") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body))));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", Shop);
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId);
        request.Headers.Add("X-Shopify-Event-Id", $"event-{webhookId}");
        using var response = await Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"webhook: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A manual receipt, recorded as an inventory manager.</summary>
    public async Task ReceiveAsync(string sku, string location, decimal quantity)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/movements")
        {
            Content = JsonContent.Create(new { sku, location, kind = "receipt", quantity, reason = "cli test", idempotencyKey = $"receipt-{Guid.NewGuid():N}" }),
        };
        request.Headers.Add("X-RetailFunctions-Role", "inventory-manager");
        using var response = await Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"receipt: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A POS upload; returns the batch id.</summary>
    public async Task<string> UploadPosLogAsync(string xml)
    {
        using var response = await Http.PostAsync("api/pos/transactions", new StringContent(xml, Encoding.UTF8, "application/xml"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"upload: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("batchId").GetString()!;
    }

    /// <summary>Runs the CLI with --json until its answer satisfies the condition: the pipeline works behind the edge.</summary>
    public async Task<JsonElement> EventuallyAsync(string[] args, Func<JsonElement, bool> done, string what, int timeoutSeconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var run = await RetailAsync([.. args, "--json"]);
            Assert.True(run.ExitCode == ExitCodes.Ok, $"retail {string.Join(' ', args)} exited {run.ExitCode}: {run.All}");
            var json = JsonDocument.Parse(run.Output).RootElement.Clone();
            if (done(json)) return json;
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}; last answer: {run.Output}");
            await Task.Delay(200);
        }
    }
}

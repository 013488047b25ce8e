using System.Net;
using System.Text;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>What the edges refuse, and how: each answer says exactly what is wrong.</summary>
public sealed class EdgeTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private HttpClient Http => fixture.Http;
    private const string Body = """{"id": 1, "line_items": []}""";

    [Fact]
    public async Task UnsignedWebhookIsRefusedWith401()
    {
        var response = await Http.SendAsync(Calls.ShopifyWebhook("orders/create", Body, "edge-unsigned", secret: null));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Shopify-Hmac-Sha256 header is missing", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WebhookSignedWithUnknownSecretIsRefusedWith401()
    {
        var response = await Http.SendAsync(Calls.ShopifyWebhook("orders/create", Body, "edge-wrong-secret", secret: "not-our-secret"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TamperedBodyIsRefusedWith401()
    {
        var request = Calls.ShopifyWebhook("orders/create", Body, "edge-tampered");
        request.Content = new StringContent(Body.Replace("1", "2"), Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task MissingTopicHeaderIsA400NamingTheHeader()
    {
        var request = Calls.ShopifyWebhook("orders/create", Body, "edge-no-topic");
        request.Headers.Remove("X-Shopify-Topic");
        var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Json();
        Assert.Equal("X-Shopify-Topic", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task SignedBodyThatIsNotJsonIsA400()
    {
        var response = await Http.SendAsync(Calls.ShopifyWebhook("orders/create", "this is not json", "edge-not-json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("malformed JSON", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OversizedWebhookIsA413()
    {
        var huge = "{\"note\":\"" + new string('x', 3 * 1024 * 1024) + "\"}";
        var response = await Http.SendAsync(Calls.ShopifyWebhook("orders/create", huge, "edge-huge"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task FunctionKeyIsRequiredForTheApiButNotForWebhooksOrHealth()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Runtime.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/exceptions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/exceptions?code=wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"api/exceptions?code={RuntimeFixture.FunctionKey}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("api/health")).StatusCode);
        var webhook = await anonymous.SendAsync(Calls.ShopifyWebhook("shop/update", """{"id": 5}""", "edge-anonymous-webhook"));
        Assert.Equal(HttpStatusCode.OK, webhook.StatusCode);
    }

    [Fact]
    public async Task HealthReportsEachDependencyAndQueueDepths()
    {
        var health = await Http.GetJson("api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        foreach (var check in new[] { "tables", "queues", "blobs" })
            Assert.Equal("ok", health.GetProperty("checks").GetProperty(check).GetString());
        var queues = health.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("queue").GetString()).ToList();
        Assert.Contains("shopify-webhooks", queues);
        Assert.Contains("pos-batches", queues);
        Assert.Equal(2000, health.GetProperty("backpressure").GetProperty("maxQueueDepth").GetInt32());
    }

    [Fact]
    public async Task OpenApiDocumentListsEveryRoute()
    {
        var document = await Http.GetJson("api/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var route in new[]
        {
            "/api/webhooks/shopify", "/api/pos/transactions", "/api/pos/batches/{batchId}", "/api/inventory/{sku}",
            "/api/inventory/{sku}/movements", "/api/catalog/skus/{sku}", "/api/catalog/locations", "/api/exceptions",
            "/api/deadletters", "/api/health",
        })
            Assert.Contains(route, paths);
    }

    [Fact]
    public async Task PosUploadWithUnsupportedContentTypeIsA415()
    {
        var response = await Http.PostAsync("api/pos/transactions", new StringContent("a,b,c", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task PosLogWithExternalEntityIsRefusedAndNeverResolved()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE POSLog [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction><RetailStoreID>&secret;</RetailStoreID></Transaction></POSLog>
            """;
        var response = await Http.PostAsync("api/pos/transactions", new StringContent(xxe, Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NotWellFormedPosLogIsA400WithItsPosition()
    {
        var response = await Http.PostAsync("api/pos/transactions",
            new StringContent("<POSLog><Transaction></POSLog>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("line", (await response.Content.ReadAsStringAsync()).ToLowerInvariant());
    }
}

/// <summary>A runtime whose workers are off, so its queue only grows: the edge must push back.</summary>
public sealed class BackpressureFixture : RuntimeFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Workers__Enabled"] = "false",
        ["Backpressure__MaxQueueDepth"] = "3",
        ["Backpressure__RetryAfterSeconds"] = "17",
    };
}

public sealed class BackpressureTests(BackpressureFixture fixture) : IClassFixture<BackpressureFixture>
{
    [Fact]
    public async Task WhenTheBacklogPassesTheThreshold_ThenWebhooksGet503WithRetryAfter()
    {
        for (var i = 0; i < 4; i++)
        {
            var accepted = await fixture.Http.SendAsync(Calls.ShopifyWebhook("orders/create", """{"id": 1}""", $"bp-{i}"));
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }
        var refused = await Calls.Eventually(
            () => fixture.Http.SendAsync(Calls.ShopifyWebhook("orders/create", """{"id": 1}""", $"bp-extra-{Calls.LettersId()}")),
            r => r.StatusCode == HttpStatusCode.ServiceUnavailable, "the edge to refuse work");
        Assert.Equal(TimeSpan.FromSeconds(17), refused.Headers.RetryAfter?.Delta);
        var health = await fixture.Http.GetJson("api/health");
        var queue = health.GetProperty("queues").EnumerateArray().First(q => q.GetProperty("queue").GetString() == "shopify-webhooks");
        Assert.True(queue.GetProperty("depth").GetInt32() > 3);
        Assert.Contains("limit 3", queue.GetProperty("overloaded").GetString());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A shopper across the till and the web store, over the real runtime's HTTP API.</summary>
public sealed class CustomerTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private HttpClient Http => fixture.Http;

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? role, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (role is not null) request.Headers.Add("X-RetailFunctions-Role", role);
        request.Headers.Add("X-RetailFunctions-User", "e2e-user");
        return await Http.SendAsync(request);
    }

    private async Task<JsonElement> Ok(HttpMethod method, string path, string? role, object? body = null)
    {
        var response = await Send(method, path, role, body);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Json();
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, (await response.Json()).GetProperty("field").GetString());
    }

    private static object Activity(string key, string kind, object customer, string orderId, string channel, decimal net, string? store = null, string? originalOrderId = null) => new
    {
        idempotencyKey = key, kind, customer, orderId, originalOrderId, channel, store, net, currency = "EUR", occurredAt = DateTimeOffset.UtcNow,
    };

    private static string[] Fields(JsonElement view) => view.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task GivenATillPurchaseByPhoneAndAWebPurchaseByTheLinkedEmail_ThenOneProfileWithBothPurchasesPointsAndAReversalOnReturn()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var phone = $"07700 9{Random.Shared.Next(0, 99999):D5}";
        var email = $"jane.{run}@example.com";

        var till = await Ok(HttpMethod.Post, "api/customers/activities", null,
            Activity($"pos:STORE-9-1-20261120-{run}:purchase", "purchase", new { phone }, $"pos-{run}", "pos", 40m, "STORE-9"));
        var id = till.GetProperty("customerId").GetString()!;
        Assert.Equal(40, till.GetProperty("balance").GetInt64());

        // Points earned at the till are spendable online at once.
        var spent = await Ok(HttpMethod.Post, $"api/customers/{id}/loyalty/redemptions", "checkout", new { redemptionId = $"tender-{run}", points = 10, channel = "web" });
        Assert.Equal(30, spent.GetProperty("balance").GetInt64());
        Assert.Equal(0.10m, spent.GetProperty("value").GetDecimal());

        await Ok(HttpMethod.Post, $"api/customers/{id}/contacts", "store-associate", new { email });
        var web = await Ok(HttpMethod.Post, "api/customers/activities", null,
            Activity($"shopify:e2e:order:{run}:purchase", "purchase", new { channel = "shopify", channelCustomerId = $"70{Random.Shared.Next(1000, 9999)}", email = email.ToUpperInvariant() },
                $"web-{run}", "web", 60m));
        Assert.Equal(id, web.GetProperty("customerId").GetString());
        Assert.Equal("email", web.GetProperty("resolution").GetString());

        var returned = await Ok(HttpMethod.Post, "api/customers/activities", null,
            Activity($"shopify:e2e:refund:{run}:return", "return", new { email }, $"refund-{run}", "web", 15m, originalOrderId: $"web-{run}"));
        Assert.Equal(-15, returned.GetProperty("pointsDelta").GetInt64());

        var view = await Ok(HttpMethod.Get, $"api/customers?email={Uri.EscapeDataString(email)}", "store-associate");
        Assert.Equal(id, view.GetProperty("customerId").GetString());
        Assert.Equal(3, view.GetProperty("history").GetArrayLength());
        Assert.Equal(75, view.GetProperty("loyalty").GetProperty("balance").GetInt64());
        Assert.Equal(id, (await Ok(HttpMethod.Get, $"api/customers?phone={Uri.EscapeDataString(phone)}&store=STORE-9", "store-associate")).GetProperty("customerId").GetString());

        var finance = await Ok(HttpMethod.Get, $"api/customers/{id}", "finance");
        Assert.Equal(["currency", "customerId", "ledger", "lifetimeValue", "pointsBalance", "pointsValue", "transactions"], Fields(finance));
        Assert.Equal(85m, finance.GetProperty("lifetimeValue")[0].GetProperty("amount").GetDecimal());
        var marketing = await Ok(HttpMethod.Get, $"api/customers/{id}", "marketing");
        Assert.Equal(["consent", "customerId", "preferredStore", "segments", "tier"], Fields(marketing));
        Assert.Contains("omnichannel", marketing.GetProperty("segments").EnumerateArray().Select(s => s.GetString()));
        Assert.DoesNotContain(email, marketing.GetRawText());
    }

    [Fact]
    public async Task GivenARedemptionBeyondTheBalance_ThenConflictNamingPointsAndTheBalanceIsUnchanged()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var till = await Ok(HttpMethod.Post, "api/customers/activities", null,
            Activity($"pos:{run}:purchase", "purchase", new { loyaltyId = $"L-{run}" }, $"pos-{run}", "pos", 20m, "STORE-9"));
        var id = till.GetProperty("customerId").GetString()!;
        await AssertProblem(await Send(HttpMethod.Post, $"api/customers/{id}/loyalty/redemptions", "store-associate", new { redemptionId = $"t-{run}", points = 21 }),
            HttpStatusCode.Conflict, "points");
        Assert.Equal(20, (await Ok(HttpMethod.Get, $"api/customers/{id}/loyalty", "finance")).GetProperty("loyalty").GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task GivenRolesAndBadRequests_ThenForbiddenNotFoundAndBadRequestNameWhatIsWrong()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var id = (await Ok(HttpMethod.Post, "api/customers/activities", null,
            Activity($"pos:{run}:purchase", "purchase", new { loyaltyId = $"L-{run}" }, $"pos-{run}", "pos", 20m))).GetProperty("customerId").GetString()!;

        await AssertProblem(await Send(HttpMethod.Get, $"api/customers/{id}", null), HttpStatusCode.Forbidden, "X-RetailFunctions-Role");
        await AssertProblem(await Send(HttpMethod.Get, $"api/customers/{id}", "inventory-manager"), HttpStatusCode.Forbidden, "X-RetailFunctions-Role");
        await AssertProblem(await Send(HttpMethod.Post, $"api/customers/{id}/loyalty/adjustments", "store-associate", new { points = 5, reason = "goodwill", idempotencyKey = run }),
            HttpStatusCode.Forbidden, "X-RetailFunctions-Role");
        await AssertProblem(await Send(HttpMethod.Post, $"api/customers/{id}/merges", "store-manager", new { otherId = "x", reason = "y" }), HttpStatusCode.Forbidden, "X-RetailFunctions-Role");
        await AssertProblem(await Send(HttpMethod.Get, "api/customers/cus-nobody", "crm"), HttpStatusCode.NotFound, "id");
        await AssertProblem(await Send(HttpMethod.Get, "api/customers", "crm"), HttpStatusCode.BadRequest, "email");
        await AssertProblem(await Send(HttpMethod.Post, "api/customers/activities", null, new { idempotencyKey = run, kind = "sale" }), HttpStatusCode.BadRequest, "kind");
        await AssertProblem(await Send(HttpMethod.Put, $"api/customers/{id}/consent/fax", "crm", new { granted = true }), HttpStatusCode.BadRequest, "purpose");

        var adjusted = await Ok(HttpMethod.Post, $"api/customers/{id}/loyalty/adjustments", "crm", new { points = 5, reason = "goodwill", idempotencyKey = run });
        Assert.Equal(25, adjusted.GetProperty("balance").GetInt64());
        var crm = await Ok(HttpMethod.Get, $"api/customers/{id}", "crm");
        Assert.Contains(crm.GetProperty("loyalty").GetProperty("entries").EnumerateArray(), e => e.GetProperty("kind").GetString() == "adjustment");
    }

    [Fact]
    public async Task GivenAnErasureRequest_ThenTheProfileNoLongerResolvesButFinanceStillSeesItsTransactions()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var email = $"erase.{run}@example.com";
        var id = (await Ok(HttpMethod.Post, "api/customers/activities", null,
            Activity($"web:{run}:purchase", "purchase", new { email }, $"web-{run}", "web", 30m))).GetProperty("customerId").GetString()!;
        await Ok(HttpMethod.Post, $"api/customers/{id}/notes", "store-associate", new { text = "asked about sizes" });
        await Ok(HttpMethod.Post, $"api/customers/{id}/anonymize", "crm", new { reason = "erasure request" });

        await AssertProblem(await Send(HttpMethod.Get, $"api/customers?email={Uri.EscapeDataString(email)}", "crm"), HttpStatusCode.NotFound, "id");
        var crm = await Ok(HttpMethod.Get, $"api/customers/{id}", "crm");
        Assert.Empty(crm.GetProperty("contacts").EnumerateArray());
        Assert.Empty(crm.GetProperty("notes").EnumerateArray());
        Assert.Equal(1, (await Ok(HttpMethod.Get, $"api/customers/{id}", "finance")).GetProperty("transactions").GetArrayLength());
    }
}

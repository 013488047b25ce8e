using System.Net;
using System.Net.Http.Json;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>Each team sees and moves only its own exceptions; dead letters are the operator's.</summary>
public sealed class ExceptionRoleTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private HttpClient Http => fixture.Http;

    /// <summary>Puts an exception straight into the store, as the pipeline would have raised it.</summary>
    public static async Task<BusinessException> Plant(string connectionString, string owner, string reason, string detail,
        IReadOnlyDictionary<string, string>? keys = null, string? payloadReference = null)
    {
        var exception = new BusinessException($"{reason}-{Calls.LettersId()}", owner, reason, detail, $"msg-{Calls.LettersId()}",
            payloadReference, keys ?? new Dictionary<string, string>(), ExceptionStatuses.Open, DateTimeOffset.UtcNow);
        await new TableExceptionStore(StorageAccount.FromConnectionString(connectionString)).RaiseAsync(exception, CancellationToken.None);
        return exception;
    }

    private Task<HttpResponseMessage> As(string? role, HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (role is not null) request.Headers.Add("X-RetailFunctions-Role", role);
        return Http.SendAsync(request);
    }

    [Fact]
    public async Task GivenAFinanceAndAnInventoryException_WhenAFinanceUserLists_ThenOnlyTheFinanceOneIsThere()
    {
        var finance = await Plant(fixture.Azurite.ConnectionString, Owners.Finance, "chargeback", "order 1001 charged back");
        var inventory = await Plant(fixture.Azurite.ConnectionString, Owners.Inventory, ExceptionReasons.UnmappedSku, "variant 42 unknown");

        var listed = await (await As("finance", HttpMethod.Get, "api/exceptions?max=5000")).Json();
        var owners = listed.EnumerateArray().Select(x => x.GetProperty("owner").GetString()).Distinct().ToList();
        Assert.Equal(["finance"], owners);
        Assert.Contains(listed.EnumerateArray(), x => x.GetProperty("id").GetString() == finance.Id);

        Assert.Equal(HttpStatusCode.Forbidden, (await As("finance", HttpMethod.Get, "api/exceptions?owner=inventory")).StatusCode);
        var all = await (await As("operator", HttpMethod.Get, "api/exceptions?max=5000")).Json();
        Assert.Contains(all.EnumerateArray(), x => x.GetProperty("id").GetString() == inventory.Id);
        Assert.Contains(all.EnumerateArray(), x => x.GetProperty("id").GetString() == finance.Id);
        Assert.Equal(HttpStatusCode.Forbidden, (await As("marketing", HttpMethod.Get, "api/exceptions")).StatusCode);
    }

    [Fact]
    public async Task GivenAFinanceException_WhenAnInventoryUserResolvesIt_ThenItIsRefusedAndStaysOpen()
    {
        var finance = await Plant(fixture.Azurite.ConnectionString, Owners.Finance, "refund-shortfall", "refund 12.00 short");

        var path = $"api/exceptions/finance/{finance.Id}";
        var refused = await As("inventory-manager", HttpMethod.Post, $"{path}/resolve", new { note = "not mine" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("inventory", (await refused.Json()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await As("inventory-manager", HttpMethod.Post, $"{path}/acknowledge")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await As("inventory-manager", HttpMethod.Get, $"{path}/payload")).StatusCode);

        var open = await (await As("finance", HttpMethod.Get, "api/exceptions?owner=finance&status=open&max=5000")).Json();
        Assert.Contains(open.EnumerateArray(), x => x.GetProperty("id").GetString() == finance.Id);

        var resolved = await As("finance", HttpMethod.Post, $"{path}/resolve", new { note = "refunded the rest" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var history = (await resolved.Json()).GetProperty("history");
        Assert.Equal("finance", history[0].GetProperty("by").GetString());
        Assert.Equal("refunded the rest", history[0].GetProperty("note").GetString());
    }

    [Fact]
    public async Task GivenDeadLetters_WhenATeamRoleAsksForThem_ThenOnlyTheOperatorAndRolelessToolsMay()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await As("finance", HttpMethod.Get, "api/deadletters")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await As("crm", HttpMethod.Post, "api/deadletters/replay", new { all = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As("operator", HttpMethod.Get, "api/deadletters")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As(null, HttpMethod.Get, "api/deadletters")).StatusCode);
    }

    [Fact]
    public async Task GivenArchivedInput_WhenARoleOutsideStockAsksToReplayIt_ThenItIsRefusedAndTheStockRolesMayAsk()
    {
        var raw = new { shop = "replay-roles.myshopify.com", blobs = new[] { "raw-archive/shopify/replay-roles.myshopify.com/none.json" } };
        Assert.Equal(HttpStatusCode.Forbidden, (await As("finance", HttpMethod.Post, "api/replay/raw", raw)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await As("crm", HttpMethod.Post, "api/replay/pos/no-such-batch")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As("inventory-manager", HttpMethod.Post, "api/replay/raw", raw)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await As("operator", HttpMethod.Post, "api/replay/pos/no-such-batch")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await As(null, HttpMethod.Post, "api/replay/pos/no-such-batch")).StatusCode);
    }

    [Fact]
    public async Task GivenAnUnmappedTillItem_WhenTheExceptionsPayloadIsAsked_ThenTheArchivedBatchComesBackWithTheCardMasked()
    {
        await Http.PutJson("api/catalog/locations/STORE-77", new { name = "Quay Street", aliases = new[] { new { system = "pos", value = "77" } } });
        var till = Payloads.PosLogSale("77", "9101", "00000000099999", cardNumber: "4111111111111111");
        var upload = await Http.PostAsync("api/pos/transactions", new StringContent(till, System.Text.Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var batchId = (await upload.Json()).GetProperty("batchId").GetString()!;

        static bool OfBatch(System.Text.Json.JsonElement x, string batchId) =>
            x.GetProperty("businessKeys").TryGetProperty("batch", out var b) && b.GetString() == batchId;
        var exceptions = await Calls.Eventually(() => Http.GetJson("api/exceptions?owner=inventory&max=5000"),
            e => e.EnumerateArray().Any(x => OfBatch(x, batchId)), "the till item's exception");
        var raised = exceptions.EnumerateArray().First(x => OfBatch(x, batchId));
        var payload = await As("inventory-manager", HttpMethod.Get, $"api/exceptions/inventory/{raised.GetProperty("id").GetString()}/payload");
        Assert.Equal(HttpStatusCode.OK, payload.StatusCode);
        Assert.Equal("application/xml", payload.Content.Headers.ContentType?.MediaType);
        var text = await payload.Content.ReadAsStringAsync();
        Assert.Contains("00000000099999", text);
        Assert.DoesNotContain("4111111111111111", text);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var batches = await Http.GetJson($"api/pos/batches?day={today}");
        Assert.Contains(batches.EnumerateArray(), b => b.GetProperty("batchId").GetString() == batchId);
        Assert.Empty((await Http.GetJson("api/pos/batches?day=2001-01-01")).EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("api/pos/batches?day=yesterday")).StatusCode);
    }

    [Fact]
    public async Task GivenTwoReconciledDays_WhenTheReportsAreListed_ThenTheLatestDayComesFirst()
    {
        foreach (var day in new[] { "2026-10-01", "2026-10-02" })
            Assert.Equal(HttpStatusCode.OK, (await Http.PostAsync($"api/reconciliation/run?businessDay={day}", null)).StatusCode);
        var days = (await Http.GetJson("api/reconciliation?max=400")).EnumerateArray()
            .Select(d => d.GetProperty("businessDay").GetString()).ToList();
        Assert.True(days.IndexOf("2026-10-02") is >= 0 and var later && later < days.IndexOf("2026-10-01"), string.Join(", ", days));
    }
}

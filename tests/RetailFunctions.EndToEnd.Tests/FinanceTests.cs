using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A runtime whose ERP is a fake on loopback that throttles, stalls, fails and rejects.</summary>
public sealed class FinanceFixture : RuntimeFixture
{
    public FakeErp Erp { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Erp__BaseUrl"] = Erp.BaseUrl.ToString(),
        ["Erp__ApiKey"] = "e2e-erp-key",
        ["Erp__MaxRetries"] = "3",
        ["Erp__BaseDelayMilliseconds"] = "50",
        ["Erp__TimeoutMilliseconds"] = "600",
        ["Finance__PostingModeByStore__E2E-SUM"] = "summary",
        ["Finance__Accounts__TenderClearing__giro"] = "1131",
    };

    public override async Task InitializeAsync()
    {
        Erp = await FakeErp.StartAsync();
        Erp.ExpectedApiKey = "e2e-erp-key";
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Erp.DisposeAsync();
    }
}

public sealed class FinanceTests(FinanceFixture fixture) : IClassFixture<FinanceFixture>
{
    private const string Day = "2026-11-20";
    private HttpClient Http => fixture.Http;

    private static object Sale(string store, int n, string method = "visa", string channel = "pos", string? occurredAt = null) => new
    {
        kind = "sale",
        factId = $"pos:{store}-T1-{n}:sale",
        store,
        channel,
        businessDay = Day,
        currency = "EUR",
        occurredAt = occurredAt ?? "2026-11-20T15:00:00Z",
        reference = $"{store}-T1-{n}",
        lines = new[] { new { gross = 20m + n, discount = 2m, tax = 3.6m, taxCode = "VAT20" } },
        tenders = new[] { new { method, amount = 21.6m + n } },
    };

    private async Task<HttpResponseMessage> Record(object fact) => await Http.PostAsJsonAsync("api/finance/facts", fact);

    private async Task<List<JsonElement>> Journal(string store) =>
        (await Http.GetJson($"api/finance/journal?businessDay={Day}&store={store}")).EnumerateArray().ToList();

    [Fact]
    public async Task ADayOfSalesReturnsAndRefundsIsPostedThroughAFlakyErpOnceEach()
    {
        const string store = "E2E-DAY";
        fixture.Erp.CloseAccount("1131", "giro clearing retired");
        var facts = new List<object>();
        for (var n = 1; n <= 12; n++) facts.Add(Sale(store, n, n == 7 ? "giro" : n % 3 == 0 ? "cash" : "visa", n % 2 == 0 ? "web" : "pos"));
        facts.Add(new
        {
            kind = "return", factId = $"pos:{store}-T1-20:return", store, channel = "pos", businessDay = Day, currency = "EUR",
            occurredAt = "2026-11-20T17:00:00Z", lines = new[] { new { gross = 21m, discount = 2m, tax = 3.6m } },
            refunds = new[] { new { method = "store-credit", amount = 22.6m } },
        });
        facts.Add(new
        {
            kind = "refund", factId = $"web:{store}:refund:1", store, channel = "web", businessDay = Day, currency = "EUR",
            occurredAt = "2026-11-20T18:00:00Z", amount = 5m, tax = 1m, refunds = new[] { new { method = "visa", amount = 6m } }, reason = "late delivery",
        });
        facts.Add(new
        {
            kind = "cash-count", factId = $"pos:{store}-T1:close", store, channel = "pos", businessDay = Day, currency = "EUR",
            occurredAt = "2026-11-20T21:00:00Z", expected = 100m, counted = 99.5m,
        });
        fixture.Erp.Then(FakeErp.Scripted.Throttle(1), FakeErp.Scripted.Fail(503), FakeErp.Scripted.BookThenStall(TimeSpan.FromSeconds(2)),
            FakeErp.Scripted.Fail(500), FakeErp.Scripted.Throttle(1));

        foreach (var fact in facts) Assert.Equal(HttpStatusCode.Created, (await Record(fact)).StatusCode);
        foreach (var fact in facts.Take(4)) Assert.Equal(HttpStatusCode.OK, (await Record(fact)).StatusCode); // redelivered: no second entry

        var entries = await Calls.Eventually(() => Journal(store), e => e.Count == 15 && e.All(x => x.GetProperty("status").GetString() is "posted" or "rejected"),
            "every entry to be posted or rejected", 120);
        Assert.All(entries, e => Assert.True(e.GetProperty("isBalanced").GetBoolean()));
        var rejected = Assert.Single(entries, e => e.GetProperty("status").GetString() == "rejected");
        Assert.Contains("giro clearing retired", rejected.GetProperty("rejection").GetString());
        var booked = fixture.Erp.Bookings.Where(b => b.Store == store).ToList();
        Assert.Equal(14, booked.Count);
        Assert.All(booked, b => Assert.Equal(Day, b.PostingDate));

        // Finance sees the rejection with the ERP's reason, fixes the account and re-posts.
        var exceptions = await Http.GetJson("api/exceptions?owner=finance&status=open");
        var exceptionId = rejected.GetProperty("openExceptionId").GetString()!;
        var exception = Assert.Single(exceptions.EnumerateArray(), x => x.GetProperty("id").GetString() == exceptionId);
        Assert.Equal("erp-rejected", exception.GetProperty("reason").GetString());
        Assert.Contains("giro clearing retired", exception.GetProperty("detail").GetString());

        var entryId = rejected.GetProperty("entryId").GetString()!;
        var repost = await Http.PostAsJsonAsync($"api/finance/journal/{Day}/{store}/{entryId}/repost",
            new { by = "controller", note = "giro clears through 1190", accountOverrides = new Dictionary<string, string> { ["1131"] = "1190" } });
        Assert.Equal(HttpStatusCode.Accepted, repost.StatusCode);
        var posted = await Calls.Eventually(() => Http.GetJson($"api/finance/journal/{Day}/{store}/{entryId}"),
            e => e.GetProperty("status").GetString() == "posted", "the fixed entry to be posted");
        Assert.Equal(1, posted.GetProperty("revision").GetInt32());
        Assert.Equal(15, fixture.Erp.Bookings.Count(b => b.Store == store));
        Assert.Equal(15, fixture.Erp.Bookings.Where(b => b.Store == store).Select(b => b.EntryId).Distinct().Count());
        // The posting is marked first, then its exception resolved: wait for both.
        await Calls.Eventually(() => Http.GetJson("api/exceptions?owner=finance"),
            e => e.EnumerateArray().Single(x => x.GetProperty("id").GetString() == exceptionId).GetProperty("status").GetString() == "resolved",
            "the rejection's exception to be resolved");

        var again = await Http.PostAsJsonAsync($"api/finance/journal/{Day}/{store}/{entryId}/repost", new { by = "controller" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task AStoreInSummarisedModePostsOneEntryForItsDayWhenTheDayIsClosed()
    {
        const string store = "E2E-SUM";
        for (var n = 1; n <= 6; n++) Assert.Equal(HttpStatusCode.Created, (await Record(Sale(store, n, n % 2 == 0 ? "cash" : "visa"))).StatusCode);
        Assert.All(await Journal(store), e => Assert.Equal("awaiting-summary", e.GetProperty("status").GetString()));

        var close = await Http.PostAsync($"api/finance/summaries/close?businessDay={Day}&store={store}", null);
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);

        var summary = await Calls.Eventually(() => Http.GetJson($"api/finance/journal/{Day}/{store}/JS-20261120-{store}-EUR-1"),
            e => e.GetProperty("status").GetString() == "posted", "the summary to be posted");
        Assert.Equal("summary", summary.GetProperty("source").GetString());
        var booking = Assert.Single(fixture.Erp.Bookings, b => b.Store == store);
        Assert.True(booking.Summary);
        Assert.Equal(6 * 20m + 21m, booking.Lines.Single(l => l.Account == "4010").Credit); // gross 21..26
        Assert.Equal(6, (await Journal(store)).Count(e => e.GetProperty("status").GetString() == "summarised"));
    }

    [Fact]
    public async Task AnOfflineTillsLateUploadIsDatedByItsBusinessDay()
    {
        const string store = "E2E-LATE";
        var response = await Record(Sale(store, 1, occurredAt: "2026-11-23T09:00:00Z"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var entry = Assert.Single(await Journal(store));
        Assert.Equal(Day, entry.GetProperty("businessDay").GetString());
        await Calls.Eventually(() => Task.FromResult(fixture.Erp.Bookings.FirstOrDefault(b => b.Store == store)), b => b is not null, "the late sale to be booked");
        Assert.Equal(Day, fixture.Erp.Bookings.Single(b => b.Store == store).PostingDate);
    }

    [Fact]
    public async Task AFactThatIsNotOneIsRefusedNamingTheProblem()
    {
        var unknown = await Http.PostAsJsonAsync("api/finance/facts", new { kind = "barter", factId = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        var unbalanced = await Record(new
        {
            kind = "sale", factId = "pos:E2E-BAD-1:sale", store = "E2E-BAD", channel = "pos", businessDay = Day, currency = "EUR",
            occurredAt = "2026-11-20T15:00:00Z", lines = new[] { new { gross = 10m, discount = 0m, tax = 2m } },
            tenders = new[] { new { method = "cash", amount = 5m } },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unbalanced.StatusCode);
        Assert.Contains("does not balance", await unbalanced.Content.ReadAsStringAsync());
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RetailFunctions.Testing;

/// <summary>
/// A stand-in for the web store's Admin API on loopback: it answers inventory_levels/set and the order refunds resource
/// (list and create) as Shopify does and can be
/// told to throttle (429 with Retry-After), fail (5xx) or reject (4xx), so the connector's resilience is tested
/// against real HTTP.
/// </summary>
public sealed class FakeShopifyAdmin : IAsyncDisposable
{
    public sealed record LevelSet(DateTimeOffset At, long InventoryItemId, long LocationId, long Available, string? AccessToken);
    /// <summary>A scripted answer; with <paramref name="ActFirst"/> the call is carried out before the failure is answered (a timeout after the fact).</summary>
    public sealed record Scripted(int Status, int? RetryAfterSeconds = null, bool ActFirst = false, string? Errors = null);

    /// <summary>A refund the store made: its id, order, note and the refund transactions (parent and amount).</summary>
    public sealed record RefundMade(long Id, string OrderId, string Note, IReadOnlyList<(long ParentId, decimal Amount)> Transactions);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Scripted> _script = new();
    private volatile Scripted? _always;

    public ConcurrentQueue<LevelSet> Sets { get; } = new();
    public ConcurrentQueue<RefundMade> Refunds { get; } = new();
    private long _nextRefundId = 9_100_000_000_000_000_001;
    public int Attempts => _attempts;
    private int _attempts;

    public Uri BaseUrl { get; }

    /// <summary>How many times an order's refunds were listed.</summary>
    public int Listings => _listings;
    private int _listings;
    private volatile TaskCompletionSource? _listingsHeld;

    private FakeShopifyAdmin(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<FakeShopifyAdmin> StartAsync()
    {
        var port = Azurite.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeShopifyAdmin(app, new Uri($"http://127.0.0.1:{port}/"));
        app.MapPost("/admin/api/{version}/inventory_levels/set.json", (Delegate)fake.HandleAsync);
        app.MapGet("/admin/api/{version}/orders/{orderId}/refunds.json", (Delegate)fake.ListRefundsAsync);
        app.MapPost("/admin/api/{version}/orders/{orderId}/refunds.json", (Delegate)fake.RefundAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>The next calls get these answers, in order; then it succeeds again.</summary>
    public void Then(params Scripted[] answers)
    {
        foreach (var answer in answers) _script.Enqueue(answer);
    }

    /// <summary>Every call gets this answer until <see cref="Recover"/>.</summary>
    public void FailAlways(int status) => _always = new Scripted(status);

    public void Recover() => _always = null;

    /// <summary>The last quantity set for an inventory item at a location.</summary>
    public long? Available(long inventoryItemId, long locationId) =>
        Sets.Where(s => s.InventoryItemId == inventoryItemId && s.LocationId == locationId).Select(s => (long?)s.Available).LastOrDefault();

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _attempts);
        if (_always is { } always) return Answer(context, always);
        if (_script.TryDequeue(out var scripted)) return Answer(context, scripted);

        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        var set = new LevelSet(DateTimeOffset.UtcNow, root.GetProperty("inventory_item_id").GetInt64(), root.GetProperty("location_id").GetInt64(),
            root.GetProperty("available").GetInt64(), context.Request.Headers["X-Shopify-Access-Token"].FirstOrDefault());
        Sets.Enqueue(set);
        return Results.Ok(new { inventory_level = new { inventory_item_id = set.InventoryItemId, location_id = set.LocationId, available = set.Available } });
    }

    /// <summary>Listings of refunds are not answered until <see cref="ReleaseListings"/>: a look that is slow to come back.</summary>
    public void HoldListings() => _listingsHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseListings() => _listingsHeld?.TrySetResult();

    private async Task<IResult> ListRefundsAsync(string orderId)
    {
        Interlocked.Increment(ref _listings);
        if (_listingsHeld is { } held) await held.Task;
        return Results.Ok(new { refunds = Refunds.Where(r => r.OrderId == orderId).Select(r => new { id = r.Id, order_id = r.OrderId, note = r.Note }) });
    }

    private async Task<IResult> RefundAsync(HttpContext context, string orderId)
    {
        Interlocked.Increment(ref _attempts);
        var scripted = _always ?? (_script.TryDequeue(out var next) ? next : null);
        if (scripted is { ActFirst: false }) return Answer(context, scripted);

        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var refund = body.RootElement.GetProperty("refund");
        var made = new RefundMade(Interlocked.Increment(ref _nextRefundId), orderId, refund.GetProperty("note").GetString() ?? "",
            [.. refund.GetProperty("transactions").EnumerateArray().Select(t => (t.GetProperty("parent_id").GetInt64(),
                decimal.Parse(t.GetProperty("amount").GetString()!, System.Globalization.CultureInfo.InvariantCulture)))]);
        Refunds.Enqueue(made);
        return scripted is not null
            ? Answer(context, scripted)
            : Results.Json(new { refund = new { id = made.Id, order_id = orderId, note = made.Note } }, statusCode: 201);
    }

    private static IResult Answer(HttpContext context, Scripted scripted)
    {
        if (scripted.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new { errors = scripted.Errors ?? $"scripted {scripted.Status}" }, statusCode: scripted.Status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

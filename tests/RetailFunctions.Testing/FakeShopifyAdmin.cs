using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RetailFunctions.Testing;

/// <summary>
/// A stand-in for the web store's Admin API on loopback: it answers inventory_levels/set as Shopify does and can be
/// told to throttle (429 with Retry-After), fail (5xx) or reject (4xx), so the connector's resilience is tested
/// against real HTTP.
/// </summary>
public sealed class FakeShopifyAdmin : IAsyncDisposable
{
    public sealed record LevelSet(DateTimeOffset At, long InventoryItemId, long LocationId, long Available, string? AccessToken);
    public sealed record Scripted(int Status, int? RetryAfterSeconds = null);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Scripted> _script = new();
    private volatile Scripted? _always;

    public ConcurrentQueue<LevelSet> Sets { get; } = new();
    public int Attempts => _attempts;
    private int _attempts;

    public Uri BaseUrl { get; }

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

    private static IResult Answer(HttpContext context, Scripted scripted)
    {
        if (scripted.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new { errors = $"scripted {scripted.Status}" }, statusCode: scripted.Status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RetailFunctions.Testing;

/// <summary>
/// A payment processor's refund API on loopback, speaking the processor refund contract (docs/finance.md): it refunds
/// once per Idempotency-Key (a repeat answers 200 with the same refund), and can be told to throttle, fail (also after
/// refunding, like a timeout after the fact) or refuse with a code and message.
/// </summary>
public sealed class FakeRefundProcessor : IAsyncDisposable
{
    /// <summary>A scripted answer; with <paramref name="ActFirst"/> the refund is made before the failure is answered.</summary>
    public sealed record Scripted(int Status, int? RetryAfterSeconds = null, bool ActFirst = false, string? Code = null, string? Message = null);

    public sealed record RefundMade(string ProcessorRefundId, string IdempotencyKey, string? ApiKey, JsonElement Body);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Scripted> _script = new();
    private readonly ConcurrentDictionary<string, RefundMade> _byKey = new();
    private int _attempts;
    private int _next;

    public Uri BaseUrl { get; }

    public int Attempts => _attempts;

    public IReadOnlyList<RefundMade> Refunds => [.. _byKey.Values];

    private FakeRefundProcessor(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<FakeRefundProcessor> StartAsync()
    {
        var port = Azurite.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeRefundProcessor(app, new Uri($"http://127.0.0.1:{port}/v1/"));
        app.MapPost("/v1/refunds", (Delegate)fake.RefundAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>The next calls get these answers, in order; then it refunds again.</summary>
    public void Then(params Scripted[] answers)
    {
        foreach (var answer in answers) _script.Enqueue(answer);
    }

    private async Task<IResult> RefundAsync(HttpContext context)
    {
        Interlocked.Increment(ref _attempts);
        var key = context.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (string.IsNullOrEmpty(key)) return Results.Json(new { code = "missing_key", message = "Idempotency-Key is required" }, statusCode: 400);
        var scripted = _script.TryDequeue(out var next) ? next : null;
        if (scripted is { ActFirst: false }) return Answer(context, scripted);

        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var repeat = _byKey.TryGetValue(key, out var made);
        made ??= _byKey.GetOrAdd(key, _ => new RefundMade($"re_{Interlocked.Increment(ref _next)}", key,
            context.Request.Headers["X-Api-Key"].FirstOrDefault(), body.RootElement.Clone()));
        if (scripted is not null) return Answer(context, scripted);
        return Results.Json(new { processorRefundId = made.ProcessorRefundId, status = "succeeded" }, statusCode: repeat ? 200 : 201);
    }

    private static IResult Answer(HttpContext context, Scripted scripted)
    {
        if (scripted.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new { code = scripted.Code ?? $"scripted_{scripted.Status}", message = scripted.Message ?? $"scripted {scripted.Status}" },
            statusCode: scripted.Status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

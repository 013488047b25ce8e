using System.Net;
using System.Text.Json;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace RetailFunctions.Storage;

/// <summary>
/// What every call to a downstream system gets (the web store's Admin API, the ERP): retries with exponential
/// backoff and jitter that wait exactly as long as a 429's Retry-After asks, a circuit breaker that stops hammering
/// a failing system, and a timeout per attempt. The caller says which outcomes are worth another try.
/// </summary>
public static class DownstreamResilience
{
    /// <summary>The outcomes of an HTTP call worth another try: no answer, a timeout, throttling, or a server error.</summary>
    public static bool IsTransientHttp(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TimeoutRejectedException
        || outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout }
        || outcome.Result is { } r && (int)r.StatusCode >= 500;

    /// <summary>A downstream answer's JSON body as T, or null when it is not that JSON.</summary>
    public static T? ParseJson<T>(string text, JsonSerializerOptions options) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A downstream answer, short enough for an exception or a log line.</summary>
    public static string Truncate(string text) => text.Length > 500 ? text[..500] : text;

    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);

    /// <summary>The longest a call through <see cref="Build"/> can last: every try timing out, with the longest wait between tries.</summary>
    public static TimeSpan LongestRun(int maxRetries, TimeSpan attemptTimeout) => attemptTimeout * (maxRetries + 1) + LongestWait * maxRetries;

    public static ResiliencePipeline<HttpResponseMessage> Build(
        int maxRetries, TimeSpan baseDelay, TimeSpan attemptTimeout, TimeSpan breakDuration,
        Func<Outcome<HttpResponseMessage>, bool> isTransient, TimeProvider clock) =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(isTransient(args.Outcome)),
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay,
                MaxDelay = LongestWait,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, clock)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(isTransient(args.Outcome)),
                FailureRatio = 0.8,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = breakDuration,
            })
            .AddTimeout(attemptTimeout)
            .Build();

    /// <summary>The wait a throttled answer asks for (seconds or a date), capped; null when it names none.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider clock)
    {
        if (response?.Headers.RetryAfter is not { } retryAfter) return null;
        var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - clock.GetUtcNow() : null);
        return delay is { } d ? TimeSpan.FromTicks(Math.Clamp(d.Ticks, 0, LongestWait.Ticks)) : null;
    }
}

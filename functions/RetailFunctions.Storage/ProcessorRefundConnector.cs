using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>Where one payment processor's refund API is, which gateway names it serves, and how patient to be with it.</summary>
public sealed record ProcessorRefundOptions(
    string Name,
    IReadOnlyList<string> Gateways,
    Uri BaseUrl,
    string? ApiKey,
    int MaxRetries,
    TimeSpan BaseDelay,
    TimeSpan AttemptTimeout,
    TimeSpan BreakDuration);

/// <summary>
/// The processor refund contract (docs/finance.md): <c>POST {base}/refunds</c> with the refund as JSON and
/// <c>Idempotency-Key: {refundId}</c>. 201 refunded; 200 refunded before (the processor recognised the key); 400, 402,
/// 409 or 422 a refusal with <c>{ code, message }</c>; 429 throttled (Retry-After); 5xx or no answer: unavailable.
/// Retries 429, 5xx, timeouts and connection failures through the shared resilience pipeline (backoff with jitter,
/// Retry-After honoured, circuit breaker, per-attempt timeout); because the processor dedups by our refund id, an
/// attempt that timed out after the processor refunded pays nothing back twice.
/// </summary>
public sealed class ProcessorRefundConnector(HttpClient http, ProcessorRefundOptions options, TimeProvider clock) : IProcessorRefundConnector
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline =
        DownstreamResilience.Build(options.MaxRetries, options.BaseDelay, options.AttemptTimeout, options.BreakDuration,
            DownstreamResilience.IsTransientHttp, clock);

    public bool Serves(string gateway) => options.Gateways.Contains(gateway.Trim(), StringComparer.OrdinalIgnoreCase);

    public async Task<RefundOutcome> RefundAsync(RefundInstruction instruction, CancellationToken cancellationToken)
    {
        var body = ProcessorRefundContract.From(instruction);
        var url = new Uri(options.BaseUrl, "refunds");
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body, options: Json) };
                request.Headers.Add("Idempotency-Key", instruction.RefundId);
                if (options.ApiKey is { } key) request.Headers.Add("X-Api-Key", key);
                return await http.SendAsync(request, ct);
            }, cancellationToken);
        }
        catch (BrokenCircuitException open)
        {
            throw new ChannelPushException(options.Name, "circuit open after repeated failures; will retry", permanent: false, open);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
        {
            throw new ChannelPushException(options.Name, $"refund {instruction.RefundId} unreachable after {options.MaxRetries} retries: {e.Message}", permanent: false, e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var done = Parse<ProcessorRefundContract.Done>(text);
                if (done?.ProcessorRefundId is not { Length: > 0 } id)
                    throw new ChannelPushException(options.Name, $"{(int)response.StatusCode} without a processorRefundId: {Truncate(text)}", permanent: false);
                return new RefundOutcome.Executed(id, AlreadyDone: response.StatusCode == HttpStatusCode.OK);
            }
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.PaymentRequired or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity)
            {
                var problem = Parse<ProcessorRefundContract.Problem>(text);
                return new RefundOutcome.Refused($"{(int)response.StatusCode} {problem?.Code ?? response.ReasonPhrase}: {problem?.Message ?? Truncate(text)}");
            }
            // Throttled or failing past the retries, or refused for a reason that is ours (401/403: a wrong key): tried again later.
            throw new ChannelPushException(options.Name, $"refund {instruction.RefundId}: {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text)}",
                permanent: false);
        }
    }

    private static T? Parse<T>(string text) where T : class => DownstreamResilience.ParseJson<T>(text, Json);

    private static string Truncate(string text) => DownstreamResilience.Truncate(text);
}

/// <summary>The JSON bodies of the processor refund contract, as docs/finance.md shows them.</summary>
public static class ProcessorRefundContract
{
    /// <summary>One captured payment to refund against: the processor's own id for the capture (charge), and how much.</summary>
    public sealed record Leg(string PaymentId, string Amount);

    public sealed record Request(string RefundId, string OrderId, string OrderReference, string Currency, string Amount, string Reason, IReadOnlyList<Leg> Legs);

    public sealed record Done(string? ProcessorRefundId, string? Status);

    public sealed record Problem(string? Code, string? Message);

    /// <summary>Amounts travel as decimal strings in major units, to the currency's minor unit, so no float ever rounds them.</summary>
    public static Request From(RefundInstruction instruction) => new(
        instruction.RefundId, instruction.OrderId, instruction.ChannelOrderId, instruction.Currency,
        Amount(instruction.Legs.Sum(l => l.Amount), instruction.Currency), instruction.Reason,
        [.. instruction.Legs.Select(l => new Leg(l.ParentTransactionId, Amount(l.Amount, instruction.Currency)))]);

    private static string Amount(decimal amount, string currency) =>
        Domain.Finance.Currencies.Round(amount, currency).ToString("F" + Domain.Finance.Currencies.Decimals(currency).ToString(CultureInfo.InvariantCulture),
            CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>
/// Carries out a refund at the web store (the Admin API's refund resource: <c>POST orders/{id}/refunds.json</c> with a
/// refund transaction against each parent capture). Shopify takes no idempotency key for refunds, so our refund id
/// travels in the refund's note and every attempt first lists the order's refunds: one that carries the note is the
/// same refund (an attempt that timed out after Shopify made it), never a second one. Throttling and 5xx go through
/// the shared resilience pipeline; a 4xx is the processor's refusal, with its reason.
/// </summary>
public sealed class ShopifyRefundGateway(HttpClient http, ShopifyAdminOptions options, TimeProvider clock) : IRefundGateway
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline = ShopifyInventoryPublisher.BuildPipeline(options, clock);

    public string Channel => Channels.Web;

    public TimeSpan LongestCall => DownstreamResilience.LongestRun(options.MaxRetries, options.AttemptTimeout);

    public async Task<RefundOutcome> RefundAsync(RefundInstruction instruction, CancellationToken cancellationToken)
    {
        var url = new Uri(options.BaseUrl, $"admin/api/{options.ApiVersion}/orders/{instruction.ChannelOrderId}/refunds.json");
        try
        {
            var body = new
            {
                refund = new
                {
                    note = $"{instruction.Reason} {instruction.Marker}",
                    notify = false,
                    currency = instruction.Currency,
                    transactions = instruction.Legs.Select(l => new
                    {
                        parent_id = long.Parse(l.ParentTransactionId, CultureInfo.InvariantCulture),
                        amount = l.Amount.ToString("0.00#", CultureInfo.InvariantCulture),
                        kind = "refund",
                        gateway = l.Gateway,
                    }),
                },
            };
            // Every attempt looks first: an attempt that timed out may have made the refund already.
            using var response = await _pipeline.ExecuteAsync(async ct =>
            {
                if (await FindAsync(url, instruction.Marker, ct) is { } done)
                    return new HttpResponseMessage(HttpStatusCode.OK) { Content = JsonContent.Create(new { refund = new { id = done } }), ReasonPhrase = Found };
                using var request = Request(HttpMethod.Post, url);
                request.Content = JsonContent.Create(body);
                return await http.SendAsync(request, ct);
            }, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
                return new RefundOutcome.Executed(RefundId(text) ?? "", AlreadyDone: response.ReasonPhrase == Found);
            if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
                throw new ChannelPushException(Channel, $"refund {instruction.RefundId}: {(int)response.StatusCode} after {options.MaxRetries} retries", permanent: false);
            return new RefundOutcome.Refused($"{(int)response.StatusCode} {response.ReasonPhrase}: {Errors(text)}");
        }
        catch (BrokenCircuitException open)
        {
            throw new ChannelPushException(Channel, "circuit open after repeated failures; will retry", permanent: false, open);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
        {
            throw new ChannelPushException(Channel, $"refund {instruction.RefundId} unreachable after {options.MaxRetries} retries: {e.Message}", permanent: false, e);
        }
    }

    private const string Found = "Found by its note";

    /// <summary>The id of the order's refund whose note carries the marker, if the web store already made it.</summary>
    private async Task<string?> FindAsync(Uri url, string marker, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, url);
        using var response = await http.SendAsync(request, ct);
        // Not knowing is not "not made": a throttled or failed look is retried like a failed call; a refusal is the POST's to give.
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            throw new HttpRequestException($"listing refunds answered {(int)response.StatusCode}");
        if (!response.IsSuccessStatusCode) return null;
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        if (!document.RootElement.TryGetProperty("refunds", out var refunds) || refunds.ValueKind != JsonValueKind.Array) return null;
        return refunds.EnumerateArray()
            .Where(r => r.TryGetProperty("note", out var note) && note.ValueKind == JsonValueKind.String && note.GetString()!.Contains(marker, StringComparison.Ordinal))
            .Select(r => r.GetProperty("id").GetRawText()).FirstOrDefault();
    }

    private HttpRequestMessage Request(HttpMethod method, Uri url)
    {
        var request = new HttpRequestMessage(method, url);
        if (options.AccessToken is { } token) request.Headers.Add("X-Shopify-Access-Token", token);
        return request;
    }

    private static string? RefundId(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("refund", out var refund) && refund.TryGetProperty("id", out var id)
            ? id.ValueKind == JsonValueKind.String ? id.GetString() : id.GetRawText()
            : null;
    }

    private static string Errors(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("errors", out var errors)
                ? errors.ValueKind == JsonValueKind.String ? errors.GetString()! : errors.GetRawText()
                : json;
        }
        catch (JsonException)
        {
            return json.Length > 500 ? json[..500] : json;
        }
    }
}

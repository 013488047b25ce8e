using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Pipeline.Finance;

namespace RetailFunctions.Storage;

/// <summary>Where the ERP's journal API is and how patient to be with it.</summary>
public sealed record ErpOptions(
    Uri BaseUrl,
    string? ApiKey,
    int MaxRetries,
    TimeSpan BaseDelay,
    TimeSpan AttemptTimeout,
    TimeSpan BreakDuration);

/// <summary>
/// The generic ERP REST contract (docs/finance.md): <c>POST {base}/journal-entries</c> with the entry as JSON and
/// <c>Idempotency-Key: {entryId}</c>. 201 booked; 200 booked before (a duplicate the ERP recognised by entry id);
/// 400/409/422 a rejection with <c>{ code, message }</c>; 429 throttled (Retry-After); 5xx or no answer: unavailable.
/// Retries 429, 5xx, timeouts and connection failures with exponential backoff and jitter, waiting as long as
/// Retry-After says; a circuit breaker stops hammering an ERP that is down; each attempt has a timeout. Because the
/// ERP dedups by entry id, retrying an attempt that timed out after the ERP had booked it books nothing twice.
/// </summary>
public sealed class ErpConnector(HttpClient http, ErpOptions options, TimeProvider clock) : IErpConnector
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline = BuildPipeline(options, clock);

    public async Task<ErpPostingResult> PostAsync(JournalEntry entry, int revision, CancellationToken cancellationToken)
    {
        var body = ErpContract.From(entry, revision);
        var url = new Uri(options.BaseUrl, "journal-entries");
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body, options: Json) };
                request.Headers.Add("Idempotency-Key", entry.EntryId);
                if (options.ApiKey is { } key) request.Headers.Add("X-Api-Key", key);
                return await http.SendAsync(request, ct);
            }, cancellationToken);
        }
        catch (BrokenCircuitException open)
        {
            throw new ErpUnavailableException("circuit open after repeated failures; will retry", open);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
        {
            throw new ErpUnavailableException($"unreachable after {options.MaxRetries} retries: {e.Message}", e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var accepted = Parse<ErpContract.Accepted>(text);
                if (accepted?.DocumentId is not { Length: > 0 } documentId)
                    throw new ErpUnavailableException($"{(int)response.StatusCode} without a documentId: {Truncate(text)}");
                return new ErpPostingResult.Accepted(documentId, response.StatusCode == HttpStatusCode.OK || accepted.Duplicate);
            }
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity)
            {
                var problem = Parse<ErpContract.Problem>(text);
                return new ErpPostingResult.Rejected(problem?.Code ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture),
                    problem?.Message ?? Truncate(text));
            }
            // Throttled or failing past the retries, or refused for a reason that is ours (401/403: a wrong key).
            throw new ErpUnavailableException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text)}");
        }
    }

    private static T? Parse<T>(string text) where T : class => DownstreamResilience.ParseJson<T>(text, Json);

    private static string Truncate(string text) => DownstreamResilience.Truncate(text);

    public static ResiliencePipeline<HttpResponseMessage> BuildPipeline(ErpOptions options, TimeProvider clock) =>
        DownstreamResilience.Build(options.MaxRetries, options.BaseDelay, options.AttemptTimeout, options.BreakDuration,
            DownstreamResilience.IsTransientHttp, clock);
}

/// <summary>The JSON bodies of the ERP contract, as docs/finance.md shows them.</summary>
public static class ErpContract
{
    public sealed record Line(int LineNo, string Account, decimal Debit, decimal Credit, string Currency, string Store, string Channel, string Memo);

    public sealed record Entry(
        string EntryId, int Revision, string PostingDate, string Currency, string Store, string Channel, string Source,
        string SourceId, string? Reference, bool Summary, IReadOnlyList<Line> Lines);

    public sealed record Accepted(string? DocumentId, string? EntryId, bool Duplicate);

    public sealed record Problem(string? Code, string? Message);

    public static Entry From(JournalEntry entry, int revision) => new(
        entry.EntryId, revision, entry.BusinessDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), entry.Currency, entry.Store, entry.Channel,
        entry.Source, entry.FactId, entry.Reference, entry.Source == JournalEntry.SummarySource,
        entry.Lines.Select(l => new Line(l.LineNo, l.Account, l.Debit, l.Credit, l.Currency, l.Store, l.Channel, l.Memo)).ToList());
}

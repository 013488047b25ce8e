using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RetailFunctions.Cli;

/// <summary>A thin client of the runtime's HTTP API: JSON in, JSON out, errors turned into exceptions the commands report.</summary>
public sealed class RuntimeApi : IDisposable
{
    public const string FunctionKeyHeader = "x-functions-key";

    private static readonly JsonSerializerOptions BodyOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;

    public RuntimeApi(Uri baseUrl, string? functionKey, TimeSpan? timeout = null)
    {
        BaseUrl = baseUrl;
        _http = new HttpClient { BaseAddress = WithTrailingSlash(baseUrl), Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(functionKey)) _http.DefaultRequestHeaders.Add(FunctionKeyHeader, functionKey);
    }

    public Uri BaseUrl { get; }

    /// <summary>Parses a --url value: an absolute http(s) address, or a UsageException saying what is wrong.</summary>
    public static Uri ParseBaseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new UsageException($"--url '{value}' is not an http:// or https:// address");

    /// <summary>GET a route; the JSON body on success, a RuntimeProblemException otherwise.</summary>
    public async Task<JsonElement> GetAsync(string path, CancellationToken ct)
    {
        var response = await SendAsync(HttpMethod.Get, path, null, ct);
        return response.EnsureSuccess();
    }

    /// <summary>POST a JSON body (null members are left out); the JSON answer on success, a RuntimeProblemException otherwise.</summary>
    public async Task<JsonElement> PostAsync(string path, object body, CancellationToken ct)
    {
        var response = await SendAsync(HttpMethod.Post, path, body, ct);
        return response.EnsureSuccess();
    }

    /// <summary>Sends a request and returns whatever came back; only an unreachable runtime throws.</summary>
    public Task<RuntimeResponse> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct) =>
        SendRawAsync(method, path, body is null ? null : JsonSerializer.Serialize(body, body.GetType(), BodyOptions), null, ct);

    /// <summary>
    /// Sends a request with a JSON body given as text (sent byte for byte, as a signed webhook needs) and extra
    /// headers; returns whatever came back; only an unreachable runtime throws.
    /// </summary>
    public async Task<RuntimeResponse> SendRawAsync(HttpMethod method, string path, string? json, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int?)delta.TotalSeconds : null;
            return new RuntimeResponse((int)response.StatusCode, text, retryAfter, method.Method, path);
        }
        catch (HttpRequestException e)
        {
            throw new RuntimeUnreachableException(BaseUrl, e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new RuntimeUnreachableException(BaseUrl, e);
        }
    }

    public void Dispose() => _http.Dispose();

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}

/// <summary>One answer of the runtime: status, body text, and Retry-After when it asked to wait.</summary>
public sealed record RuntimeResponse(int Status, string Body, int? RetryAfterSeconds, string Method, string Path)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>The body as JSON (an empty object when there is none).</summary>
    public JsonElement Json()
    {
        if (string.IsNullOrWhiteSpace(Body)) return JsonDocument.Parse("{}").RootElement.Clone();
        try
        {
            return JsonDocument.Parse(Body).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new RuntimeProblemException(new ApiProblem(Status, "Unreadable answer", $"{Method} {Path} did not answer JSON: {Truncate(Body)}", null, null));
        }
    }

    public JsonElement EnsureSuccess() =>
        IsSuccess ? Json() : throw new RuntimeProblemException(ApiProblem.From(this));

    internal static string Truncate(string text, int max = 300)
    {
        var single = text.ReplaceLineEndings(" ").Trim();
        return single.Length <= max ? single : single[..max] + "...";
    }
}

/// <summary>Builds a route with a query string, leaving out the parameters that have no value.</summary>
public static class Route
{
    public static string With(string path, params (string Name, string? Value)[] query)
    {
        var parts = query.Where(q => !string.IsNullOrEmpty(q.Value))
            .Select(q => $"{Uri.EscapeDataString(q.Name)}={Uri.EscapeDataString(q.Value!)}")
            .ToList();
        return parts.Count == 0 ? path : $"{path}?{string.Join('&', parts)}";
    }

    public static string Segment(string value) => Uri.EscapeDataString(value);
}

/// <summary>The runtime did not answer: nothing listens at the address, or the connection failed or timed out.</summary>
public sealed class RuntimeUnreachableException(Uri url, Exception inner)
    : Exception($"cannot reach the runtime at {url.AbsoluteUri.TrimEnd('/')}: is it running? (bash eng/start.sh)", inner)
{
    public Uri Url { get; } = url;
}

/// <summary>The runtime answered with an error.</summary>
public sealed class RuntimeProblemException(ApiProblem problem) : Exception(problem.Title ?? $"HTTP {problem.Status}")
{
    public ApiProblem Problem { get; } = problem;
}

/// <summary>The command line asked for something the CLI refuses before calling the runtime.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>What a problem+json answer (RFC 9457) says, or as much as can be read from another error body.</summary>
public sealed record ApiProblem(int Status, string? Title, string? Detail, string? Field, int? RetryAfterSeconds)
{
    public static ApiProblem From(RuntimeResponse response)
    {
        string? title = null, detail = null, field = null;
        if (!string.IsNullOrWhiteSpace(response.Body))
        {
            try
            {
                using var document = JsonDocument.Parse(response.Body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    title = Text(root, "title");
                    detail = Text(root, "detail");
                    field = Text(root, "field");
                }
            }
            catch (JsonException)
            {
            }
            if (title is null && detail is null) detail = RuntimeResponse.Truncate(response.Body);
        }
        title ??= ReasonPhrase(response.Status);
        return new ApiProblem(response.Status, title, detail, field, response.RetryAfterSeconds);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    private static string? ReasonPhrase(int status) =>
        Enum.IsDefined(typeof(HttpStatusCode), status) ? ((HttpStatusCode)status).ToString() : null;
}

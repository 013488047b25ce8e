using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>A connection string's Table endpoint, and the same connection string pointed at a proxy in front of it.</summary>
public static class TableEndpoints
{
    private static readonly Regex TableEndpointPattern = new("TableEndpoint=(http://[^/;]+)/", RegexOptions.CultureInvariant);

    public static Uri TableEndpoint(string connectionString) => new(TableEndpointPattern.Match(connectionString).Groups[1].Value + "/");

    public static string WithTableEndpoint(string connectionString, Uri proxy) =>
        TableEndpointPattern.Replace(connectionString, $"TableEndpoint={proxy.GetLeftPart(UriPartial.Authority)}/");

    private static readonly Regex QueueEndpointPattern = new("QueueEndpoint=(http://[^/;]+)/", RegexOptions.CultureInvariant);

    public static Uri QueueEndpoint(string connectionString) => new(QueueEndpointPattern.Match(connectionString).Groups[1].Value + "/");

    public static string WithQueueEndpoint(string connectionString, Uri proxy) =>
        QueueEndpointPattern.Replace(connectionString, $"QueueEndpoint={proxy.GetLeftPart(UriPartial.Authority)}/");
}

/// <summary>
/// A pass-through HTTP proxy on loopback in front of Azurite's Table endpoint that counts each request by method and
/// table (a $batch counts once, under the table its first operation names). Requests are forwarded unchanged: the
/// shared-key signature covers the path, not the port. In front of the Queue endpoint it counts by method and queue.
/// Queries (a GET without both keys in the path: a filter, a partition, a page of one) are also counted on their own,
/// by table: the emulator answers each by scanning the whole table, so they grow with the data while a point read
/// does not.
/// </summary>
public sealed class TableCounter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _queries = new(StringComparer.Ordinal);
    private long _total;

    private readonly bool _tables;

    private TableCounter(WebApplication app, HttpClient upstream, Uri baseUrl, bool tables)
    {
        _app = app;
        _upstream = upstream;
        BaseUrl = baseUrl;
        _tables = tables;
    }

    public Uri BaseUrl { get; }
    public long Total => Interlocked.Read(ref _total);
    public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

    /// <summary>What was counted by kind since <paramref name="before"/> (an earlier <see cref="Snapshot"/>), kinds with none left out.</summary>
    public Dictionary<string, long> Since(IReadOnlyDictionary<string, long> before) =>
        _counts.Select(kv => KeyValuePair.Create(kv.Key, kv.Value - before.GetValueOrDefault(kv.Key))).Where(kv => kv.Value > 0)
            .ToDictionary(StringComparer.Ordinal);

    /// <summary>The queries among the GETs counted so far, by table.</summary>
    public Dictionary<string, long> Queries() => new(_queries, StringComparer.Ordinal);

    /// <summary>"$batch:Inventory 5.7, Orders 5, ...": counts by kind ("METHOD table") summed by table, per event, most first.</summary>
    public static string PerEventByTable(IEnumerable<KeyValuePair<string, long>> byKind, int events, string format = "0.#") =>
        string.Join(", ", byKind.Where(kv => kv.Value > 0).GroupBy(kv => kv.Key[(kv.Key.IndexOf(' ') + 1)..])
            .OrderByDescending(g => g.Sum(kv => kv.Value))
            .Select(g => $"{g.Key} {(g.Sum(kv => kv.Value) / (double)events).ToString(format, System.Globalization.CultureInfo.CurrentCulture)}"));

    /// <summary>A proxy in front of <paramref name="upstream"/>; <paramref name="tables"/> false for a Queue endpoint (no queries to tell apart).</summary>
    public static async Task<TableCounter> StartAsync(Uri upstream, CancellationToken ct, bool tables = true)
    {
        var port = Azurite.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = upstream,
            Timeout = TimeSpan.FromSeconds(120),
        };
        var counter = new TableCounter(app, client, new Uri($"http://127.0.0.1:{port}/"), tables);
        app.Run(counter.ForwardAsync);
        await app.StartAsync(ct);
        return counter;
    }

    /// <summary>A file every query is appended to (path and filter), when BENCH_QUERY_LOG names one: to tell which code asked.</summary>
    private static readonly string? QueryLog = Environment.GetEnvironmentVariable("BENCH_QUERY_LOG") is { Length: > 0 } path ? path : null;
    private static readonly Lock LogLock = new();

    private static readonly HashSet<string> ContentHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Length", "Content-MD5", "Content-Encoding", "Content-Language",
    };

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        Interlocked.Increment(ref _total);
        var table = TableOf(request.Path.Value ?? "");
        if (table == "$batch") table = $"$batch:{await BatchTableAsync(request)}";
        _counts.AddOrUpdate($"{request.Method} {table}", 1, (_, n) => n + 1);
        if (_tables && HttpMethods.IsGet(request.Method) && IsQuery(request.Path.Value ?? ""))
        {
            _queries.AddOrUpdate(table, 1, (_, n) => n + 1);
            if (QueryLog is { } log) lock (LogLock) File.AppendAllText(log, $"{request.Path.Value} {Uri.UnescapeDataString(request.QueryString.Value ?? "")}\n");
        }

        // The raw target, still percent-encoded as signed: the decoded path would no longer match the signature.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{request.Path.Value}{request.QueryString.Value}";
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), target.TrimStart('/'));
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
            forward.Content = new StreamContent(request.Body);
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            if (ContentHeaders.Contains(name)) forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            else forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
        }
        using var answer = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers)
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) context.Response.Headers[name] = values.ToArray();
        foreach (var (name, values) in answer.Content.Headers)
            context.Response.Headers[name] = values.ToArray();
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>"/devstoreaccount1/Orders(PartitionKey='a',RowKey='b')" is Orders; "$batch" and "Tables" are kept as they are.</summary>
    private static string TableOf(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2) return path;
        var name = segments[1];
        var paren = name.IndexOf('(');
        return paren >= 0 ? name[..paren] : name;
    }

    /// <summary>"Orders(PartitionKey='a',RowKey='b')" is a point read; "Orders()" with a $filter, or "Tables", is a query.</summary>
    private static bool IsQuery(string path) =>
        !(path.Contains("PartitionKey=", StringComparison.Ordinal) && path.Contains("RowKey=", StringComparison.Ordinal));

    private static readonly Regex BatchOperationTable = new(@"(?:POST|PUT|MERGE|PATCH|DELETE|GET) https?://[^/\s]+/[^/\s]+/([A-Za-z0-9]+)",
        RegexOptions.CultureInvariant);

    /// <summary>The table a $batch writes (an entity-group transaction names one): read from its first operation, the body kept for forwarding.</summary>
    private static async Task<string> BatchTableAsync(HttpRequest request)
    {
        request.EnableBuffering();
        var buffer = new byte[8192];
        var read = await request.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false);
        request.Body.Position = 0;
        var match = BatchOperationTable.Match(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
        return match.Success ? match.Groups[1].Value : "?";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RetailFunctions.Testing;

/// <summary>
/// A stand-in for the ERP's journal API on loopback, speaking the generic contract of docs/finance.md: it books each
/// entry id once (a repeat gets 200 and the same document), rejects unbalanced entries and entries on accounts it is
/// told are closed (422 with a code and message), and can be told to throttle (429 with Retry-After), fail (5xx) or
/// answer too slowly after booking, as a real ERP does when the client times out.
/// </summary>
public sealed class FakeErp : IAsyncDisposable
{
    public sealed record Booking(string DocumentId, string EntryId, int Revision, string PostingDate, string Store, string Currency, bool Summary,
        IReadOnlyList<BookedLine> Lines, string Body, DateTimeOffset At);

    public sealed record BookedLine(string Account, decimal Debit, decimal Credit, string Currency, string Channel);

    /// <summary>A scripted answer: a status (with Retry-After), or, with a delay, booking first and answering late.</summary>
    public sealed record Scripted(int Status, int? RetryAfterSeconds = null, TimeSpan? Delay = null)
    {
        public static Scripted Throttle(int retryAfterSeconds) => new(429, retryAfterSeconds);
        public static Scripted Fail(int status = 503) => new(status);
        /// <summary>
        /// Books the entry, then answers only after the delay (past the client's timeout). Drawn by a request the ERP
        /// rejects, it waits for the next request, so a stall always stalls a booking whichever request came first.
        /// </summary>
        public static Scripted BookThenStall(TimeSpan delay) => new(201, Delay: delay);
    }

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Scripted> _script = new();
    private readonly ConcurrentQueue<Scripted> _heldStalls = new();
    private readonly ConcurrentDictionary<string, string> _closedAccounts = new();
    private readonly Lock _books = new();
    private readonly Dictionary<string, Booking> _byEntry = new();
    private volatile Scripted? _always;
    private int _attempts;
    private int _duplicates;
    private int _rejections;
    private int _throttled;

    public Uri BaseUrl { get; }
    public string? ExpectedApiKey { get; set; }

    /// <summary>Every request that reached the ERP, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int Attempts => _attempts;
    public int Duplicates => _duplicates;
    public int Rejections => _rejections;
    public int Throttled => _throttled;

    public IReadOnlyList<Booking> Bookings
    {
        get
        {
            lock (_books) return _byEntry.Values.OrderBy(b => b.DocumentId, StringComparer.Ordinal).ToList();
        }
    }

    public Booking? Booked(string entryId)
    {
        lock (_books) return _byEntry.GetValueOrDefault(entryId);
    }

    private FakeErp(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<FakeErp> StartAsync()
    {
        var port = Azurite.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeErp(app, new Uri($"http://127.0.0.1:{port}/erp/"));
        app.MapPost("/erp/journal-entries", (Delegate)fake.PostAsync);
        app.MapGet("/erp/journal-entries/{entryId}", (string entryId) =>
            fake.Booked(entryId) is { } b ? Results.Ok(new { documentId = b.DocumentId, entryId, revision = b.Revision }) : Results.NotFound());
        await app.StartAsync();
        return fake;
    }

    /// <summary>The next calls get these answers, in order; then it behaves normally again.</summary>
    public void Then(params Scripted[] answers)
    {
        foreach (var answer in answers) _script.Enqueue(answer);
    }

    /// <summary>Every call gets this answer until <see cref="Recover"/>.</summary>
    public void FailAlways(int status, int? retryAfterSeconds = null) => _always = new Scripted(status, retryAfterSeconds);

    public void Recover() => _always = null;

    /// <summary>Postings on this account are rejected with the reason until it is reopened.</summary>
    public void CloseAccount(string account, string reason) => _closedAccounts[account] = reason;

    public void ReopenAccount(string account) => _closedAccounts.TryRemove(account, out _);

    private async Task<IResult> PostAsync(HttpContext context)
    {
        Interlocked.Increment(ref _attempts);
        if (ExpectedApiKey is { } key && context.Request.Headers["X-Api-Key"].FirstOrDefault() != key)
            return Results.Json(new { code = "unauthorized", message = "missing or wrong api key" }, statusCode: 401);
        if (_always is { } always) return Answer(context, always);
        var scripted = _heldStalls.TryDequeue(out var held) ? held : _script.TryDequeue(out var next) ? next : null;
        if (scripted is { Delay: null }) return Answer(context, scripted);

        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        Requests.Enqueue(body);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var entryId = root.GetProperty("entryId").GetString()!;
        if (context.Request.Headers["Idempotency-Key"].FirstOrDefault() != entryId)
            return Reject("idempotency-key", "the Idempotency-Key header must equal entryId", 400, scripted);
        var lines = root.GetProperty("lines").EnumerateArray().Select(l => new BookedLine(
            l.GetProperty("account").GetString()!, l.GetProperty("debit").GetDecimal(), l.GetProperty("credit").GetDecimal(),
            l.GetProperty("currency").GetString()!, l.GetProperty("channel").GetString()!)).ToList();

        Booking booking;
        bool duplicate;
        lock (_books)
        {
            duplicate = _byEntry.TryGetValue(entryId, out var existing);
            if (!duplicate)
            {
                if (lines.GroupBy(l => l.Currency).FirstOrDefault(g => g.Sum(l => l.Debit) != g.Sum(l => l.Credit)) is { } unbalanced)
                    return Reject("unbalanced", $"debits and credits differ in {unbalanced.Key}", scripted: scripted);
                if (lines.Count == 0) return Reject("empty", "an entry needs lines", scripted: scripted);
                if (lines.FirstOrDefault(l => _closedAccounts.ContainsKey(l.Account)) is { } closed)
                    return Reject("account-closed", $"account {closed.Account}: {_closedAccounts[closed.Account]}", scripted: scripted);
                existing = new Booking($"DOC-{_byEntry.Count + 1:D6}", entryId, root.GetProperty("revision").GetInt32(),
                    root.GetProperty("postingDate").GetString()!, root.GetProperty("store").GetString()!, root.GetProperty("currency").GetString()!,
                    root.GetProperty("summary").GetBoolean(), lines, body, DateTimeOffset.UtcNow);
                _byEntry[entryId] = existing;
            }
            booking = existing!;
        }
        if (duplicate) Interlocked.Increment(ref _duplicates);
        // Booked, but the answer comes too late for the client: its retry must find the booking, not make another.
        if (scripted?.Delay is { } delay) await Task.Delay(delay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        return Results.Json(new { documentId = booking.DocumentId, entryId, duplicate }, statusCode: duplicate ? 200 : 201);
    }

    private IResult Reject(string code, string message, int status = 422, Scripted? scripted = null)
    {
        if (scripted?.Delay is not null) _heldStalls.Enqueue(scripted);
        Interlocked.Increment(ref _rejections);
        return Results.Json(new { code, message }, statusCode: status);
    }

    private IResult Answer(HttpContext context, Scripted scripted)
    {
        if (scripted.Status == 429) Interlocked.Increment(ref _throttled);
        if (scripted.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new { code = $"scripted-{scripted.Status}", message = $"scripted {scripted.Status}" }, statusCode: scripted.Status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

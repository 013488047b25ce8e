using System.Globalization;
using RetailFunctions.Pipeline.Finance;

namespace RetailFunctions.Host.Api;

/// <summary>The journal: record a financial fact, read a business day's entries, fix and re-post a rejected posting, close summaries.</summary>
public static class FinanceEndpoints
{
    public sealed record RepostBody(string? By, string? Note, Dictionary<string, string>? AccountOverrides, bool? Rebuild);

    private const long MaxFactBytes = 1024 * 1024;

    public static void MapFinanceEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/finance/facts", async (HttpContext context, JournalService journal, CancellationToken ct) =>
        {
            using var body = await Http.ReadBoundedAsync(context.Request, MaxFactBytes, ct);
            if (body is null) return Http.TooLarge(MaxFactBytes);
            var (fact, error) = FinanceJson.Read(System.Text.Encoding.UTF8.GetString(body.ToArray()));
            if (fact is null) return Http.Problem(StatusCodes.Status400BadRequest, "Not a financial fact", error!, "kind");
            var result = await journal.RecordAsync(fact, ct);
            return result.Outcome switch
            {
                JournalOutcome.Refused => Http.Problem(StatusCodes.Status422UnprocessableEntity, "Fact refused", result.Detail, "factId"),
                JournalOutcome.Recorded => Results.Created($"/api/finance/journal/{fact.BusinessDay:yyyy-MM-dd}/{Uri.EscapeDataString(fact.Store)}/{result.EntryId}", result),
                _ => Results.Ok(result),
            };
        }).WithSummary("Record a financial fact (sale, return, refund, gift-card-sold, chargeback, chargeback-reversed, processor-fee, payout, cash-count) as a journal entry, once per factId");

        api.MapGet("/finance/journal", async (string? businessDay, string? store, string? status, IJournalStore journal, CancellationToken ct) =>
        {
            if (!TryDay(businessDay, out var day))
                return Http.Problem(StatusCodes.Status400BadRequest, "Missing or bad business day", "businessDay is required as yyyy-MM-dd", "businessDay");
            var entries = await journal.ListAsync(day, string.IsNullOrWhiteSpace(store) ? null : store, ct);
            return Results.Ok(entries.Where(e => status is null || e.Status == status).OrderBy(e => e.EntryId, StringComparer.Ordinal).Select(View));
        }).WithSummary("A business day's journal entries and summaries, of one store or all, optionally by posting status");

        api.MapGet("/finance/journal/{businessDay}/{store}/{entryId}", async (string businessDay, string store, string entryId, IJournalStore journal, CancellationToken ct) =>
        {
            if (!TryDay(businessDay, out var day))
                return Http.Problem(StatusCodes.Status400BadRequest, "Bad business day", "businessDay must be yyyy-MM-dd", "businessDay");
            return await journal.GetAsync(day, store, entryId, ct) is { } stored
                ? Results.Ok(View(stored))
                : Http.Problem(StatusCodes.Status404NotFound, "Unknown journal entry", $"no entry {entryId} for {store} on {businessDay}", "entryId");
        }).WithSummary("One journal entry with its lines, posting status, ERP document or rejection, and audit history");

        api.MapPost("/finance/journal/{businessDay}/{store}/{entryId}/repost", async (string businessDay, string store, string entryId, RepostBody? request,
            HttpContext context, JournalService journal, CancellationToken ct) =>
        {
            if (!TryDay(businessDay, out var day))
                return Http.Problem(StatusCodes.Status400BadRequest, "Bad business day", "businessDay must be yyyy-MM-dd", "businessDay");
            var by = request?.By ?? Caller.Actor(context);
            var (entry, refusal) = await journal.RepostAsync(day, store, entryId,
                new RepostRequest(by, request?.Note, request?.AccountOverrides, request?.Rebuild ?? false), ct);
            if (entry is null)
                return Http.Problem(StatusCodes.Status404NotFound, "Unknown journal entry", $"no entry {entryId} for {store} on {businessDay}", "entryId");
            return refusal is null
                ? Results.Accepted($"/api/finance/journal/{businessDay}/{Uri.EscapeDataString(store)}/{entryId}", View(entry))
                : Http.Problem(StatusCodes.Status409Conflict, "Cannot re-post", refusal, "status");
        }).WithSummary("Re-post a rejected posting after a fix: accountOverrides replaces accounts (old -> new), rebuild rebuilds it from its fact with the current chart");

        api.MapPost("/finance/summaries/close", async (string? businessDay, string? store, JournalService journal, CancellationToken ct) =>
        {
            if (!TryDay(businessDay, out var day))
                return Http.Problem(StatusCodes.Status400BadRequest, "Missing or bad business day", "businessDay is required as yyyy-MM-dd", "businessDay");
            var queued = await journal.CloseSummariesAsync(day, string.IsNullOrWhiteSpace(store) ? null : store, ct);
            return Results.Ok(queued.Select(View));
        }).WithSummary("Summarised mode: close a business day (one store or all) into one entry per store and currency and queue them for the ERP");

        api.MapGet("/finance/accounts", (FinanceOptions options) =>
            Results.Ok(options.Chart.Mappings.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(kv => kv.Key, kv => kv.Value)))
            .WithSummary("The chart of accounts in force: role (and qualifier) to ERP account");
    }

    private static bool TryDay(string? value, out DateOnly day) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private static object View(StoredJournalEntry stored) => new
    {
        stored.Entry.EntryId,
        stored.Entry.Source,
        stored.Entry.FactId,
        stored.Entry.Store,
        stored.Entry.Channel,
        BusinessDay = stored.Entry.BusinessDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        stored.Entry.Currency,
        stored.Entry.Reference,
        stored.Entry.TotalDebit,
        stored.Entry.IsBalanced,
        stored.Status,
        stored.Revision,
        stored.ErpDocumentId,
        stored.Rejection,
        stored.OpenExceptionId,
        stored.SummaryId,
        stored.RecordedAt,
        stored.QueuedAt,
        stored.PostedAt,
        stored.Entry.Lines,
        stored.History,
    };
}

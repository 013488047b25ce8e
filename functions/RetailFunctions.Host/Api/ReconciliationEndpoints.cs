using System.Globalization;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Pipeline.Settlements;

namespace RetailFunctions.Host.Api;

/// <summary>Settings of the settlement edge.</summary>
public sealed record SettlementEdgeOptions(long MaxBodyBytes, string DefaultStore);

/// <summary>Settlement statements in, reconciliation runs on demand, and the stored reports out.</summary>
public static class ReconciliationEndpoints
{
    public static void MapReconciliationEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/settlements", async (HttpContext context, string? source, string? store, SettlementImporter importer, SettlementEdgeOptions options, CancellationToken ct) =>
        {
            var mediaType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
            var detected = SettlementFormats.SourceFor(mediaType);
            if (detected is null)
                return Http.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                    $"'{mediaType ?? "(none)"}' is not accepted: send application/json (Shopify Payments balance transactions) or text/csv (Stripe balance transactions export)",
                    "Content-Type");
            if (source is not null && source != detected)
                return Http.Problem(StatusCodes.Status400BadRequest, "Source and content type disagree",
                    $"source '{source}' is not sent as {mediaType}: Shopify Payments is JSON, Stripe is CSV", "source");
            using var body = await Http.ReadBoundedAsync(context.Request, options.MaxBodyBytes, ct);
            if (body is null) return Http.TooLarge(options.MaxBodyBytes);
            if (body.Length == 0) return Http.Problem(StatusCodes.Status400BadRequest, "Empty body", "the statement is empty", "body");
            try
            {
                var import = await importer.ImportAsync(detected, string.IsNullOrWhiteSpace(store) ? options.DefaultStore : store.Trim(),
                    body.GetBuffer().AsMemory(0, (int)body.Length), mediaType!, ct);
                return Results.Ok(import);
            }
            catch (PayloadException invalid)
            {
                return Http.Problem(StatusCodes.Status400BadRequest, "Unreadable settlement statement", $"{invalid.Field}: {invalid.Reason}", invalid.Field);
            }
        }).WithSummary("Import a payment processor's statement: Shopify Payments balance transactions (JSON) or a Stripe balance transactions export (CSV)");

        api.MapPost("/reconciliation/run", async (string? businessDay, ReconciliationRunner runner, CancellationToken ct) =>
        {
            if (ParseDay(businessDay) is not { } day)
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid business day", $"businessDay '{businessDay}' is not a date (yyyy-MM-dd)", "businessDay");
            return Results.Ok(await runner.RunAsync(day, ct));
        }).WithSummary("Reconcile a business day now (idempotent: a re-run gives the same report)");

        api.MapGet("/reconciliation", async (int? max, IReconciliationStore store, CancellationToken ct) =>
            Results.Ok(await store.ListReportsAsync(Math.Clamp(max ?? 31, 1, 400), ct)))
            .WithSummary("The reconciled business days, latest first, each with its last run");

        api.MapGet("/reconciliation/{businessDay}", async (string businessDay, int? max, string? format, HttpContext context, IReconciliationStore store,
            CancellationToken ct) =>
        {
            if (ParseDay(businessDay) is not { } day)
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid business day", $"'{businessDay}' is not a date (yyyy-MM-dd)", "businessDay");
            if (await store.GetReportAsync(day, ct) is not { } report)
                return Http.Problem(StatusCodes.Status404NotFound, "Not reconciled", $"{day:yyyy-MM-dd} has not been reconciled: POST /api/reconciliation/run?businessDay={day:yyyy-MM-dd}", "businessDay");
            var take = Math.Clamp(max ?? 500, 0, 5000);
            var differences = new List<Domain.Reconciliation.ReconciliationDifference>();
            long total = 0;
            await foreach (var stored in store.DifferencesAsync(day, ct))
            {
                total++;
                if (differences.Count < take) differences.Add(stored.Difference);
            }
            if (format == "text" || (format is null && PrefersText(context.Request)))
                return Results.Text(Domain.Reconciliation.ReconciliationText.Render(report.Summary, differences), "text/plain; charset=utf-8");
            return Results.Ok(new { report, differenceCount = total, differences, text = report.Text });
        }).WithSummary("A day's reconciliation report: totals per area and store, differences with cause and owner, and a readable summary (Accept: text/plain or ?format=text)");
    }

    public static DateOnly? ParseDay(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static bool PrefersText(HttpRequest request) =>
        request.Headers.Accept.ToString() is { Length: > 0 } accept
        && accept.Contains("text/plain", StringComparison.OrdinalIgnoreCase)
        && !accept.Contains("application/json", StringComparison.OrdinalIgnoreCase);
}

using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Api;

/// <summary>What operators and other systems read and maintain: the catalog cross-reference, batches, exceptions, dead letters.</summary>
public static class QueryEndpoints
{
    public sealed record SkuRequest(string? Title, string? Barcode, string? UnitOfMeasure, decimal? Price, IReadOnlyList<SkuAlias>? Aliases);
    public sealed record LocationRequest(string? Name, double? Latitude, double? Longitude, IReadOnlyList<LocationAlias>? Aliases, string? Region = null,
        string? TimeZone = null);

    public static void MapQueries(this IEndpointRouteBuilder api)
    {
        // Read from the table, not this instance's cache: a change made through another instance shows at once.
        api.MapGet("/catalog/skus/{sku}", async (string sku, TableCatalogStore catalog, CancellationToken ct) =>
            await catalog.GetItemAsync(sku, ct) is { } item
                ? Results.Ok(item)
                : Http.Problem(StatusCodes.Status404NotFound, "Unknown SKU", $"no catalog item has the canonical SKU '{sku}'", "sku"))
            .WithSummary("A canonical SKU and every other system's name for it");

        api.MapPut("/catalog/skus/{sku}", async (string sku, SkuRequest request, ICatalogStore catalog, CancellationToken ct) =>
        {
            var invalid = (request.Aliases ?? []).Select((a, i) => (a, i)).FirstOrDefault(x =>
                string.IsNullOrWhiteSpace(x.a.System) || string.IsNullOrWhiteSpace(x.a.Kind) || string.IsNullOrWhiteSpace(x.a.Value));
            if (invalid.a is not null)
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid alias", "each alias needs system, kind and value", $"aliases[{invalid.i}]");
            if (request.Barcode is { } barcode && Gtin.LooksSpreadsheetMangled(barcode))
                return Http.Problem(StatusCodes.Status400BadRequest, "Mangled barcode", $"'{barcode}' looks like a spreadsheet's scientific notation: the digits are lost", "barcode");
            await catalog.UpsertItemAsync(new CatalogItem(sku, request.Title, request.Barcode, request.UnitOfMeasure, request.Price, request.Aliases ?? []), ct);
            return Results.Ok(await catalog.GetItemAsync(sku, ct));
        }).WithSummary("Create or update a canonical SKU and add aliases (e.g. the till's item id)");

        api.MapGet("/catalog/locations", async (ICatalogStore catalog, CancellationToken ct) => Results.Ok(await catalog.ListLocationsAsync(ct)))
            .WithSummary("Canonical locations and their ids in other systems");

        api.MapPut("/catalog/locations/{location}", async (string location, LocationRequest request, ICatalogStore catalog, CancellationToken ct) =>
        {
            // The store's IANA time zone dates its money (its local business day); none given means UTC.
            if (BusinessDays.Parse(request.TimeZone) is { Error: { } error })
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid time zone", error, "timeZone");
            var loc = new Location(location, request.Name, request.Latitude, request.Longitude, request.Aliases ?? [], request.Region,
                string.IsNullOrWhiteSpace(request.TimeZone) ? null : request.TimeZone.Trim());
            await catalog.UpsertLocationAsync(loc, ct);
            return Results.Ok(loc);
        }).WithSummary("Create or update a canonical location and map POS store ids or Shopify location ids to it; timeZone (IANA, default UTC) dates its business days");

        api.MapGet("/pos/batches", async (string? day, int? max, IPosBatchStore batches, TimeProvider clock, CancellationToken ct) =>
        {
            var date = day is null ? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime) : ReconciliationEndpoints.ParseDay(day);
            if (date is null)
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid day", $"day '{day}' is not a date (yyyy-MM-dd)", "day");
            return Results.Ok(await batches.ListByDayAsync(date.Value, Math.Clamp(max ?? 200, 1, 1000), ct));
        }).WithSummary("The POS batches received on a day (UTC; today by default), oldest first, with their progress");

        api.MapGet("/pos/batches/{batchId}", async (string batchId, int? skip, int? take, IPosBatchStore batches, CancellationToken ct) =>
        {
            if (await batches.GetAsync(batchId, ct) is not { } batch)
                return Http.Problem(StatusCodes.Status404NotFound, "Unknown batch", $"no POS batch has the id '{batchId}'", "batchId");
            var transactions = await batches.GetTransactionsAsync(batchId, Math.Max(0, skip ?? 0), Math.Clamp(take ?? 1000, 1, 5000), ct);
            return Results.Ok(new { batch, transactions });
        }).WithSummary("A POS batch's progress and the status of each transaction");

    }
}

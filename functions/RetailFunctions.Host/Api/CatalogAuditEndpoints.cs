using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Reconciliation;

namespace RetailFunctions.Host.Api;

/// <summary>The catalog audit a merchandiser acts on before go-live, and the channel catalogs it compares.</summary>
public static class CatalogAuditEndpoints
{
    private const long MaxChannelCatalogBytes = 20L * 1024 * 1024;

    public static void MapCatalogAudit(this IEndpointRouteBuilder api)
    {
        api.MapGet("/catalog/audit", async (string? format, HttpContext context, ICatalogAuditSource source, CancellationToken ct) =>
        {
            var csv = format switch
            {
                "csv" => true,
                "json" => false,
                null => context.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase),
                _ => (bool?)null,
            };
            if (csv is null) return Http.Problem(StatusCodes.Status400BadRequest, "Unknown format", $"format '{format}' is not csv or json", "format");
            var items = new List<CatalogItem>();
            await foreach (var item in source.ItemsAsync(ct)) items.Add(item);
            var listings = new List<ChannelListing>();
            await foreach (var listing in source.ListingsAsync(ct)) listings.Add(listing);
            var report = CatalogAudit.Run(items, listings);
            if (csv.Value)
            {
                context.Response.Headers.ContentDisposition = "attachment; filename=\"catalog-audit.csv\"";
                return Results.Text(CatalogAuditCsv.Render(report), "text/csv; charset=utf-8");
            }
            return Results.Ok(report);
        }).WithSummary("Audit the SKU cross-reference against the channel catalogs: duplicates, single-channel SKUs, missing variants, units, barcodes, prices (JSON, or CSV with Accept: text/csv or ?format=csv)");

        api.MapPut("/catalog/channels/{channel}", async (string channel, string? currency, HttpContext context, ICatalogAuditSource source, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(channel) || channel.Length > 64 || !channel.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid channel", "a channel name is letters, digits, '-' or '_' (at most 64)", "channel");
            using var body = await Http.ReadBoundedAsync(context.Request, MaxChannelCatalogBytes, ct);
            if (body is null) return Http.TooLarge(MaxChannelCatalogBytes);
            try
            {
                var listings = ChannelCatalogReader.Read(channel, body, currency?.ToUpperInvariant());
                await source.SaveChannelAsync(channel, listings, ct);
                return Results.Ok(new { channel, listings = listings.Count, withoutSku = listings.Count(l => l.Sku is null) });
            }
            catch (PayloadException invalid)
            {
                return Http.Problem(StatusCodes.Status400BadRequest, "Unreadable channel catalog", $"{invalid.Field}: {invalid.Reason}", invalid.Field);
            }
        }).WithSummary("Replace a channel's catalog snapshot for the audit: Shopify products JSON or an array of listings");
    }
}

using RetailFunctions.Domain.Catalog;

namespace RetailFunctions.Domain.Tests;

public sealed class CatalogAuditTests
{
    private static CatalogItem Item(string sku, string? barcode = null, string? unit = "EA", decimal? price = null, params string[] systems) =>
        new(sku, sku, barcode, unit, price, systems.Select(s => new SkuAlias(s, AliasKinds.Sku, sku)).ToList());

    private static ChannelListing Web(string id, string? sku, string? product = "P1", string? barcode = null, decimal? price = 10m, string? unit = "EA") =>
        new("shopify", id, product, sku, barcode, unit, price, "USD", sku);

    private static ChannelListing Pos(string id, string? sku, decimal? price = 10m, string? unit = "EA", string? barcode = null) =>
        new("pos", id, null, sku, barcode, unit, price, "USD", sku);

    private static IEnumerable<string> Issues(CatalogAuditReport report) => report.Findings.Select(f => $"{f.Issue}:{f.Sku}:{f.Channel}");

    [Fact]
    public void GivenACleanCatalog_WhenAudited_ThenNoFinding()
    {
        var report = CatalogAudit.Run([Item("A", "4006381333931")], [Web("1", "A", barcode: "4006381333931"), Pos("9", "A")]);

        Assert.Empty(report.Findings);
        Assert.Equal(["pos", "shopify"], report.Channels);
    }

    [Fact]
    public void GivenASpreadsheetMangledBarcode_WhenAudited_ThenAnErrorTellingToReEnterIt()
    {
        var finding = Assert.Single(CatalogAudit.Run([Item("A", "3.65275E+11")], []).Findings);

        Assert.Equal((CatalogIssues.MangledBarcode, "error"), (finding.Issue, finding.Severity));
        Assert.Contains("text", finding.Action);
    }

    [Fact]
    public void GivenABarcodeWithAWrongCheckDigit_WhenAudited_ThenInvalidBarcode()
    {
        var finding = Assert.Single(CatalogAudit.Run([], [Web("1", "A", barcode: "4006381333932")]).Findings);

        Assert.Equal(CatalogIssues.InvalidBarcode, finding.Issue);
        Assert.Contains("check digit", finding.Detail);
    }

    [Fact]
    public void GivenOneBarcodeOnTwoSkus_WhenAudited_ThenBothAreReported()
    {
        var report = CatalogAudit.Run([Item("A", "4006381333931"), Item("B", "04006381333931")], []);

        Assert.Equal(["duplicate-barcode:A:", "duplicate-barcode:B:"], Issues(report));
    }

    [Fact]
    public void GivenASkuListedTwiceInAChannel_WhenAudited_ThenADuplicateSku()
    {
        var report = CatalogAudit.Run([], [Web("1", "A"), Web("2", "A")]);

        Assert.Equal(["duplicate-sku:A:shopify"], Issues(report));
    }

    [Fact]
    public void GivenSkusThatDifferOnlyByCase_WhenAudited_ThenADuplicateSkuInTheCrossReference()
    {
        var report = CatalogAudit.Run([Item("abc-1"), Item("ABC-1")], []);

        Assert.Equal(CatalogIssues.DuplicateSku, Assert.Single(report.Findings).Issue);
    }

    [Fact]
    public void GivenASkuInOneChannelOnly_WhenAudited_ThenSingleChannel()
    {
        var report = CatalogAudit.Run([Item("A"), Item("B")], [Web("1", "A", product: "P1"), Pos("9", "A"), Pos("8", "B")]);

        Assert.Equal(["single-channel:B:pos"], Issues(report));
    }

    [Fact]
    public void GivenAProductWhoseVariantIsMissingInAChannel_WhenAudited_ThenMissingVariant()
    {
        var report = CatalogAudit.Run([], [Web("1", "A-S"), Web("2", "A-M"), Pos("9", "A-S")]);

        Assert.Equal(["missing-variant:A-M:pos"], Issues(report));
    }

    [Fact]
    public void GivenAVariantWithoutSku_WhenAudited_ThenMissingSku()
    {
        var report = CatalogAudit.Run([], [Web("1", null)]);

        Assert.Equal(CatalogIssues.MissingSku, Assert.Single(report.Findings).Issue);
    }

    [Fact]
    public void GivenAWeighedItemSoldEachOnTheWeb_WhenAudited_ThenAUnitOfMeasureMismatch()
    {
        var report = CatalogAudit.Run([Item("APPLE", unit: "LB", systems: "pos")], [Web("1", "APPLE", unit: "EA"), Pos("9", "APPLE", unit: "lbs")]);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(CatalogIssues.UnitOfMeasureMismatch, finding.Issue);
        Assert.Contains("shopify=EA", finding.Value);
    }

    [Fact]
    public void GivenPricesThatDisagreeBetweenChannels_WhenAudited_ThenAPriceMismatchWithEachPrice()
    {
        var finding = Assert.Single(CatalogAudit.Run([], [Web("1", "A", price: 10m), Pos("9", "A", price: 9.5m)]).Findings);

        Assert.Equal((CatalogIssues.PriceMismatch, "warning", "pos=9.50, shopify=10.00"), (finding.Issue, finding.Severity, finding.Value));
    }

    [Fact]
    public void GivenFindings_WhenRenderedAsCsv_ThenOneQuotedRowEachAndNoFormulas()
    {
        var report = CatalogAudit.Run([Item("A", "3.65275E+11"), Item("=B")], []);

        var lines = CatalogAuditCsv.Render(report).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CatalogAuditCsv.Header, lines[0]);
        Assert.Equal(1 + report.Findings.Count, lines.Length);
        Assert.Contains("\"3.65275E+11\"", lines[1]);
        Assert.DoesNotContain(",\"=B\"", string.Join('\n', lines));
    }
}

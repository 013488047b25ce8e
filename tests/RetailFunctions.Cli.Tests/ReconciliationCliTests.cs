using System.Text.Json;
using RetailFunctions.Cli.Commands;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Tests;

/// <summary>retail reconcile and retail audit: what they refuse before calling the runtime, and how they print.</summary>
public class ReconciliationCliTests
{
    [Fact]
    public async Task GivenADayThatIsNotADate_WhenReconcileRun_ThenRefusedBeforeCallingTheRuntime()
    {
        var run = await Cli.RunAsync("reconcile", "run", "20-11-2026", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("yyyy-MM-dd", run.Error);
    }

    [Fact]
    public async Task GivenAnUnreachableRuntime_WhenReconcileShow_ThenExitTwo()
    {
        var run = await Cli.RunAsync("reconcile", "show", "2026-11-20", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
    }

    [Fact]
    public async Task GivenTheHelp_WhenAskedForAuditCatalog_ThenItNamesWhatItChecks()
    {
        var run = await Cli.RunAsync("audit", "catalog", "--help");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("GTIN check digit", run.Output);
        Assert.Contains("--csv", run.Output);
    }

    [Fact]
    public void GivenAStoredReport_WhenRendered_ThenTheSummaryTotalsAndDifferencesAreShown()
    {
        var answer = JsonDocument.Parse("""
            {"report":{"text":"Reconciliation of 2026-11-20: 1 difference(s): 1 fee-mismatch.",
              "summary":{"areas":[{"area":"Settlements","store":"web","unit":"USD","expectedCount":2,"actualCount":2,"matched":1,
                "expectedTotal":30.0,"actualTotal":30.0,"differences":1,"differenceTotal":0.11}]}},
             "differences":[{"area":"Settlements","store":"web","key":"p2","cause":"FeeMismatch","amount":0.11,"unit":"USD","owner":"finance",
               "detail":"capture p2: fee 0.99 USD charged, 0.88 expected"}]}
            """).RootElement;

        var text = Values.Plain(ReconciliationView.Render(answer.GetProperty("report"), answer.GetProperty("differences").EnumerateArray().ToList()), 240);

        Assert.Contains("1 fee-mismatch", text);
        Assert.Contains("Settlements", text);
        Assert.Contains("fee 0.99 USD charged", text);
        Assert.Contains("1 difference(s) listed", text);
    }

    [Fact]
    public void GivenAuditFindings_WhenRendered_ThenEachFindingHasItsAction()
    {
        var report = JsonDocument.Parse("""
            {"items":2,"listings":3,"channels":["pos","shopify"],"byIssue":{"mangled-barcode":1},
             "findings":[{"issue":"mangled-barcode","severity":"error","sku":"A","channel":"catalog","value":"3.65275E+11",
               "detail":"'3.65275E+11' is a spreadsheet's scientific notation","action":"re-enter the barcode"}]}
            """).RootElement;

        var text = Values.Plain(CatalogAuditView.Render(report), 240);

        Assert.Contains("1 finding(s)", text);
        Assert.Contains("3.65275E+11", text);
        Assert.Contains("re-enter the barcode", text);
    }
}

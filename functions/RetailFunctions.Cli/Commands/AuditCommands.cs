using System.CommandLine;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail audit catalog: the catalog audit a merchandiser acts on, as a table, JSON or CSV.</summary>
public static class AuditCommands
{
    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("audit", "Audits before go-live.");
        command.Subcommands.Add(Catalog(globals, terminal));
        return command;
    }

    private static Command Catalog(GlobalOptions globals, Terminal terminal)
    {
        var csv = new Option<bool>("--csv") { Description = "Print the findings as CSV (for a spreadsheet) instead of a table" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the CSV or JSON to this file instead of the console", HelpName = "FILE" };
        var command = new Command("catalog",
            "Audit the SKU cross-reference against the channel catalogs: duplicate SKUs and barcodes, SKUs in one channel only, missing variants, " +
            "unit-of-measure mismatches, barcodes failing the GTIN check digit or mangled by spreadsheets, prices that disagree (GET /api/catalog/audit).") { csv, output };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var file = parse.GetValue(output);
            if (parse.GetValue(csv))
            {
                var response = await cli.Api.SendAsync(HttpMethod.Get, "api/catalog/audit?format=csv", null, ct);
                if (!response.IsSuccess) response.EnsureSuccess();
                if (file is not null) await File.WriteAllTextAsync(file, response.Body, ct);
                else cli.Terminal.RawOut.Write(response.Body);
                return ExitCodes.Ok;
            }
            var report = await cli.Api.GetAsync("api/catalog/audit", ct);
            if (file is not null) await File.WriteAllTextAsync(file, report.GetRawText(), ct);
            else if (cli.Json) cli.WriteJson(report);
            else cli.WriteLine(CatalogAuditView.Render(report));
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>The audit's findings, errors in red and warnings in yellow, with what to do about each.</summary>
public static class CatalogAuditView
{
    public static IRenderable Render(JsonElement report)
    {
        var findings = report.Member("findings").Items().ToList();
        var headline = $"{report.Text("items")} SKU(s) in the cross-reference, {report.Text("listings")} channel listing(s) ({report.Text("channels")}): " +
                       (findings.Count == 0 ? "nothing to fix." : $"{findings.Count} finding(s): {report.Text("byIssue")}");
        if (findings.Count == 0) return Values.Cell(headline);
        var table = Values.NewTable("severity", "issue", "sku", "channel", "listing", "value", "detail", "action");
        foreach (var f in findings)
        {
            var style = f.Text("severity") == "error" ? new Style(Color.Red) : new Style(Color.Yellow);
            table.AddRow(Values.Cell(f.Text("severity"), style), Values.Cell(f.Text("issue"), style), Values.Cell(f.Text("sku")), Values.Cell(f.Text("channel")),
                Values.Cell(f.Text("listingId")), Values.Cell(f.Text("value")), Values.Cell(f.Text("detail")), Values.Cell(f.Text("action")));
        }
        return new Rows(Values.Cell(headline), table);
    }
}

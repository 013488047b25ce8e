using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail reconcile run|show: reconcile a business day now, and read a day's stored report.</summary>
public static class ReconcileCommands
{
    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("reconcile",
            "The nightly reconciliation: till closes vs transactions, settlements vs captured payments, journal vs ERP, counts vs the stock ledger. " +
            "Each difference is an exception with its cause and owner.");
        command.Subcommands.Add(Run(globals, terminal));
        command.Subcommands.Add(Show(globals, terminal));
        return command;
    }

    private static Argument<string> DayArgument() => new("businessDay") { Description = "The business day, yyyy-MM-dd" };

    private static string Day(ParseResult parse, Argument<string> day)
    {
        var text = parse.GetValue(day)!;
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? text
            : throw new UsageException($"'{text}' is not a business day: write it yyyy-MM-dd");
    }

    private static Command Run(GlobalOptions globals, Terminal terminal)
    {
        var day = DayArgument();
        var command = new Command("run", "Reconcile a business day now and print its summary (POST /api/reconciliation/run). Running a day again gives the same report.") { day };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var report = await cli.Api.PostAsync(Route.With("api/reconciliation/run", ("businessDay", Day(parse, day))), new { }, ct);
            if (cli.Json) cli.WriteJson(report);
            else cli.WriteLine(ReconciliationView.Render(report, []));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(GlobalOptions globals, Terminal terminal)
    {
        var day = DayArgument();
        var max = new Option<int?>("--max") { Description = "List at most this many differences (default 500)", HelpName = "N" }.AtLeast(0);
        var command = new Command("show", "Show a day's stored reconciliation: totals per area and store, then each difference (GET /api/reconciliation/{businessDay}).") { day, max };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var answer = await cli.Api.GetAsync(Route.With($"api/reconciliation/{Day(parse, day)}", ("max", parse.GetValue(max)?.ToString(CultureInfo.InvariantCulture))), ct);
            if (cli.Json) cli.WriteJson(answer);
            else cli.WriteLine(ReconciliationView.Render(answer.Member("report") ?? answer, answer.Member("differences").Items().ToList()));
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>A reconciliation report: the summary in words, the totals, then the differences, open money in yellow.</summary>
public static class ReconciliationView
{
    public static IRenderable Render(JsonElement report, IReadOnlyList<JsonElement> differences)
    {
        var rows = new List<IRenderable> { Values.Cell(report.Text("text").TrimEnd()) };
        var summary = report.Member("summary");
        var areas = summary.HasValue ? summary.Value.Member("areas").Items().ToList() : [];
        if (areas.Count > 0)
        {
            var table = Values.NewTable("area", "store", "unit", "expected", "actual", "matched", "differences", "difference total");
            foreach (var a in areas)
            {
                var style = a.Text("differences") is "0" or "" ? Style.Plain : new Style(Color.Yellow);
                table.AddRow(Values.Cell(a.Text("area")), Values.Cell(a.Text("store")), Values.Cell(a.Text("unit")),
                    Values.Cell($"{a.Text("expectedCount")} / {a.Text("expectedTotal")}"), Values.Cell($"{a.Text("actualCount")} / {a.Text("actualTotal")}"),
                    Values.Cell(a.Text("matched")), Values.Cell(a.Text("differences"), style), Values.Cell(a.Text("differenceTotal"), style));
            }
            rows.Add(table);
        }
        if (differences.Count > 0)
        {
            var table = Values.NewTable("cause", "area", "store", "key", "amount", "owner", "detail");
            foreach (var d in differences)
                table.AddRow(Values.Cell(d.Text("cause")), Values.Cell(d.Text("area")), Values.Cell(d.Text("store")), Values.Cell(d.Text("key")),
                    Values.Cell($"{d.Text("amount")} {d.Text("unit")}"), Values.Cell(d.Text("owner")), Values.Cell(d.Text("detail")));
            table.Caption = new TableTitle($"{differences.Count} difference(s) listed");
            rows.Add(table);
        }
        return new Rows(rows);
    }
}

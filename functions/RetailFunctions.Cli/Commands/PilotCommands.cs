using System.CommandLine;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail pilot show|set|shadow: the rollout switches per flow and scope, and the shadow report.</summary>
public static class PilotCommands
{
    private static readonly string[] Modes = ["off", "shadow", "on"];

    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("pilot",
            "Pilot rollout: each flow (till-stock, availability-push, web-orders, till-orders, customers, journal, reconciliation) is off, shadow or on " +
            "for the chain, a region or a store; the most specific switch wins.");
        command.Subcommands.Add(Show(globals, terminal));
        command.Subcommands.Add(Set(globals, terminal));
        command.Subcommands.Add(Shadow(globals, terminal));
        return command;
    }

    private static Command Show(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("show", "The switches in force, from settings and operators' changes, and who changed what (GET /api/pilot/switches).");
        command.SetRuntimeAction(globals, terminal, async (_, cli, ct) =>
        {
            var switches = await cli.Api.GetAsync("api/pilot/switches", ct);
            var history = await cli.Api.GetAsync("api/pilot/switches/history", ct);
            if (cli.Json) cli.WriteJson(JsonSerializer.SerializeToElement(new { switches, history }));
            else cli.WriteLine(PilotView.Render(switches, ((JsonElement?)history).Items().ToList()));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Set(GlobalOptions globals, Terminal terminal)
    {
        var scope = new Argument<string>("scope") { Description = "chain, region:NAME or store:LOCATION" };
        var flow = new Argument<string>("flow") { Description = "a flow's name, or * for every flow" };
        var mode = new Argument<string>("mode") { Description = "off, shadow or on" };
        var reason = new Option<string?>("--reason") { Description = "Why, kept in the audit trail", HelpName = "TEXT" };
        var user = new Option<string?>("--as") { Description = "Who is changing it, kept in the audit trail (default: the operations role)", HelpName = "NAME" };
        var command = new Command("set",
            "Set one switch, as the operations role (PUT /api/pilot/switches). Every instance applies it within seconds; turning availability on pushes " +
            "the latest figure of what shadow withheld. Catch up a flow that was off with 'retail replay raw' and 'retail replay pos'.")
            { scope, flow, mode, reason, user };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var wanted = parse.GetValue(mode)!.Trim().ToLowerInvariant();
            if (!Modes.Contains(wanted)) throw new UsageException($"mode '{parse.GetValue(mode)}' is not off, shadow or on");
            var headers = new Dictionary<string, string> { ["X-RetailFunctions-Role"] = "ops" };
            if (parse.GetValue(user) is { Length: > 0 } name) headers["X-RetailFunctions-User"] = name;
            var body = JsonSerializer.Serialize(new { scope = parse.GetValue(scope), flow = parse.GetValue(flow), mode = wanted, reason = parse.GetValue(reason) });
            var answer = (await cli.Api.SendRawAsync(HttpMethod.Put, "api/pilot/switches", body, headers, ct)).EnsureSuccess();
            if (cli.Json) cli.WriteJson(answer);
            else
            {
                var change = answer.Member("change") ?? answer;
                cli.WriteLine(Values.Cell($"{change.Text("scope")}:{change.Text("flow")} is now {change.Text("mode")} " +
                    $"(set by {change.Text("changedBy")}; {answer.Text("availabilityPushesQueued")} availability push(es) queued)"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Shadow(GlobalOptions globals, Terminal terminal)
    {
        var location = new Option<string?>("--location") { Description = "One store or warehouse (default: every location in shadow)", HelpName = "LOCATION" };
        var command = new Command("shadow",
            "The shadow report: per SKU and location, the availability we would push against the web store's own figure (GET /api/pilot/shadow/availability).")
            { location };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var report = await cli.Api.GetAsync(Route.With("api/pilot/shadow/availability", ("location", parse.GetValue(location))), ct);
            if (cli.Json) cli.WriteJson(report);
            else cli.WriteLine(PilotView.RenderShadow(report));
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>Switches as a table; the shadow report with differing lines in yellow.</summary>
public static class PilotView
{
    public static IRenderable Render(JsonElement switches, IReadOnlyList<JsonElement> history)
    {
        var effective = switches.Member("effective").Items().Select(s => s.GetString() ?? "").ToList();
        var rows = new List<IRenderable>
        {
            Values.Cell(effective.Count == 0 ? "No switches: every flow is on everywhere." : $"{effective.Count} switch(es) in force, most specific wins:"),
        };
        if (effective.Count > 0)
        {
            var table = Values.NewTable("switch");
            foreach (var s in effective) table.AddRow(Values.Cell(s));
            rows.Add(table);
        }
        if (history.Count > 0)
        {
            var changes = Values.NewTable("changed at", "by", "scope", "flow", "mode", "reason");
            foreach (var c in history)
                changes.AddRow(Values.Cell(c.Text("changedAt")), Values.Cell(c.Text("changedBy")), Values.Cell(c.Text("scope")), Values.Cell(c.Text("flow")),
                    Values.Cell(c.Text("mode")), Values.Cell(c.Text("reason")));
            rows.Add(changes);
        }
        return new Rows(rows);
    }

    public static IRenderable RenderShadow(JsonElement report)
    {
        var lines = report.Member("rows").Items().ToList();
        var rows = new List<IRenderable>
        {
            Values.Cell($"{report.Text("skus")} SKU-location(s) in shadow, {report.Text("differing")} differ from the web store, " +
                $"{report.Text("unknownAtWebStore")} not reported by it."),
        };
        if (lines.Count > 0)
        {
            var table = Values.NewTable("location", "sku", "we would push", "web store reports", "difference", "compared at");
            foreach (var l in lines)
            {
                var differs = l.Text("difference") is not ("" or "0");
                table.AddRow(Values.Cell(l.Text("location")), Values.Cell(l.Text("sku")), Values.Cell(l.Text("wouldPush")), Values.Cell(l.Text("webStoreReports")),
                    Values.Cell(l.Text("difference"), differs ? new Style(Color.Yellow) : Style.Plain), Values.Cell(l.Text("comparedAt")));
            }
            rows.Add(table);
        }
        return new Rows(rows);
    }
}

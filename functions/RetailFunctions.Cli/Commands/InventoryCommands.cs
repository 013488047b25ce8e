using System.CommandLine;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail stock and retail movements: the stock ledger of one SKU.</summary>
public static class InventoryCommands
{
    public static IEnumerable<Command> Create(GlobalOptions globals, Terminal terminal)
    {
        yield return Stock(globals, terminal);
        yield return Movements(globals, terminal);
    }

    private static Command Stock(GlobalOptions globals, Terminal terminal)
    {
        var sku = new Argument<string>("sku") { Description = "The canonical SKU" };
        var command = new Command("stock",
            "Show a SKU's stock per location: on hand, reserved, in transit, available, and available to promise per channel " +
            "(GET /api/inventory/{sku}).") { sku };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var stock = await cli.Api.GetAsync($"api/inventory/{Route.Segment(parse.GetValue(sku)!)}", ct);
            if (cli.Json) cli.WriteJson(stock);
            else cli.WriteLine(StockView.Render(stock));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Movements(GlobalOptions globals, Terminal terminal)
    {
        var sku = new Argument<string>("sku") { Description = "The canonical SKU" };
        var location = new Option<string?>("--location") { Description = "Only this canonical location's movements", HelpName = "LOCATION" };
        var pageSize = new Option<int?>("--page-size") { Description = "Movements per request (1-1000, the runtime's default is 100); every page is printed", HelpName = "N" }.AtLeast(1);
        var command = new Command("movements",
            "List a SKU's movement ledger, oldest first per location, following the runtime's pages to the end " +
            "(GET /api/inventory/{sku}/movements).") { sku, location, pageSize };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var name = parse.GetValue(sku)!;
            var all = new List<JsonElement>();
            string? token = null;
            var seen = new HashSet<string>();
            do
            {
                var page = await cli.Api.GetAsync(Route.With($"api/inventory/{Route.Segment(name)}/movements",
                    ("location", parse.GetValue(location)), ("pageSize", parse.GetValue(pageSize)?.ToString()), ("continuationToken", token)), ct);
                all.AddRange(page.Member("movements").Items());
                token = page.Member("continuationToken") is { ValueKind: JsonValueKind.String } next ? next.GetString() : null;
            }
            while (!string.IsNullOrEmpty(token) && seen.Add(token));
            if (cli.Json) cli.WriteJson(new { sku = name, movements = all });
            else cli.WriteLine(MovementsView.Render(name, all));
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail batch: GET /api/pos/batches/{batchId}, every transaction.</summary>
public static class BatchCommand
{
    private const int PageSize = 1000;

    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var batchId = new Argument<string>("batchId") { Description = "The id the POS upload answered with (202 batchId)" };
        var command = new Command("batch",
            "Show a POS batch: its progress and counts, then each transaction's status (applied, exception, malformed, recorded). " +
            "Malformed and exception rows are highlighted (GET /api/pos/batches/{batchId}).") { batchId };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var path = $"api/pos/batches/{Route.Segment(parse.GetValue(batchId)!)}";
            JsonElement? batch = null;
            var transactions = new List<JsonElement>();
            while (true)
            {
                var page = await cli.Api.GetAsync(Route.With(path, ("skip", transactions.Count.ToString()), ("take", PageSize.ToString())), ct);
                batch ??= page.Member("batch");
                var items = page.Member("transactions").Items().ToList();
                transactions.AddRange(items);
                if (items.Count < PageSize) break;
            }
            var summary = batch ?? JsonDocument.Parse("{}").RootElement;
            if (cli.Json) cli.WriteJson(new { batch = summary, transactions });
            else cli.WriteLine(BatchView.Render(summary, transactions));
            return ExitCodes.Ok;
        });
        return command;
    }
}

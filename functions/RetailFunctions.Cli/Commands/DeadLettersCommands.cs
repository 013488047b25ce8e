using System.CommandLine;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;
using Spectre.Console;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail deadletters list|replay: messages that failed for good, and sending them through again after a fix.</summary>
public static class DeadLettersCommands
{
    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("deadletters",
            "Messages that failed for good: unmappable payloads (dead-lettered at once) and handlers that kept failing until the queue's " +
            "maximum dequeue count, kept with the reason, exception type, attempts and envelope.");
        command.Subcommands.Add(List(globals, terminal));
        command.Subcommands.Add(Replay(globals, terminal));
        return command;
    }

    private static Command List(GlobalOptions globals, Terminal terminal)
    {
        var queue = new Option<string?>("--queue") { Description = "Only this queue's dead letters (e.g. shopify-webhooks, pos-batches, channel-availability)", HelpName = "QUEUE" };
        var max = new Option<int?>("--max") { Description = "At most this many (the runtime's default is 500)", HelpName = "N" }.AtLeast(1);
        var command = new Command("list",
            "List dead letters: queue, when, attempts, reason, exception type, the envelope's id, type, correlation id and keys, and any earlier replay " +
            "(GET /api/deadletters).") { queue, max };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var only = parse.GetValue(queue);
            var list = await cli.Api.GetAsync(Route.With("api/deadletters", ("queue", only), ("max", parse.GetValue(max)?.ToString())), ct);
            if (cli.Json)
            {
                cli.WriteJson(list);
                return ExitCodes.Ok;
            }
            var items = list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
            if (!string.IsNullOrEmpty(only)) items = items.Where(d => d.Text("queue") == only).ToList();
            cli.WriteLine(DeadLettersView.RenderList(items));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Replay(GlobalOptions globals, Terminal terminal)
    {
        var ids = new Option<string[]>("--id")
        {
            Description = $"A dead letter's id (repeatable; sent {DeadLetterReplaySelection.GroupSize} at a time)",
            HelpName = "ID",
            AllowMultipleArgumentsPerToken = true,
        };
        var queue = new Option<string?>("--queue") { Description = "Replay the dead letters of this queue", HelpName = "QUEUE" };
        var reason = new Option<string?>("--reason") { Description = "Replay the dead letters whose reason contains this text", HelpName = "TEXT" };
        var all = new Option<bool>("--all") { Description = "Replay every dead letter (required when no other selector is given)" };
        var force = new Option<bool>("--force") { Description = "Replay dead letters that were replayed before too" };
        var command = new Command("replay",
            "Put dead letters back on their queue after the cause is fixed (POST /api/deadletters/replay). Needs at least one selector: " +
            "--id, --queue, --reason or --all. Prints how many were replayed and skipped.") { ids, queue, reason, all, force };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var selection = new DeadLetterReplaySelection(parse.GetValue(ids) ?? [], parse.GetValue(queue), parse.GetValue(reason),
                parse.GetValue(all), parse.GetValue(force));
            var requests = selection.Requests();
            var totals = ReplayTotals.Empty;
            if (requests.Count == 1)
            {
                totals = totals.Add(await cli.Api.PostAsync("api/deadletters/replay", requests[0], ct));
            }
            else
            {
                var idCount = requests.Sum(r => r.Ids?.Count ?? 0);
                await terminal.Err.Progress().AutoClear(false).StartAsync(async progress =>
                {
                    var task = progress.AddTask($"replaying {idCount} dead letters", maxValue: idCount);
                    foreach (var request in requests)
                    {
                        totals = totals.Add(await cli.Api.PostAsync("api/deadletters/replay", request, ct));
                        task.Increment(request.Ids?.Count ?? 0);
                    }
                });
            }
            if (cli.Json) cli.WriteJson(new { replayed = totals.Replayed, skipped = totals.Skipped, ids = totals.Ids });
            else cli.WriteLine(DeadLettersView.RenderReplay(totals));
            return ExitCodes.Ok;
        });
        return command;
    }
}

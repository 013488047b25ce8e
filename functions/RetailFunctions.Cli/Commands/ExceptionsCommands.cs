using System.CommandLine;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail exceptions list|ack|resolve: business exceptions by owner and their lifecycle (open, acknowledged, resolved).</summary>
public static class ExceptionsCommands
{
    public sealed record TransitionRequest(string By, string? Note);

    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("exceptions",
            "Business exceptions the pipeline could not apply without a person (unmapped SKU or location, negative stock, backorder, " +
            "channel stock conflict...), kept with their owner, business keys and archived payload.");
        command.Subcommands.Add(List(globals, terminal));
        command.Subcommands.Add(Transition(globals, terminal, "ack", "acknowledge", "acknowledged",
            "Acknowledge an open exception: someone is on it (POST /api/exceptions/{owner}/{id}/acknowledge). " +
            "The runtime answers 409 when the exception is not open."));
        command.Subcommands.Add(Transition(globals, terminal, "resolve", "resolve", "resolved",
            "Resolve an open or acknowledged exception once its cause is fixed (POST /api/exceptions/{owner}/{id}/resolve). " +
            "The runtime answers 409 when it is already resolved."));
        return command;
    }

    private static Command List(GlobalOptions globals, Terminal terminal)
    {
        var owner = new Option<string?>("--owner") { Description = "Only this owner's exceptions (inventory, finance, crm, ops)", HelpName = "OWNER" };
        var status = new Option<string?>("--status") { Description = "Only exceptions in this status (open, acknowledged, resolved)", HelpName = "STATUS" };
        var max = new Option<int?>("--max") { Description = "At most this many (the runtime's default is 500)", HelpName = "N" }.AtLeast(1);
        var command = new Command("list",
            "List business exceptions: id, owner, reason, status, business keys, detail, source message and archived payload, and their history " +
            "(GET /api/exceptions).") { owner, status, max };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var list = await cli.Api.GetAsync(Route.With("api/exceptions",
                ("owner", parse.GetValue(owner)), ("status", parse.GetValue(status)), ("max", parse.GetValue(max)?.ToString())), ct);
            if (cli.Json) cli.WriteJson(list);
            else cli.WriteLine(ExceptionsView.RenderList(list));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Transition(GlobalOptions globals, Terminal terminal, string name, string route, string done, string description)
    {
        var owner = new Argument<string>("owner") { Description = "The exception's owner (as listed)" };
        var id = new Argument<string>("id") { Description = "The exception's id (as listed)" };
        var by = new Option<string>("--by")
        {
            Description = "Who is acting, recorded in the exception's history (default: the current user name)",
            HelpName = "NAME",
            DefaultValueFactory = _ => Environment.UserName,
        };
        var note = new Option<string?>("--note") { Description = "Why, recorded in the exception's history", HelpName = "TEXT" };
        var command = new Command(name, description) { owner, id, by, note };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var who = parse.GetValue(by);
            if (string.IsNullOrWhiteSpace(who)) throw new UsageException("--by must name who is acting");
            var o = parse.GetValue(owner)!;
            var i = parse.GetValue(id)!;
            var answer = await cli.Api.PostAsync($"api/exceptions/{Route.Segment(o)}/{Route.Segment(i)}/{route}",
                new TransitionRequest(who, parse.GetValue(note)), ct);
            if (cli.Json) cli.WriteJson(answer);
            else cli.WriteLine(ExceptionsView.RenderChange(done, o, i, answer));
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail replay raw|pos: re-deliver archived Shopify webhooks, or process an uploaded POS batch again.</summary>
public static class ReplayCommands
{
    /// <summary>The body of POST /api/replay/raw; members left null are not sent.</summary>
    public sealed record RawReplayRequest(string Shop, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<string>? Blobs);

    private const string ArchiveContainer = "raw-archive";

    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("replay", "Send archived inbound payloads through the pipeline again, after a mapping or handler fix.");
        command.Subcommands.Add(Raw(globals, terminal));
        command.Subcommands.Add(Pos(globals, terminal));
        return command;
    }

    private static Command Pos(GlobalOptions globals, Terminal terminal)
    {
        var batch = new Argument<string>("batchId") { Description = "The POS batch to process again" };
        var command = new Command("pos",
            "Process an uploaded POS batch again from its archived upload, as a new batch (POST /api/replay/pos/{batchId}): what was applied is a no-op, " +
            "what a pilot flow that was off only archived is applied now.") { batch };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var id = parse.GetValue(batch)!.Trim();
            if (id.Length == 0 || id.Any(c => c is '/' or '?' or '#')) throw new UsageException($"'{parse.GetValue(batch)}' is not a batch id");
            var answer = await cli.Api.PostAsync($"api/replay/pos/{Uri.EscapeDataString(id)}", new { }, ct);
            if (cli.Json) cli.WriteJson(answer);
            else cli.WriteLine(Values.Cell($"batch {id} is being processed again as batch {answer.Text("batchId")}: retail batch {answer.Text("batchId")}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Raw(GlobalOptions globals, Terminal terminal)
    {
        var shop = new Option<string>("--shop") { Description = "The shop domain whose webhooks to replay (e.g. demo.myshopify.com)", HelpName = "SHOP", Required = true };
        var from = new Option<string?>("--from") { Description = "Only webhooks archived at or after this ISO 8601 time (UTC unless an offset is given)", HelpName = "ISO" };
        var to = new Option<string?>("--to") { Description = "Only webhooks archived before this ISO 8601 time", HelpName = "ISO" };
        var blobs = new Option<string[]>("--blob")
        {
            Description = "Only this archived blob (repeatable; an exception's payload reference works as is)",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("raw",
            "Re-deliver archived Shopify webhooks of a shop through the pipeline (POST /api/replay/raw), chosen by --blob or by a --from/--to " +
            "range of archive days. Effects stay exactly-once: what was applied before is not applied twice.") { shop, from, to, blobs };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var request = BuildRawRequest(parse.GetValue(shop), parse.GetValue(from), parse.GetValue(to), parse.GetValue(blobs));
            var answer = await cli.Api.PostAsync("api/replay/raw", request, ct);
            if (cli.Json) cli.WriteJson(answer);
            else cli.WriteLine(RawReplayView.Render(request.Shop, answer));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Checks the shop and the time window; a UsageException says what is wrong.</summary>
    public static RawReplayRequest BuildRawRequest(string? shop, string? from, string? to, IReadOnlyList<string>? blobs)
    {
        if (string.IsNullOrWhiteSpace(shop)) throw new UsageException("--shop is required");
        var start = Time(from, "--from");
        var end = Time(to, "--to");
        if (start is { } s && end is { } e && s > e) throw new UsageException($"--from ({from}) is after --to ({to})");
        // An exception's payload reference names the container too (raw-archive/shopify/...); the route wants the blob name.
        var names = blobs?.Where(b => !string.IsNullOrWhiteSpace(b))
            .Select(b => b.Trim().StartsWith(ArchiveContainer + "/", StringComparison.Ordinal) ? b.Trim()[(ArchiveContainer.Length + 1)..] : b.Trim())
            .ToList();
        if (names is not { Count: > 0 } && start is null && end is null)
            throw new UsageException("say which archived webhooks to replay: --blob NAME (repeatable), or a --from/--to range");
        return new RawReplayRequest(shop.Trim(), start, end, names is { Count: > 0 } ? names : null);
    }

    private static DateTimeOffset? Time(string? value, string option)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new UsageException($"{option} '{value}' is not an ISO 8601 time (e.g. 2026-11-20T10:00:00Z)");
    }
}

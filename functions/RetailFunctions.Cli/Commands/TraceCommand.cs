using System.CommandLine;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail trace {orderId|transaction}: an order's business timeline, found by its id or by a channel's reference.</summary>
public static class TraceCommand
{
    /// <summary>The channels tried, in order, when the argument is not an order id.</summary>
    public static readonly string[] Channels = ["shopify", "pos", "app", "marketplace", "curbside"];

    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var reference = new Argument<string>("order")
        {
            Description = "The order id (web-chaos-shop-myshopify-com-5100000001, pos-101-1-20261121-7), a web-store order id or name (#1001), " +
                "a till receipt (101-1-20261121-7 or store-sequence 101-7), or an app, marketplace or curbside order id",
        };
        var channel = new Option<string?>("--channel") { Description = $"Look the reference up in this channel only ({string.Join(", ", Channels)})", HelpName = "CHANNEL" }
            .AcceptOnlyFromAmong(Channels);
        var command = new Command("trace",
            "Show an order's business timeline as a table: status changes with their cause, payments, shipments (stage, location, " +
            "reservations, pickup deadline), returns, refunds and the exceptions that name the order (GET /api/orders/{id} or " +
            "/api/orders/by-channel/{channel}/{reference}, and GET /api/exceptions). Exit code 1 when no order is known by that reference.")
        {
            reference, channel,
        };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var wanted = parse.GetValue(reference)!.Trim();
            if (wanted.Length == 0) throw new UsageException("name an order id, a web-store order or a till receipt");
            var only = parse.GetValue(channel);
            var order = await FindAsync(cli.Api, wanted, only, ct);
            if (order is not { } found)
                throw new UsageException($"no order known as '{wanted}' (tried it as an order id{(only is null ? "" : "")} and as a {(only ?? string.Join(", ", Channels))} reference)");
            var exceptions = await cli.Api.GetAsync("api/exceptions?max=5000", ct);
            var related = exceptions.ValueKind == JsonValueKind.Array ? exceptions.EnumerateArray().Where(e => TraceView.Names(e, found)).ToList() : [];
            if (cli.Json) cli.WriteJson(new { order = found, exceptions = related });
            else cli.WriteLine(TraceView.Render(found, TraceView.Timeline(found, related)));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<JsonElement?> FindAsync(RuntimeApi api, string wanted, string? channel, CancellationToken ct)
    {
        if (channel is null)
        {
            var direct = await api.SendAsync(HttpMethod.Get, $"api/orders/{Route.Segment(wanted)}", null, ct);
            if (direct.IsSuccess) return direct.Json();
            if (direct.Status != 404) direct.EnsureSuccess();
        }
        foreach (var c in channel is null ? Channels : [channel])
        {
            var byChannel = await api.SendAsync(HttpMethod.Get, $"api/orders/by-channel/{c}/{Route.Segment(wanted)}", null, ct);
            if (byChannel.IsSuccess) return byChannel.Json();
            if (byChannel.Status != 404) byChannel.EnsureSuccess();
        }
        return null;
    }
}

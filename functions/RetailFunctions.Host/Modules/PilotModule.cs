using System.Globalization;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Host.Api;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Modules;

/// <summary>Pilot rollout in the local runtime: per-flow switches by chain, region and store, and the shadow report.</summary>
public static class PilotModule
{
    public static IServiceCollection AddPilot(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(PilotSettings.Options(configuration));
        services.AddSingleton<IPilotStore, TablePilotStore>();
        services.AddSingleton<PilotGate>();
        services.AddSingleton<PilotCatchUp>();
        return services;
    }

    public static RouteGroupBuilder MapPilot(this RouteGroupBuilder api)
    {
        api.MapPilotEndpoints();
        return api;
    }
}

/// <summary>
/// <c>Pilot:Switches</c>: one setting (an app setting or Key Vault reference in Azure) listing "SCOPE:FLOW=MODE"
/// switches separated by ';'; <c>Pilot:RefreshSeconds</c>: how soon an operator's change reaches every instance.
/// </summary>
public static class PilotSettings
{
    public static PilotOptions Options(IConfiguration config)
    {
        IReadOnlyList<PilotSwitch> switches;
        try
        {
            switches = PilotFlows.ParseList(config["Pilot:Switches"]);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"Pilot:Switches: {e.Message}", e);
        }
        var refresh = double.TryParse(config["Pilot:RefreshSeconds"], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : PilotOptions.AllOn.RefreshInterval;
        return new PilotOptions(switches, refresh);
    }
}

/// <summary>Reading and changing the pilot's switches, and the shadow report an operator reads before switching a store on.</summary>
public static class PilotEndpoints
{
    /// <summary>The role allowed to change a switch: the operations team that owns the rollout.</summary>
    public const string ChangeRole = Owners.Ops;

    public sealed record SwitchRequest(string? Scope, string? Flow, string? Mode, string? Reason);

    public static void MapPilotEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/pilot/switches", async (PilotGate gate, PilotOptions options, IPilotStore store, CancellationToken ct) =>
        {
            var board = await gate.BoardAsync(ct);
            return Results.Ok(new
            {
                effective = board.Switches.Select(s => s.ToString()),
                settings = options.Settings.Select(s => s.ToString()),
                changes = (await store.ListSwitchesAsync(ct)).Select(Describe),
            });
        }).WithSummary("The switches in force: from settings, and operators' changes over them");

        api.MapGet("/pilot/switches/history", async (int? max, IPilotStore store, CancellationToken ct) =>
                Results.Ok((await store.HistoryAsync(Math.Clamp(max ?? 200, 1, 5000), ct)).Select(Describe)))
            .WithSummary("Who changed which switch, when and why, newest first");

        api.MapPut("/pilot/switches", async (SwitchRequest request, HttpContext context, IPilotStore store, PilotGate gate, PilotCatchUp catchUp,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (!string.Equals(Caller.Role(context), ChangeRole, StringComparison.OrdinalIgnoreCase))
                return Http.Problem(StatusCodes.Status403Forbidden, "Not permitted", $"changing a pilot switch needs the role '{ChangeRole}'",
                    InventoryEndpoints.RoleHeader);
            if (Parse(request) is not { } parsed)
                return Http.Problem(StatusCodes.Status400BadRequest, "Missing field", "scope, flow and mode are required", "scope");
            if (parsed.Error is { } error)
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid switch", error.Message, error.Field);
            var change = new PilotSwitchChange(parsed.Switch!, Caller.Actor(context), clock.GetUtcNow(), request.Reason);
            await store.SaveSwitchAsync(change, ct);
            gate.Invalidate();
            var caughtUp = await catchUp.AfterChangeAsync(change, ct);
            return Results.Ok(new { change = Describe(change), availabilityPushesQueued = caughtUp });
        }).WithSummary("Set one flow (or '*') to off, shadow or on for the chain, a region or a store; audited, effective everywhere within " +
            "seconds; turning availability on pushes the latest figure of what shadow withheld");

        api.MapGet("/pilot/mode", async (string? flow, string? location, PilotGate gate, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(flow))
                return Http.Problem(StatusCodes.Status400BadRequest, "Missing field", "flow is required", "flow");
            PilotFlow parsed;
            try
            {
                parsed = PilotFlows.ParseFlow(flow) ?? throw new FormatException("name one flow, not '*'");
            }
            catch (FormatException e)
            {
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid flow", e.Message, "flow");
            }
            return Results.Ok(new { flow = PilotFlows.Name(parsed), location, mode = PilotFlows.Name(await gate.ModeAsync(parsed, location, ct)) });
        }).WithSummary("The mode a flow has at a location, as every handler sees it");

        api.MapGet("/pilot/shadow/availability", async (string? location, IPilotStore store, CancellationToken ct) =>
        {
            var rows = await store.ShadowAvailabilityAsync(location, ct);
            return Results.Ok(new
            {
                location,
                skus = rows.Count,
                differing = rows.Count(r => r.Difference is not null and not 0m),
                unknownAtWebStore = rows.Count(r => r.WouldPush is not null && r.WebStoreReports is null),
                rows = rows.Select(r => new
                {
                    r.Sku, r.Location, r.WouldPush, r.Version, r.ComparedAt, r.WebStoreReports, r.ReportedAt, r.Difference,
                }),
            });
        }).WithSummary("Shadow report: what availability would have been pushed, against the web store's own figure, per SKU and location");
    }

    private sealed record ParsedSwitch(PilotSwitch? Switch, (string Field, string Message)? Error);

    private static ParsedSwitch? Parse(SwitchRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Scope) || string.IsNullOrWhiteSpace(request.Flow) || string.IsNullOrWhiteSpace(request.Mode)) return null;
        var field = "scope";
        try
        {
            var scope = PilotScope.Parse(request.Scope);
            field = "flow";
            var flow = PilotFlows.ParseFlow(request.Flow);
            field = "mode";
            return new ParsedSwitch(new PilotSwitch(scope, flow, PilotFlows.ParseMode(request.Mode)), null);
        }
        catch (FormatException e)
        {
            return new ParsedSwitch(null, (field, e.Message));
        }
    }

    private static object Describe(PilotSwitchChange change) => new
    {
        scope = change.Switch.Scope.ToString(),
        flow = PilotFlows.Name(change.Switch.Flow),
        mode = PilotFlows.Name(change.Switch.Mode),
        changedBy = change.ChangedBy,
        changedAt = change.ChangedAt,
        reason = change.Reason,
    };
}

using System.Globalization;

namespace RetailFunctions.Domain.Rollout;

/// <summary>The flows a pilot turns on one at a time, in the order retailers usually phase them.</summary>
public enum PilotFlow
{
    TillStock,
    AvailabilityPush,
    WebOrders,
    TillOrders,
    Customers,
    Journal,
    Reconciliation,
}

/// <summary>
/// Off: events are archived and acknowledged, nothing else. Shadow: processed into our own records and compared, but
/// nothing is pushed to or posted in another system. On: everything.
/// </summary>
public enum FlowMode
{
    Off,
    Shadow,
    On,
}

/// <summary>Where a switch applies: the whole chain, a region (a property of a location) or one store.</summary>
public abstract record PilotScope
{
    private PilotScope() { }

    /// <summary>How specific a scope is: a store's switch beats its region's, which beats the chain's.</summary>
    public abstract int Specificity { get; }

    /// <summary>Whether the scope takes in a location (null when the event names none) in a region.</summary>
    public abstract bool Covers(string? location, string? region);

    public sealed record Chain : PilotScope
    {
        public override int Specificity => 0;
        public override bool Covers(string? location, string? region) => true;
        public override string ToString() => "chain";
    }

    public sealed record Region(string Name) : PilotScope
    {
        public override int Specificity => 1;
        public override bool Covers(string? location, string? region) =>
            region is not null && string.Equals(Name, region, StringComparison.OrdinalIgnoreCase);
        public override string ToString() => $"region:{Name}";
    }

    public sealed record Store(string Location) : PilotScope
    {
        public override int Specificity => 2;
        public override bool Covers(string? location, string? region) =>
            location is not null && string.Equals(Location, location, StringComparison.OrdinalIgnoreCase);
        public override string ToString() => $"store:{Location}";
    }

    /// <summary>"chain", "region:NAME" or "store:LOCATION".</summary>
    public static PilotScope Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Equals("chain", StringComparison.OrdinalIgnoreCase)) return new Chain();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var (kind, name) = colon < 0 ? (trimmed, "") : (trimmed[..colon], trimmed[(colon + 1)..].Trim());
        if (name.Length == 0)
            throw new FormatException($"scope '{text}' is not 'chain', 'region:NAME' or 'store:LOCATION'");
        return kind.ToLowerInvariant() switch
        {
            "region" => new Region(name),
            "store" => new Store(name),
            _ => throw new FormatException($"scope '{text}' is not 'chain', 'region:NAME' or 'store:LOCATION'"),
        };
    }
}

/// <summary>One switch: a mode for one flow, or for every flow (Flow null), in one scope.</summary>
public sealed record PilotSwitch(PilotScope Scope, PilotFlow? Flow, FlowMode Mode)
{
    /// <summary>The switch's identity: a later switch with the same key replaces it.</summary>
    public string Key => $"{Scope}|{PilotFlows.Name(Flow)}";

    public override string ToString() => $"{Scope}:{PilotFlows.Name(Flow)}={PilotFlows.Name(Mode)}";
}

/// <summary>The names used in settings, the API and the CLI: kebab-case flows, "*" for every flow.</summary>
public static class PilotFlows
{
    public const string AllFlows = "*";

    public static string Name(PilotFlow? flow) => flow switch
    {
        null => AllFlows,
        PilotFlow.TillStock => "till-stock",
        PilotFlow.AvailabilityPush => "availability-push",
        PilotFlow.WebOrders => "web-orders",
        PilotFlow.TillOrders => "till-orders",
        PilotFlow.Customers => "customers",
        PilotFlow.Journal => "journal",
        PilotFlow.Reconciliation => "reconciliation",
        _ => throw new ArgumentOutOfRangeException(nameof(flow), flow, null),
    };

    public static string Name(FlowMode mode) => mode.ToString().ToLowerInvariant();

    public static PilotFlow? ParseFlow(string text)
    {
        var trimmed = text.Trim();
        if (trimmed is AllFlows or "all") return null;
        foreach (var flow in Enum.GetValues<PilotFlow>())
            if (string.Equals(Name(flow), trimmed, StringComparison.OrdinalIgnoreCase)) return flow;
        throw new FormatException(
            $"flow '{text}' is not one of {string.Join(", ", Enum.GetValues<PilotFlow>().Select(f => Name(f)))} or '*'");
    }

    public static FlowMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "off" => FlowMode.Off,
        "shadow" => FlowMode.Shadow,
        "on" => FlowMode.On,
        _ => throw new FormatException($"mode '{text}' is not off, shadow or on"),
    };

    /// <summary>
    /// One switch as written in settings: "SCOPE:FLOW=MODE", e.g. "store:STORE-12:availability-push=shadow",
    /// "region:NORTH:*=off", "chain:*=on". The flow is the last ':'-separated part, so a scope's name may hold ':'.
    /// </summary>
    public static PilotSwitch ParseSwitch(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0) throw new FormatException($"switch '{text.Trim()}' has no '=MODE'");
        var target = text[..equals];
        var lastColon = target.LastIndexOf(':');
        if (lastColon < 0) throw new FormatException($"switch '{text.Trim()}' is not SCOPE:FLOW=MODE");
        return new PilotSwitch(PilotScope.Parse(target[..lastColon]), ParseFlow(target[(lastColon + 1)..]), ParseMode(text[(equals + 1)..]));
    }

    /// <summary>A list of switches separated by ';' or new lines (one app setting holds them all).</summary>
    public static IReadOnlyList<PilotSwitch> ParseList(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : [.. text.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseSwitch)];
}

/// <summary>
/// Every switch in force, and the rule that picks one: the most specific scope that names the location wins (store,
/// then its region, then the chain); within one scope a switch for the flow beats one for every flow. With no switch
/// at all a flow is on, so a retailer who never pilots sees no difference.
/// </summary>
public sealed record PilotSwitchboard(IReadOnlyList<PilotSwitch> Switches)
{
    public static readonly PilotSwitchboard AllOn = new([]);

    /// <summary>Settings first, operators' changes over them: the later switch with the same key wins.</summary>
    public static PilotSwitchboard Combine(IEnumerable<PilotSwitch> settings, IEnumerable<PilotSwitch> changes)
    {
        var byKey = new Dictionary<string, PilotSwitch>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in settings.Concat(changes)) byKey[s.Key] = s;
        return new PilotSwitchboard([.. byKey.Values.OrderBy(s => s.Scope.Specificity).ThenBy(s => s.Key, StringComparer.Ordinal)]);
    }

    /// <summary>The mode of a flow at a location (null: no location known, so only the chain's switches apply).</summary>
    public FlowMode ModeFor(PilotFlow flow, string? location, string? region) =>
        Deciding(flow, location, region)?.Mode ?? FlowMode.On;

    /// <summary>The switch that decides, or null when none applies (the flow is on).</summary>
    public PilotSwitch? Deciding(PilotFlow flow, string? location, string? region) =>
        Switches
            .Where(s => s.Flow is null || s.Flow == flow)
            .Where(s => s.Scope.Covers(location, region))
            .OrderByDescending(s => s.Scope.Specificity)
            .ThenByDescending(s => s.Flow is not null)
            .FirstOrDefault();

    public override string ToString() => string.Join("; ", Switches.Select(s => s.ToString()));
}

/// <summary>An operator's change of one switch, kept with who made it, when and why.</summary>
public sealed record PilotSwitchChange(PilotSwitch Switch, string ChangedBy, DateTimeOffset ChangedAt, string? Reason)
{
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{ChangedAt:O} {ChangedBy} set {Switch}{(Reason is null ? "" : $" ({Reason})")}");
}

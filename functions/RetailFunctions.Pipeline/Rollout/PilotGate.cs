using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Rollout;

/// <summary>The switches from settings (<c>Pilot:Switches</c>) and how often each instance reads operators' changes.</summary>
public sealed record PilotOptions(IReadOnlyList<PilotSwitch> Settings, TimeSpan RefreshInterval)
{
    public static readonly PilotOptions AllOn = new([], TimeSpan.FromSeconds(2));
}

/// <summary>Operators' switch changes with their audit trail, and what shadow mode compared.</summary>
public interface IPilotStore
{
    Task<IReadOnlyList<PilotSwitchChange>> ListSwitchesAsync(CancellationToken cancellationToken);
    /// <summary>Saves the switch and its audit record in one write.</summary>
    Task SaveSwitchAsync(PilotSwitchChange change, CancellationToken cancellationToken);
    Task<IReadOnlyList<PilotSwitchChange>> HistoryAsync(int max, CancellationToken cancellationToken);
    Task RecordShadowPushAsync(ShadowPush push, CancellationToken cancellationToken);
    Task RecordShadowObservationAsync(string sku, string location, decimal? reported, DateTimeOffset observedAt, CancellationToken cancellationToken);
    Task<IReadOnlyList<ShadowAvailability>> ShadowAvailabilityAsync(string? location, CancellationToken cancellationToken);
}

/// <summary>A figure shadow mode would have pushed to a channel, instead of pushing it.</summary>
public sealed record ShadowPush(string Sku, string Location, string Channel, decimal Available, long Version, DateTimeOffset At);

/// <summary>One line of the shadow report: our figure against the web store's own, per SKU and location.</summary>
public sealed record ShadowAvailability(
    string Sku, string Location, decimal? WouldPush, long? Version, DateTimeOffset? ComparedAt, decimal? WebStoreReports, DateTimeOffset? ReportedAt)
{
    /// <summary>Ours minus the web store's, when both are known: what switching on would change there.</summary>
    public decimal? Difference => WouldPush is { } ours && WebStoreReports is { } theirs ? ours - theirs : null;
}

/// <summary>
/// Answers "is this flow on, in shadow or off here?" for every event. The switchboard (settings, then operators'
/// changes) and the locations' aliases and regions are read at most once per refresh interval, so a change made on
/// any instance takes effect everywhere within seconds without a restart, at a cost of two reads per interval rather
/// than one per event. With no switch at all, every flow is on.
/// </summary>
public sealed class PilotGate(IPilotStore store, ICatalogStore? catalog, PilotOptions options, TimeProvider clock)
{
    /// <summary>A gate with no switches and nowhere to keep any: every flow on (handlers' unit tests, hosts without pilots).</summary>
    public static PilotGate AllOn(TimeProvider clock) => new(NoPilotStore.Instance, null, PilotOptions.AllOn, clock);

    private sealed record Snapshot(PilotSwitchboard Board, LocationDirectory Locations, DateTimeOffset ReadAt);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _current;

    /// <summary>The mode of a flow for an event at a canonical location (null: the event names none).</summary>
    public async ValueTask<FlowMode> ModeAsync(PilotFlow flow, string? location, CancellationToken ct)
    {
        var snapshot = await CurrentAsync(ct);
        return snapshot.Board.ModeFor(flow, location, snapshot.Locations.RegionOf(location));
    }

    /// <summary>The mode of a flow for an event that names a location by another system's id (a till's store number).</summary>
    public async ValueTask<(FlowMode Mode, string? Location)> ModeByAliasAsync(PilotFlow flow, string system, string? alias, CancellationToken ct)
    {
        var snapshot = await CurrentAsync(ct);
        var location = snapshot.Locations.Resolve(system, alias);
        return (snapshot.Board.ModeFor(flow, location, snapshot.Locations.RegionOf(location)), location);
    }

    public async Task<PilotSwitchboard> BoardAsync(CancellationToken ct) => (await CurrentAsync(ct)).Board;

    /// <summary>The locations as of the last read (refreshed like the switches): their aliases, regions and time zones.</summary>
    public async ValueTask<LocationDirectory> LocationsAsync(CancellationToken ct) => (await CurrentAsync(ct)).Locations;

    /// <summary>
    /// A location's region for metrics' dimensions, as of the last read (empty before the first, or when it has
    /// none): the pilot's health is watched per store and per region.
    /// </summary>
    public string RegionTag(string? location) => _current?.Locations.RegionOf(location) ?? "";

    public Task RecordShadowPushAsync(ShadowPush push, CancellationToken ct) => store.RecordShadowPushAsync(push, ct);

    public Task RecordShadowObservationAsync(string sku, string location, decimal? reported, DateTimeOffset observedAt, CancellationToken ct) =>
        store.RecordShadowObservationAsync(sku, location, reported, observedAt, ct);

    /// <summary>Reads again at the next question: after a change made through this instance, it applies at once.</summary>
    public void Invalidate() => _current = null;

    private async ValueTask<Snapshot> CurrentAsync(CancellationToken ct)
    {
        var current = _current;
        if (current is not null && clock.GetUtcNow() - current.ReadAt < options.RefreshInterval) return current;
        await _refresh.WaitAsync(ct);
        try
        {
            current = _current;
            if (current is not null && clock.GetUtcNow() - current.ReadAt < options.RefreshInterval) return current;
            var changes = await store.ListSwitchesAsync(ct);
            var board = PilotSwitchboard.Combine(options.Settings, changes.OrderBy(c => c.ChangedAt).Select(c => c.Switch));
            var locations = catalog is null ? LocationDirectory.Empty : LocationDirectory.Of(await catalog.ListLocationsAsync(ct));
            _current = current = new Snapshot(board, locations, clock.GetUtcNow());
            return current;
        }
        finally
        {
            _refresh.Release();
        }
    }
}

/// <summary>Locations by their other systems' ids, their regions, and their time zones (which date their money).</summary>
public sealed class LocationDirectory
{
    public static readonly LocationDirectory Empty = new([]);

    private readonly Dictionary<string, string?> _regions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, TimeZoneInfo> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string, string), string> _aliases = [];

    private LocationDirectory(IEnumerable<Location> locations)
    {
        foreach (var location in locations)
        {
            _regions[location.Id] = location.Region;
            _zones[location.Id] = BusinessDays.ZoneOf(location);
            foreach (var alias in location.Aliases)
                _aliases[(alias.System.ToLowerInvariant(), alias.Value)] = location.Id;
        }
    }

    public static LocationDirectory Of(IEnumerable<Location> locations) => new(locations);

    /// <summary>A location's time zone; UTC for a location that names none or is not known.</summary>
    public TimeZoneInfo TimeZoneOf(string? location) =>
        location is not null && _zones.TryGetValue(location, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The business day at a canonical location of a moment: its local date there.</summary>
    public DateOnly BusinessDay(string? location, DateTimeOffset at) => BusinessDays.Of(at, TimeZoneOf(location));

    public string? RegionOf(string? location) => location is not null && _regions.TryGetValue(location, out var region) ? region : null;

    /// <summary>The canonical location an alias names; an id that is already canonical stands for itself.</summary>
    public string? Resolve(string system, string? alias) =>
        alias is null ? null
        : _aliases.TryGetValue((system.ToLowerInvariant(), alias), out var id) ? id
        : _regions.ContainsKey(alias) ? alias
        : alias;
}

/// <summary>No switches, and no place to keep them or shadow figures.</summary>
internal sealed class NoPilotStore : IPilotStore
{
    public static readonly NoPilotStore Instance = new();

    public Task<IReadOnlyList<PilotSwitchChange>> ListSwitchesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<PilotSwitchChange>>([]);

    public Task SaveSwitchAsync(PilotSwitchChange change, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("this host keeps no pilot switches");

    public Task<IReadOnlyList<PilotSwitchChange>> HistoryAsync(int max, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<PilotSwitchChange>>([]);

    public Task RecordShadowPushAsync(ShadowPush push, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RecordShadowObservationAsync(string sku, string location, decimal? reported, DateTimeOffset observedAt, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<IReadOnlyList<ShadowAvailability>> ShadowAvailabilityAsync(string? location, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ShadowAvailability>>([]);
}

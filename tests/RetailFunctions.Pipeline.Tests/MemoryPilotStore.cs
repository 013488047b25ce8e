using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>The pilot store's contract in memory: operators' switches with their audit, and shadow figures.</summary>
public sealed class MemoryPilotStore(IEnumerable<PilotSwitch>? switches = null) : IPilotStore
{
    private readonly Lock _gate = new();
    private readonly List<PilotSwitchChange> _history =
        [.. (switches ?? []).Select(s => new PilotSwitchChange(s, "test", DateTimeOffset.UnixEpoch, null))];
    private readonly Dictionary<(string Sku, string Location), ShadowAvailability> _shadow = [];

    public int Reads { get; private set; }

    public Task<IReadOnlyList<PilotSwitchChange>> ListSwitchesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Reads++;
            IReadOnlyList<PilotSwitchChange> latest = [.. _history.GroupBy(c => c.Switch.Key).Select(g => g.Last())];
            return Task.FromResult(latest);
        }
    }

    public Task SaveSwitchAsync(PilotSwitchChange change, CancellationToken cancellationToken)
    {
        lock (_gate) _history.Add(change);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PilotSwitchChange>> HistoryAsync(int max, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<PilotSwitchChange>>([.. _history.AsEnumerable().Reverse().Take(max)]);
    }

    public Task RecordShadowPushAsync(ShadowPush push, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var row = _shadow.GetValueOrDefault((push.Sku, push.Location)) ?? new ShadowAvailability(push.Sku, push.Location, null, null, null, null, null);
            _shadow[(push.Sku, push.Location)] = row with { WouldPush = push.Available, Version = push.Version, ComparedAt = push.At };
        }
        return Task.CompletedTask;
    }

    public Task RecordShadowObservationAsync(string sku, string location, decimal? reported, DateTimeOffset observedAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var row = _shadow.GetValueOrDefault((sku, location)) ?? new ShadowAvailability(sku, location, null, null, null, null, null);
            _shadow[(sku, location)] = row with { WebStoreReports = reported, ReportedAt = observedAt };
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ShadowAvailability>> ShadowAvailabilityAsync(string? location, CancellationToken cancellationToken)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<ShadowAvailability>>([.. _shadow.Values.Where(r => location is null || r.Location == location)]);
    }
}

using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Rollout;

/// <summary>
/// What a switch to "on" owes the other systems. Availability withheld in shadow is pushed now, latest figure only,
/// for every SKU the shadow report holds at the locations the switch covers (the push re-checks the mode, so a more
/// specific switch still holding a store back wins). Events archived while a flow was off are caught up by the
/// raw-archive and POS-batch replays, whose effects are idempotent.
/// </summary>
public sealed class PilotCatchUp(IPilotStore store, ICatalogStore catalog, IMessageSender sender, TimeProvider clock)
{
    public async Task<int> AfterChangeAsync(PilotSwitchChange change, CancellationToken ct)
    {
        var turnedOn = change.Switch;
        if (turnedOn.Mode != FlowMode.On || turnedOn.Flow is not (null or PilotFlow.AvailabilityPush)) return 0;
        var rows = await store.ShadowAvailabilityAsync(null, ct);
        if (rows.Count == 0) return 0;
        var locations = LocationDirectory.Of(await catalog.ListLocationsAsync(ct));
        var pushes = 0;
        foreach (var row in rows.Where(r => turnedOn.Scope.Covers(r.Location, locations.RegionOf(r.Location))))
        {
            await sender.SendAsync(QueueNames.ChannelAvailability,
                AvailabilityEnvelopes.Create(row.Sku, row.Location, clock.GetUtcNow(), $"pilot:{change.ChangedAt.UtcTicks}", force: true), ct);
            pushes++;
        }
        return pushes;
    }
}

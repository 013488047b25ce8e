using System.Globalization;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>
/// Executes inventory commands and, when a location's availability changed, sends the availability message that
/// wakes the channel push. The outbox row written with the change is the durable record; the message is the nudge,
/// and only the first change after a push sends one, so a burst of changes becomes one push of the latest figure.
/// </summary>
public sealed class InventoryService(IInventoryStore store, IMessageSender sender, PilotGate pilot, TimeProvider clock)
{
    private readonly StockGroupCommit _ledger = new(store);

    public async Task<InventoryResult> ExecuteAsync(InventoryCommand command, CancellationToken ct) => (await ExecuteAllAsync([command], ct))[0];

    /// <summary>Many commands (a POS chunk's lines): each SKU's are written together; one nudge per location that needs a push.</summary>
    public async Task<IReadOnlyList<InventoryResult>> ExecuteAllAsync(IReadOnlyList<InventoryCommand> commands, CancellationToken ct)
    {
        var results = await _ledger.ExecuteAllAsync(commands, ct);
        var nudges = new List<Envelope>();
        for (var i = 0; i < commands.Count; i++)
        {
            var (command, result) = (commands[i], results[i]);
            // The ledger refuses such reservations; this is the alarm should that rule ever be broken.
            if (command is InventoryCommand.Reserve { MayOversell: false } reserve && result.Outcome == CommandOutcome.Applied
                && result.Levels.FirstOrDefault(l => l.Location == reserve.Location) is { } level && level.OnHand - level.Reserved < 0m)
                PipelineTelemetry.OversellUnits.Add((double)Math.Min(reserve.Quantity, level.Reserved - level.OnHand),
                    new KeyValuePair<string, object?>("channel", reserve.Channel), new KeyValuePair<string, object?>("location", reserve.Location),
                    new KeyValuePair<string, object?>("region", pilot.RegionTag(reserve.Location)));
            nudges.AddRange(result.PushNeeded.Select(location => AvailabilityEnvelopes.Create(command.Sku, location, clock.GetUtcNow(), command.IdempotencyKey,
                version: result.Levels.FirstOrDefault(l => l.Location == location)?.Version)));
        }
        // A command found already applied is a redelivery, and so is a reservation command that finds its reservation
        // already made or ended (a no-op): the delivery that wrote it may have died before its nudge went out, and a
        // location that owes a push sends no further nudge of its own. So every location of the SKU still owing one is
        // nudged again (a push of a figure the channels already have is skipped by the handler). An expiry not yet due
        // is a no-op too; it costs the read.
        foreach (var command in commands.Where((_, i) => results[i].Outcome is CommandOutcome.AlreadyApplied or CommandOutcome.NoOp).DistinctBy(c => c.Sku))
            nudges.AddRange((await store.GetStockAsync(command.Sku, ct)).Where(OwesAPush)
                .Select(stock => AvailabilityEnvelopes.Create(command.Sku, stock.Level.Location, clock.GetUtcNow(), command.IdempotencyKey)));
        // Many SKUs changed at once (a till upload, an order's lines): their nudges go out together.
        if (nudges.Count > 0) await sender.SendAllAsync(QueueNames.ChannelAvailability, nudges, ct);
        return results;
    }

    private static bool OwesAPush(LocationStock stock) => stock.PushedVersion < stock.Level.Version;
}

public static class AvailabilityEnvelopes
{
    /// <summary>Push even when the channels are believed current: a channel reported a figure that disagrees.</summary>
    public const string ForceKey = "force";

    /// <summary>The level's version the change that sent the message left: still that version later, the level stood still.</summary>
    public const string VersionKey = "version";

    public static Envelope Create(string sku, string location, DateTimeOffset at, string causation, bool force = false, long? version = null)
    {
        var keys = new Dictionary<string, string> { [BusinessKeys.Sku] = sku, [BusinessKeys.Location] = location };
        if (force) keys[ForceKey] = "true";
        if (version is { } v) keys[VersionKey] = v.ToString(CultureInfo.InvariantCulture);
        return new(Guid.CreateVersion7(at).ToString("N"), MessageTypes.AvailabilityChanged, $"availability:{sku}:{location}:{at.UtcTicks}",
            causation, causation, keys, at, "inventory", Payload: null);
    }
}

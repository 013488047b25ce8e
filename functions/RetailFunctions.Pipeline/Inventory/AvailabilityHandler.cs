using System.Globalization;
using System.Text.Json;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>
/// Brings the channels up to date with a location's stock. A push waits for the level to settle (no change for the
/// coalescing window, or the cap since the burst began) and then pushes the latest level, not the change that woke
/// it: a burst inside one window is one push whatever the scheduling, and a steady stream one push per cap. It marks
/// the version pushed only if the level has not moved meanwhile, and otherwise settles and pushes again (even when
/// another consumer has pushed the newer version since: the older push may have landed after it). Crossing the
/// reorder point raises a low-stock alert.
/// </summary>
public sealed class AvailabilityHandler(
    IInventoryStore inventory,
    IEnumerable<IChannelPublisher> publishers,
    IAlertStore alerts,
    IMessageSender sender,
    PilotGate pilot,
    InventoryOptions options,
    TimeProvider clock)
{
    private const int MaxRounds = 4;

    /// <summary>
    /// One push per SKU and location at a time in this process: a second consumer waits, then finds the latest figure
    /// already pushed, instead of racing the first one and pushing it again. Settling happens outside it.
    /// </summary>
    private readonly StripedLock _pushers = new(PusherStripes);
    private const int PusherStripes = 256;

    /// <summary>Marks made per stripe of <see cref="_pushers"/>: unchanged since a consumer's settling read, that read is still the latest.</summary>
    private readonly long[] _marks = new long[PusherStripes];

    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        var sku = message.Envelope.Key(BusinessKeys.Sku);
        var location = message.Envelope.Key(BusinessKeys.Location);
        if (sku is null || location is null)
            return new HandlerOutcome.Poison("availability message without sku and location keys");

        if (await pilot.ModeAsync(PilotFlow.AvailabilityPush, location, ct) is var mode and not FlowMode.On)
            return new HandlerOutcome.Completed(await WithheldAsync(sku, location, mode, ct));

        // A message delivered again follows a consumer that may have pushed an older figure and stopped (killed, or
        // storage gone) before marking it, while another marked a newer one: the channel may show the older figure, so
        // the marks prove nothing and the latest level is pushed again.
        var force = message.Envelope.Key(AvailabilityEnvelopes.ForceKey) == "true" || message.DequeueCount > 1;
        var log = new List<string>();
        // Only the first change after a push sends a message, so the burst began when this one was sent.
        var burstBegan = message.Envelope.OccurredAt;
        // The latest version a round saw: kept rows at least that new will do for the next round, as the message's do for the first.
        long? seen = null;
        for (var round = 1; round <= MaxRounds; round++)
        {
            var recheck = round == 1 && !force;
            var key = $"{sku}|{location}";
            var marksBefore = Volatile.Read(ref _marks[Stripe(key)]);
            // The first round knows which version the change that sent the message left, if the message says so.
            var changed = round == 1 && long.TryParse(message.Envelope.Key(AvailabilityEnvelopes.VersionKey), NumberStyles.None,
                CultureInfo.InvariantCulture, out var version) ? new Change(version, message.Envelope.OccurredAt) : null;
            var floor = changed?.Version ?? seen;
            var settled = await SettleAsync(sku, location, recheck, burstBegan + options.PushCoalesceCap, changed, floor, ct);
            using (await _pushers.AcquireAsync(key, ct))
            {
                // The settling read saw the level stand still; unless a consumer here marked a push since, it is the
                // latest (another runtime's change or mark fails our mark's tag check, and the next round reads again).
                var stock = settled is not null && Volatile.Read(ref _marks[Stripe(key)]) == marksBefore
                    ? settled
                    : await FigureAsync(sku, location, floor, ct);
                if (stock is null)
                    return new HandlerOutcome.Completed($"{sku} at {location}: no stock rows");
                var level = stock.Level;
                seen = level.Version;
                // After a round whose level moved on, another consumer may have pushed and marked the newer version
                // before our older push reached the channel: the channel may now show ours, so push the latest again.
                if (recheck && stock.PushedVersion >= level.Version)
                    return new HandlerOutcome.Completed(log.Count == 0
                        ? $"{sku} at {location}: channels already have version {level.Version}"
                        : string.Join("; ", log));
                if (await PushAsync(stock, log, message.Envelope, ct) is { } refused)
                    return refused;
                if (await inventory.MarkPushedAsync(sku, location, level.Version, level.OnHand - level.Reserved, clock.GetUtcNow(), ct))
                {
                    Interlocked.Increment(ref _marks[Stripe(key)]);
                    PipelineTelemetry.AvailabilityFreshness.Record((clock.GetUtcNow() - message.Envelope.OccurredAt).TotalMilliseconds,
                        new KeyValuePair<string, object?>("location", location));
                    return new HandlerOutcome.Completed(string.Join("; ", log.Append($"version {level.Version} pushed")));
                }
            }
            burstBegan = clock.GetUtcNow();
        }
        // Still changing: a new message carries on, so this consumer is not held for as long as the stream lasts.
        var carryOn = AvailabilityEnvelopes.Create(sku, location, clock.GetUtcNow(), message.Envelope.Id, force: true);
        await sender.SendAsync(QueueNames.ChannelAvailability, carryOn, ct);
        return new HandlerOutcome.Completed(string.Join("; ", log.Append($"still changing after {MaxRounds} pushes; {carryOn.Id} goes on")));
    }

    private static int Stripe(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % PusherStripes);

    /// <summary>The version a change left and when.</summary>
    private sealed record Change(long Version, DateTimeOffset At);

    /// <summary>
    /// Waits until the level has not moved for the coalescing window, or until the cap. Reads the level once per
    /// window; returns at once when there is no window, or (on a recheck) when the channels already have the level.
    /// When the change that sent the message is known, the first read waits until a window after it: the level still
    /// at that version has stood still for the window, without a read to start the wait.
    /// Returns the last stock read when it is the figure the wait ended on (null: nothing read, or the cap came first).
    /// Each read takes this process's kept rows when they are at least at <paramref name="floor"/> (see <see cref="FigureAsync"/>).
    /// </summary>
    private async Task<LocationStock?> SettleAsync(string sku, string location, bool recheck, DateTimeOffset cap, Change? changed, long? floor,
        CancellationToken ct)
    {
        var window = options.PushCoalesceWindow;
        if (window <= TimeSpan.Zero) return null;
        if (changed is not null && (changed.At + window < cap ? changed.At + window : cap) - clock.GetUtcNow() is var quiet && quiet > TimeSpan.Zero)
            await Task.Delay(quiet, clock, ct);
        if (await FigureAsync(sku, location, floor, ct) is not { } stock) return null;
        if (stock.Level.Version == changed?.Version || recheck && stock.PushedVersion >= stock.Level.Version) return stock;
        var version = stock.Level.Version;
        while (cap - clock.GetUtcNow() is var left && left > TimeSpan.Zero)
        {
            await Task.Delay(left < window ? left : window, clock, ct);
            var latest = await FigureAsync(sku, location, floor, ct);
            if (latest?.Level.Version == version) return latest;
            version = latest?.Level.Version ?? version;
        }
        return null;
    }

    /// <summary>
    /// The location's figure as this process's ledger last wrote or marked it, when those rows are at least at the
    /// version the message names; else as read. Kept rows hold every change made here; one made by another instance
    /// since makes the push's mark fail its tag check (and forget them), so the next round reads. But rows older than
    /// the message's change (another instance made it) may already be marked pushed and would end the push with
    /// nothing pushed, and a message naming no version gives nothing to check them against: both read. A later round
    /// has the version the round before it saw as its floor, so a level that keeps moving here is not read every round. A read of the
    /// location is a range query, served by scanning on the emulator.
    /// </summary>
    private async Task<LocationStock?> FigureAsync(string sku, string location, long? atLeast, CancellationToken ct) =>
        atLeast is { } version
        && inventory.LastWritten(sku)?.Locations.GetValueOrDefault(location) is { Level: { } level, LevelTag: not null } kept
        && level.Version >= version
            ? new LocationStock(level, kept.Policy, kept.PushedVersion, kept.LastPushedAvailable, kept.PushedAt)
            : await inventory.GetLocationStockAsync(sku, location, ct);

    /// <summary>Pushes the level to every channel; a channel's permanent refusal is the poison outcome.</summary>
    private async Task<HandlerOutcome?> PushAsync(LocationStock stock, List<string> log, Envelope cause, CancellationToken ct)
    {
        var (sku, location, level) = (stock.Level.Sku, stock.Level.Location, stock.Level);
        try
        {
            foreach (var publisher in publishers)
            {
                var available = Availability.ForChannel(level, stock.Policy, publisher.Channel);
                log.Add(await publisher.PushAsync(new AvailabilityUpdate(sku, location, publisher.Channel, available, level.Version), ct));
            }
        }
        catch (ChannelPushException refused) when (refused.Permanent)
        {
            return new HandlerOutcome.Poison($"{refused.Channel} refused the update of {sku} at {location}: {refused.Reason}",
                nameof(ChannelPushException));
        }

        var left = level.OnHand - level.Reserved;
        if (LowStock.Crossed(stock.Policy.ReorderPoint, stock.LastPushedAvailable, left) is { } reorderPoint)
            await RaiseLowStockAsync(sku, location, left, reorderPoint, level.Version, cause, ct);
        return null;
    }

    /// <summary>
    /// A pilot location not pushed to yet: nothing is sent. In shadow the figure is recorded for the shadow report.
    /// Either way the version counts as dealt with, so the next change wakes the dispatcher again; switching the
    /// flow on pushes the latest figure of every SKU the shadow report holds.
    /// </summary>
    private async Task<string> WithheldAsync(string sku, string location, FlowMode mode, CancellationToken ct)
    {
        if (await inventory.GetLocationStockAsync(sku, location, ct) is not { } stock)
            return $"{sku} at {location}: no stock rows";
        var available = Availability.ForChannel(stock.Level, stock.Policy, Domain.Canonical.Channels.Web);
        var now = clock.GetUtcNow();
        if (mode == FlowMode.Shadow)
            await pilot.RecordShadowPushAsync(new ShadowPush(sku, location, Domain.Canonical.Channels.Web, available, stock.Level.Version, now), ct);
        await inventory.MarkPushedAsync(sku, location, stock.Level.Version, stock.Level.OnHand - stock.Level.Reserved, now, ct);
        return mode == FlowMode.Shadow
            ? $"{sku} at {location}: pilot shadow: would push {available} (version {stock.Level.Version}); nothing pushed"
            : $"{sku} at {location}: pilot: availability push is off here; nothing pushed";
    }

    private async Task RaiseLowStockAsync(string sku, string location, decimal available, decimal reorderPoint, long version, Envelope cause, CancellationToken ct)
    {
        var alert = new LowStockAlert($"{sku}|{location}|{version:D12}", sku, location, available, reorderPoint, version, clock.GetUtcNow());
        await alerts.RaiseAsync(alert, ct);
        await sender.SendAsync(QueueNames.InventoryAlerts, new Envelope(
            Guid.CreateVersion7(alert.RaisedAt).ToString("N"), "inventory.low-stock", $"low-stock:{alert.Id}", cause.CorrelationId, cause.Id,
            new Dictionary<string, string> { [BusinessKeys.Sku] = sku, [BusinessKeys.Location] = location },
            alert.RaisedAt, "inventory", JsonSerializer.Serialize(alert, QueueJson.Options)), ct);
    }
}

public static class LowStock
{
    /// <summary>The reorder point when available has just fallen to or below it, else null.</summary>
    public static decimal? Crossed(decimal? reorderPoint, decimal? lastAvailable, decimal available) =>
        reorderPoint is { } rp && available <= rp && (lastAvailable is null || lastAvailable > rp) ? rp : null;
}

public static class QueueJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

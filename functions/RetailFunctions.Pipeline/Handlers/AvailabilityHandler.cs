using System.Text.Json;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Pipeline.Handlers;

/// <summary>
/// Brings the channels up to date with a location's stock. It always pushes the latest level, not the change that
/// woke it, so a burst of a hundred sales becomes one or two pushes; it marks the version pushed only if the level
/// has not moved meanwhile, and otherwise pushes again (even when another consumer has pushed the newer version since:
/// the older push may have landed after it). Crossing the reorder point raises a low-stock alert.
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
    private const int MaxRounds = 10;

    /// <summary>
    /// One push loop per SKU and location at a time in this process: a second consumer waits, then finds the latest
    /// figure already pushed, instead of racing the first one and pushing it again.
    /// </summary>
    private readonly StripedLock _pushers = new(256);

    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        var sku = message.Envelope.Key(BusinessKeys.Sku);
        var location = message.Envelope.Key(BusinessKeys.Location);
        if (sku is null || location is null)
            return new HandlerOutcome.Poison("availability message without sku and location keys");

        if (await pilot.ModeAsync(PilotFlow.AvailabilityPush, location, ct) is var mode and not FlowMode.On)
            return new HandlerOutcome.Completed(await WithheldAsync(sku, location, mode, ct));

        var force = message.Envelope.Key(AvailabilityEnvelopes.ForceKey) == "true";
        // Let the burst that started with this change finish, so one push carries all of it.
        var settle = options.PushCoalesceWindow - (clock.GetUtcNow() - message.Envelope.OccurredAt);
        if (settle > TimeSpan.Zero) await Task.Delay(settle, clock, ct);
        using var turn = await _pushers.AcquireAsync($"{sku}|{location}", ct);
        var log = new List<string>();
        for (var round = 1; round <= MaxRounds; round++)
        {
            if (await inventory.GetLocationStockAsync(sku, location, ct) is not { } stock)
                return new HandlerOutcome.Completed($"{sku} at {location}: no stock rows");
            var level = stock.Level;
            // After a round whose level moved on, another consumer may have pushed and marked the newer version
            // before our older push reached the channel: the channel may now show ours, so push the latest again.
            if (round == 1 && stock.PushedVersion >= level.Version && !force)
                return new HandlerOutcome.Completed(log.Count == 0 ? $"{sku} at {location}: channels already have version {level.Version}" : string.Join("; ", log));

            try
            {
                foreach (var publisher in publishers)
                {
                    var update = new AvailabilityUpdate(sku, location, publisher.Channel, Availability.ForChannel(level, stock.Policy, publisher.Channel), level.Version);
                    log.Add(await publisher.PushAsync(update, ct));
                }
            }
            catch (ChannelPushException refused) when (refused.Permanent)
            {
                return new HandlerOutcome.Poison($"{refused.Channel} refused the update of {sku} at {location}: {refused.Reason}", nameof(ChannelPushException));
            }

            var available = level.OnHand - level.Reserved;
            if (LowStock.Crossed(stock.Policy.ReorderPoint, stock.LastPushedAvailable, available) is { } reorderPoint)
                await RaiseLowStockAsync(sku, location, available, reorderPoint, level.Version, message.Envelope, ct);
            if (await inventory.MarkPushedAsync(sku, location, level.Version, available, clock.GetUtcNow(), ct))
            {
                PipelineTelemetry.AvailabilityFreshness.Record((clock.GetUtcNow() - message.Envelope.OccurredAt).TotalMilliseconds,
                    new KeyValuePair<string, object?>("location", location));
                return new HandlerOutcome.Completed(string.Join("; ", log.Append($"version {level.Version} pushed")));
            }
        }
        throw new InvalidOperationException($"{sku} at {location} kept changing through {MaxRounds} push rounds; retrying later");
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

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>What to make of a stock figure the web store reports (inventory_levels/update).</summary>
public abstract record ChannelLevelVerdict
{
    public sealed record Stale(string Why) : ChannelLevelVerdict;
    public sealed record InAgreement : ChannelLevelVerdict;
    /// <summary>A push of ours is on its way: the store's figure is expected to differ until it lands.</summary>
    public sealed record PushPending : ChannelLevelVerdict;
    /// <summary>The ledger is the truth and the store disagrees: record it and push the ledger's figure again.</summary>
    public sealed record Conflict(decimal LedgerAvailable, decimal Reported) : ChannelLevelVerdict;
    /// <summary>The store is the truth for this location: count the ledger to the figure it implies.</summary>
    public sealed record Adopt(decimal OnHand) : ChannelLevelVerdict;

    /// <summary>
    /// Decides by the declared source of truth, never by arrival order: an older report than one already seen, or
    /// one older than our own last push (the store echoing what we sent), changes nothing.
    /// </summary>
    public static ChannelLevelVerdict Judge(string authority, LocationStock stock, decimal? reported, DateTimeOffset observedAt, bool newestReport)
    {
        if (!newestReport) return new Stale("an equal or newer report for this item and location was already seen");
        if (reported is not { } figure) return new Stale("the report has no available figure (the item is not tracked there)");
        var level = stock.Level;
        if (authority == StockAuthorities.Shopify)
        {
            var onHand = figure + level.Reserved + stock.Policy.SafetyFor(Channels.Web);
            return onHand == level.OnHand ? new InAgreement() : new Adopt(onHand);
        }
        if (stock.PushedAt is { } pushedAt && observedAt <= pushedAt) return new Stale($"older than our last push at {pushedAt:O}");
        var ledger = Math.Floor(Availability.ForChannel(level, stock.Policy, Channels.Web));
        if (figure == ledger) return new InAgreement();
        return stock.PushedVersion < level.Version ? new PushPending() : new Conflict(ledger, figure);
    }
}

/// <summary>Reconciles the web store's reported stock with the ledger by each location's declared source of truth.</summary>
public sealed class ChannelLevelReconciler(
    ICatalogStore catalog, IInventoryStore store, InventoryService inventory, IExceptionStore exceptions,
    IMessageSender sender, PilotGate pilot, InventoryOptions options, TimeProvider clock)
{
    public async Task<string> ReconcileAsync(ShopifyEvent.InventoryLevelObserved observed, ExceptionSource source, CancellationToken ct)
    {
        var sku = await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.InventoryItem, observed.InventoryItemId, ct);
        var location = await catalog.ResolveLocationAsync(SourceSystems.Shopify, observed.ChannelLocationId, ct);
        if (sku is null || location is null)
        {
            var reason = sku is null ? ExceptionReasons.UnmappedSku : ExceptionReasons.UnmappedLocation;
            var detail = sku is null
                ? $"Shopify inventory item {observed.InventoryItemId} has no canonical SKU"
                : $"Shopify location {observed.ChannelLocationId} is not mapped to a canonical location";
            await RaiseAsync(reason, detail, $"{observed.InventoryItemId}:{observed.ChannelLocationId}", source, ct);
            return $"not reconciled: {detail}";
        }

        var observedAt = observed.UpdatedAt ?? observed.Delivery.TriggeredAt ?? clock.GetUtcNow();
        // Until availability is pushed here, the web store's figure is the other side of the shadow comparison, not a
        // conflict to correct: correcting it would push.
        if (await pilot.ModeAsync(PilotFlow.AvailabilityPush, location, ct) is var mode and not FlowMode.On)
        {
            await pilot.RecordShadowObservationAsync(sku, location, observed.Available, observedAt, ct);
            return $"{sku} at {location}: pilot: availability push is {PilotFlows.Name(mode)} here; the web store's {observed.Available} kept for the shadow report";
        }
        var stock = await store.GetLocationStockAsync(sku, location, ct) ?? new LocationStock(StockLevel.Empty(sku, location), StockPolicy.None, 0, null, null);
        var newest = await store.RecordObservationAsync(sku, location, Channels.Web, observedAt, observed.Available, ct);
        var authority = options.AuthorityFor(location);
        switch (ChannelLevelVerdict.Judge(authority, stock, observed.Available, observedAt, newest))
        {
            case ChannelLevelVerdict.Stale stale:
                return $"{sku} at {location}: report ignored, {stale.Why}";
            case ChannelLevelVerdict.InAgreement:
                return $"{sku} at {location}: web store agrees with the ledger ({observed.Available})";
            case ChannelLevelVerdict.PushPending:
                return $"{sku} at {location}: web store reports {observed.Available} while a newer figure is being pushed";
            case ChannelLevelVerdict.Conflict conflict:
                await RaiseAsync(ExceptionReasons.ChannelStockConflict,
                    $"web store reports {conflict.Reported} available for {sku} at {location}; the ledger (the source of truth here) says {conflict.LedgerAvailable}; the ledger's figure is pushed again",
                    $"{sku}:{location}:{observedAt.UtcTicks}", source, ct);
                await sender.SendAsync(QueueNames.ChannelAvailability, AvailabilityEnvelopes.Create(sku, location, clock.GetUtcNow(), source.MessageId, force: true), ct);
                return $"{sku} at {location}: conflict recorded (store {conflict.Reported}, ledger {conflict.LedgerAvailable}); ledger pushed again";
            case ChannelLevelVerdict.Adopt adopt:
                var count = new StockMovement(sku, location, MovementKind.CycleCount, adopt.OnHand,
                    $"shopify:{observed.Delivery.ShopDomain}:level:{observed.InventoryItemId}:{observed.ChannelLocationId}:{observedAt.UtcTicks}",
                    $"shopify:{observed.Delivery.ShopDomain}", $"web store is the source of truth at {location}: reports {observed.Available} available",
                    $"{observed.Delivery.Topic}:{observed.Delivery.WebhookId}", observedAt);
                var result = await inventory.ExecuteAsync(new InventoryCommand.RecordMovement(count), ct);
                return $"{sku} at {location}: ledger counted to {adopt.OnHand} on hand from the web store's figure ({result.Outcome})";
            default:
                throw new InvalidOperationException("unknown verdict");
        }
    }

    private Task RaiseAsync(string reason, string detail, string key, ExceptionSource source, CancellationToken ct) =>
        exceptions.RaiseAsync(new BusinessException(StockPoster.ExceptionId(key, reason), Owners.Inventory, reason, detail, source.MessageId,
            source.PayloadReference, source.BusinessKeys, "open", clock.GetUtcNow()), ct);
}

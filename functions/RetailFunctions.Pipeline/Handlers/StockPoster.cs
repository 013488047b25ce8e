using System.Security.Cryptography;
using System.Text;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Handlers;

/// <summary>A stock change as a channel describes it: its own item and location names, not yet canonical.</summary>
public sealed record ChannelStockChange(
    string System,
    IReadOnlyList<(string Kind, string Value)> ItemAliases,
    string? ChannelLocationId,
    MovementKind Kind,
    decimal Quantity,
    string IdempotencyKey,
    string Actor,
    string Reason,
    string SourceEvent,
    DateTimeOffset OccurredAt,
    DateOnly? BusinessDay = null);

public enum PostingOutcome
{
    Applied,
    AlreadyApplied,
    Exception,
}

/// <summary>Where an event's source payload lives, so an exception can point a person at it.</summary>
public sealed record ExceptionSource(string MessageId, string? PayloadReference, IReadOnlyDictionary<string, string> BusinessKeys);

/// <summary>
/// Translates channel stock changes into ledger movements: resolves the item and the location through the catalog
/// and applies the movement once. What cannot be resolved becomes an exception for its owner, never a silent drop.
/// </summary>
public sealed class StockPoster(ICatalogStore catalog, IInventoryStore inventory, IExceptionStore exceptions, TimeProvider clock)
{
    public async Task<PostingOutcome> PostAsync(ChannelStockChange change, string? fallbackLocation, ExceptionSource source, CancellationToken ct)
    {
        var sku = await ResolveSkuAsync(change, ct);
        if (sku is null)
        {
            var names = string.Join(", ", change.ItemAliases.Select(a => $"{a.Kind} {a.Value}"));
            await RaiseAsync(source, ExceptionReasons.UnmappedSku, $"{change.System} item ({names}) has no canonical SKU", change, ct);
            return PostingOutcome.Exception;
        }

        var location = change.ChannelLocationId is null
            ? fallbackLocation
            : await catalog.ResolveLocationAsync(change.System, change.ChannelLocationId, ct);
        if (location is null)
        {
            var detail = change.ChannelLocationId is null
                ? $"{change.System} event names no location and no default fulfillment location is configured"
                : $"{change.System} location {change.ChannelLocationId} is not mapped to a canonical location";
            await RaiseAsync(source, ExceptionReasons.UnmappedLocation, detail, change, ct);
            return PostingOutcome.Exception;
        }

        var movement = new StockMovement(sku, location, change.Kind, change.Quantity, change.IdempotencyKey,
            change.Actor, change.Reason, change.SourceEvent, change.OccurredAt, change.BusinessDay);
        if (StockLedger.Refusal(movement) is { } refusal)
        {
            await RaiseAsync(source, ExceptionReasons.InvalidMasterData, $"movement refused: {refusal}", change, ct);
            return PostingOutcome.Exception;
        }

        var result = await inventory.ApplyAsync(movement, ct);
        if (result.Outcome == MovementOutcome.Applied && result.Level.OnHand < 0m)
            await RaiseAsync(source, ExceptionReasons.NegativeStock,
                $"{sku} at {location} is at {result.Level.OnHand} on hand after {change.Kind} {change.Quantity}", change, ct);
        return result.Outcome == MovementOutcome.Applied ? PostingOutcome.Applied : PostingOutcome.AlreadyApplied;
    }

    private async Task<string?> ResolveSkuAsync(ChannelStockChange change, CancellationToken ct)
    {
        foreach (var (kind, value) in change.ItemAliases)
        {
            if (await catalog.ResolveSkuAsync(change.System, kind, value, ct) is { } sku)
                return sku;
        }
        return null;
    }

    private Task RaiseAsync(ExceptionSource source, string reason, string detail, ChannelStockChange change, CancellationToken ct)
    {
        var keys = new Dictionary<string, string>(source.BusinessKeys)
        {
            ["idempotencyKey"] = change.IdempotencyKey,
        };
        if (change.ChannelLocationId is not null)
            keys[BusinessKeys.Location] = change.ChannelLocationId;
        var exception = new BusinessException(
            ExceptionId(change.IdempotencyKey, reason), Owners.Inventory, reason, detail, source.MessageId,
            source.PayloadReference, keys, "open", clock.GetUtcNow());
        return exceptions.RaiseAsync(exception, ct);
    }

    /// <summary>Same source and reason, same id: a redelivered event does not open a second exception.</summary>
    public static string ExceptionId(string sourceKey, string reason) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{reason}|{sourceKey}")))[..32];
}

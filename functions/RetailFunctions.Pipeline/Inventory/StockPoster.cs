using System.Security.Cryptography;
using System.Text;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>What a channel event asks of the ledger, before its item and location are resolved.</summary>
public abstract record StockIntent
{
    public sealed record Move(MovementKind Kind) : StockIntent;
    public sealed record Reserve(string Channel, string ReservationId, string Reference, DateTimeOffset? ExpiresAt) : StockIntent;
    public sealed record Release(string ReservationId) : StockIntent;
    public sealed record Consume(string ReservationId) : StockIntent;
}

/// <summary>A stock change as a channel describes it: its own item and location names, not yet canonical.</summary>
public sealed record ChannelStockChange(
    string System,
    IReadOnlyList<(string Kind, string Value)> ItemAliases,
    string? ChannelLocationId,
    StockIntent Intent,
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
/// Translates channel stock changes into ledger commands: resolves the item and the location through the catalog
/// and executes the command once. What cannot be resolved or is refused becomes an exception for its owner.
/// </summary>
public sealed class StockPoster(ICatalogStore catalog, InventoryService inventory, IExceptionStore exceptions, InventoryOptions options, TimeProvider clock)
{
    public async Task<PostingOutcome> PostAsync(ChannelStockChange change, ExceptionSource source, CancellationToken ct) =>
        (await PostAllAsync([(change, source)], ct))[0];

    /// <summary>
    /// Many changes at once (a POS chunk's lines): each is resolved and judged as if posted alone, and the resolved
    /// commands go to the ledger together, so the lines of one SKU are one write. Outcomes come in the changes' order.
    /// </summary>
    public async Task<IReadOnlyList<PostingOutcome>> PostAllAsync(IReadOnlyList<(ChannelStockChange Change, ExceptionSource Source)> changes,
        CancellationToken ct)
    {
        var outcomes = new PostingOutcome[changes.Count];
        var commands = new List<(int Index, string Sku, string? Location, InventoryCommand Command)>(changes.Count);
        for (var i = 0; i < changes.Count; i++)
        {
            var (change, source) = changes[i];
            var sku = await ResolveSkuAsync(change, ct);
            if (sku is null)
            {
                var names = string.Join(", ", change.ItemAliases.Select(a => $"{a.Kind} {a.Value}"));
                await RaiseAsync(source, ExceptionReasons.UnmappedSku, $"{change.System} item ({names}) has no canonical SKU", change, ct);
                outcomes[i] = PostingOutcome.Exception;
                continue;
            }

            string? location = null;
            if (change.Intent is not StockIntent.Release)
            {
                location = change.ChannelLocationId is null
                    ? options.DefaultFulfillmentLocation
                    : await catalog.ResolveLocationAsync(change.System, change.ChannelLocationId, ct);
                if (location is null)
                {
                    var detail = change.ChannelLocationId is null
                        ? $"{change.System} event names no location and no default fulfillment location is configured"
                        : $"{change.System} location {change.ChannelLocationId} is not mapped to a canonical location";
                    await RaiseAsync(source, ExceptionReasons.UnmappedLocation, detail, change, ct);
                    outcomes[i] = PostingOutcome.Exception;
                    continue;
                }
            }
            commands.Add((i, sku, location, CommandFor(change, sku, location, options)));
        }
        if (commands.Count == 0) return outcomes;

        var results = await inventory.ExecuteAllAsync([.. commands.Select(c => c.Command)], ct);
        for (var k = 0; k < commands.Count; k++)
        {
            var (i, sku, location, _) = commands[k];
            outcomes[i] = await JudgeAsync(changes[i].Change, changes[i].Source, sku, location, results[k], ct);
        }
        return outcomes;
    }

    private async Task<PostingOutcome> JudgeAsync(ChannelStockChange change, ExceptionSource source, string sku, string? location, InventoryResult result,
        CancellationToken ct)
    {
        switch (result.Outcome)
        {
            case CommandOutcome.Refused:
                await RaiseAsync(source, change.Intent is StockIntent.Reserve ? ExceptionReasons.Backorder : ExceptionReasons.InvalidMasterData,
                    $"{sku} at {location}: {result.Summary}", change, ct);
                return PostingOutcome.Exception;
            case CommandOutcome.Applied:
                foreach (var level in result.Levels.Where(l => l.OnHand < 0m))
                    await RaiseAsync(source, ExceptionReasons.NegativeStock,
                        $"{sku} at {level.Location} is at {level.OnHand} on hand after {change.Reason}", change, ct);
                return PostingOutcome.Applied;
            default:
                return PostingOutcome.AlreadyApplied;
        }
    }

    /// <summary>The ledger command a resolved change becomes.</summary>
    public static InventoryCommand CommandFor(ChannelStockChange change, string sku, string? location, InventoryOptions options) => change.Intent switch
    {
        StockIntent.Move move => new InventoryCommand.RecordMovement(new StockMovement(sku, location!, move.Kind, change.Quantity,
            change.IdempotencyKey, change.Actor, change.Reason, change.SourceEvent, change.OccurredAt, change.BusinessDay)),
        StockIntent.Reserve r => new InventoryCommand.Reserve(sku, location!, r.Channel, change.Quantity, r.ReservationId, r.Reference,
            r.ExpiresAt, options.MayOversell(r.Channel), change.OccurredAt),
        StockIntent.Release r => new InventoryCommand.Release(sku, r.ReservationId, change.Reason, change.OccurredAt),
        StockIntent.Consume c => new InventoryCommand.Consume(sku, c.ReservationId, change.Actor, change.OccurredAt, location, change.Quantity),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.Intent.GetType().Name, "unknown stock intent"),
    };

    /// <summary>
    /// Resolves the first alias that the catalog knows. When a till item is only known through its barcode, the
    /// till's own item id is learned as an alias, so the cross-reference fills itself from POS traffic.
    /// </summary>
    private async Task<string?> ResolveSkuAsync(ChannelStockChange change, CancellationToken ct)
    {
        for (var i = 0; i < change.ItemAliases.Count; i++)
        {
            var (kind, value) = change.ItemAliases[i];
            if (await catalog.ResolveSkuAsync(change.System, kind, value, ct) is not { } sku) continue;
            if (kind == AliasKinds.Barcode && change.ItemAliases[0] is (AliasKinds.Item, var itemId) && itemId != sku)
                await catalog.UpsertItemAsync(new CatalogItem(sku, null, null, null, null, [new SkuAlias(change.System, AliasKinds.Item, itemId)]), ct);
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

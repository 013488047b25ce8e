using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>
/// The stock ledger on Table storage, one partition per SKU:
/// <list type="bullet">
/// <item><c>loc:{location}:bal</c> the level (ETag-checked), <c>loc:{location}:pol</c> its policy, <c>loc:{location}:out</c> the
/// channel outbox (which level version the channels have);</item>
/// <item><c>mov:{location}:{sequence}</c> the movements, <c>res:{id}</c> reservations, <c>idem:{key}</c> applied commands.</item>
/// </list>
/// A change is written in one entity-group transaction with its idempotency rows and the outbox, so a command is
/// applied exactly once and never without the levels it changes or the push it owes the channels. The store decides
/// nothing: the ledger (Pipeline) runs the decisions on the aggregate runner. The clock only ages the rows kept for
/// routing.
/// </summary>
public sealed partial class TableInventoryStore(StorageAccount account, TimeProvider? clock = null) : IInventoryStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private TableClient Table => account.Table(TableNames.Inventory);

    public StripedLock Writers { get; } = new();

    public async Task<IReadOnlyList<LocationStock>> GetRoutingStockAsync(string sku, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        // A SKU another instance writes too: each of its writes makes our kept rows stale, and a reservation decided on
        // them fails its check and is read and written again, so routing refreshes them as often as it used to.
        if (_contended.TryGetValue(sku, out var contendedAt) && _clock.GetElapsedTime(contendedAt) < maxAge && maxAge > ContendedRoutingAge)
            maxAge = ContendedRoutingAge;
        if (_readWhole.TryGetValue(sku, out var readAt) && _clock.GetElapsedTime(readAt) < maxAge && LastWritten(sku) is { } kept)
            return [.. kept.Locations.Where(l => l.Value.Level is not null || l.Value.PolicyTag is not null)
                .Select(l => ToLocationStock(sku, l.Key, l.Value))
                .OrderBy(s => s.Level.Location, StringComparer.Ordinal)];
        return await GetStockAsync(sku, cancellationToken);
    }

    public async Task<IReadOnlyList<LocationStock>> GetStockAsync(string sku, CancellationToken cancellationToken)
    {
        var startedAt = _clock.GetTimestamp();
        var partition = TableKeys.Escape(sku);
        var byLocation = new Dictionary<string, List<TableEntity>>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo("loc:") >= 0 && e.RowKey.CompareTo("loc;") < 0,
            cancellationToken: cancellationToken))
        {
            var location = TableKeys.Unescape(entity.RowKey[4..entity.RowKey.LastIndexOf(':')]);
            if (!byLocation.TryGetValue(location, out var list)) byLocation[location] = list = [];
            list.Add(entity);
        }
        var read = byLocation.ToDictionary(kv => kv.Key, kv => LocationRowsOf(sku, kv.Key, kv.Value), StringComparer.Ordinal);
        KeepRead(sku, read, startedAt);
        return read
            .Select(kv => ToLocationStock(sku, kv.Key, kv.Value))
            .OrderBy(s => s.Level.Location, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<LocationStock?> GetLocationStockAsync(string sku, string location, CancellationToken cancellationToken)
    {
        var rows = await ReadLocationAsync(TableKeys.Escape(sku), sku, location, cancellationToken);
        return rows.Level is null && rows.PolicyTag is null ? null : ToLocationStock(sku, location, rows);
    }

    public async Task<bool> MarkPushedAsync(string sku, string location, long version, decimal available, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // Same queue as the SKU's writers: marking a push touches the level's ETag, and must not make them retry.
        using var writer = await Writers.AcquireAsync(sku, cancellationToken);
        var partition = TableKeys.Escape(sku);
        // The rows the SKU's last write here left will do: if another instance wrote since, the ETag check fails.
        var rows = LastWritten(sku)?.Locations.GetValueOrDefault(location) is { Level.Version: var keptVersion } kept && keptVersion >= version
            ? kept
            : await ReadLocationAsync(partition, sku, location, cancellationToken);
        if (rows is not { Level: { } level, LevelTag: { } tag } || level.Version != version) return false;
        try
        {
            // Conditional on the level row being unchanged, so a push never hides a newer change.
            var response = await Table.SubmitTransactionAsync([
                new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, LevelRow(location)), new ETag(tag)),
                new(TableTransactionActionType.UpsertReplace, new TableEntity(partition, OutboxRow(location))
                {
                    ["PushedVersion"] = version,
                    ["LastPushedAvailable"] = Store(available),
                    ["PushedAt"] = at,
                }),
            ], cancellationToken);
            // The SKU's next group starts from these rows rather than reading them back.
            if (response.Value[0].Headers.ETag is { } etag)
                Remember(sku, location, rows with { LevelTag = etag.ToString(), PushedVersion = version, LastPushedAvailable = available, PushedAt = at });
            return true;
        }
        catch (TableTransactionFailedException failure) when (failure.Status is 409 or 412)
        {
            Forget(sku, contended: true);
            return false;
        }
    }

    public async Task<bool> RecordObservationAsync(string sku, string location, string channel, DateTimeOffset observedAt, decimal? available, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(sku);
        var row = $"loc:{TableKeys.Escape(location)}:obs-{TableKeys.Escape(channel)}";
        var entity = new TableEntity(partition, row) { ["ObservedAt"] = observedAt, ["Available"] = available is { } a ? Store(a) : null };
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
            if (existing.HasValue && existing.Value!.GetDateTimeOffset("ObservedAt") >= observedAt) return false;
            try
            {
                if (existing.HasValue) await Table.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                else await Table.AddEntityAsync(entity, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // A concurrent report won the write: compare with it.
            }
        }
        return false;
    }

    public Task SetPolicyAsync(string sku, string location, StockPolicy policy, CancellationToken cancellationToken)
    {
        // The next decision of this SKU here reads the new policy (a write on the kept one would fail its check).
        Forget(sku);
        return Table.UpsertEntityAsync(ToPolicyEntity(TableKeys.Escape(sku), location, policy), TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<Reservation?> GetReservationAsync(string sku, string reservationId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(sku), ReservationRow(reservationId), cancellationToken: cancellationToken);
        return row.HasValue ? ToReservation(row.Value!) : null;
    }

    public async Task<MovementPage> GetMovementsAsync(string sku, string? location, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(sku);
        var prefix = location is null ? "mov:" : $"mov:{TableKeys.Escape(location)}:";
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        var pages = Table.QueryAsync<TableEntity>(
                e => e.PartitionKey == partition && e.RowKey.CompareTo(prefix) >= 0 && e.RowKey.CompareTo(end) < 0,
                maxPerPage: pageSize, cancellationToken: cancellationToken)
            .AsPages(continuationToken, pageSize);
        await foreach (var page in pages)
            return new MovementPage(page.Values.Select(ToRecordedMovement).ToList(), page.ContinuationToken);
        return new MovementPage([], null);
    }

    private static Reservation ToReservation(TableEntity e) => new(
        e.GetString("ReservationId"), e.GetString("Sku"), e.GetString("Location"), e.GetString("Channel"), Load(e, "Quantity"),
        Enum.Parse<ReservationStatus>(e.GetString("Status")), e.GetDateTimeOffset("CreatedAt") ?? default, e.GetDateTimeOffset("ExpiresAt"),
        e.GetString("Reference"));

    /// <summary>A location's rows (level, policy, outbox) as read together.</summary>
    private static StockLocationRows LocationRowsOf(string sku, string location, IEnumerable<TableEntity> entities)
    {
        var rows = StockLocationRows.Empty;
        foreach (var e in entities)
        {
            if (e.RowKey.EndsWith(":bal", StringComparison.Ordinal))
                rows = rows with { Level = ToLevel(sku, location, e), LevelTag = e.ETag.ToString() };
            else if (e.RowKey.EndsWith(":pol", StringComparison.Ordinal))
                rows = rows with { Policy = ToPolicy(e), PolicyTag = e.ETag.ToString() };
            else if (e.RowKey.EndsWith(":out", StringComparison.Ordinal))
                rows = rows with
                {
                    PushedVersion = e.GetInt64("PushedVersion") ?? 0,
                    LastPushedAvailable = e.GetString("LastPushedAvailable") is { } a ? decimal.Parse(a, CultureInfo.InvariantCulture) : null,
                    PushedAt = e.GetDateTimeOffset("PushedAt"),
                };
        }
        return rows;
    }

    private async Task<StockLocationRows> ReadLocationAsync(string partition, string sku, string location, CancellationToken cancellationToken) =>
        LocationRowsOf(sku, location, await Table.QueryRowsAsync(partition, [LocationTerm(location)], cancellationToken));

    private static LocationStock ToLocationStock(string sku, string location, StockLocationRows rows) =>
        new(rows.Level ?? StockLevel.Empty(sku, location), rows.Policy, rows.PushedVersion, rows.LastPushedAvailable, rows.PushedAt);

    private static string LevelRow(string location) => $"loc:{TableKeys.Escape(location)}:bal";
    private static string PolicyRow(string location) => $"loc:{TableKeys.Escape(location)}:pol";
    private static string OutboxRow(string location) => $"loc:{TableKeys.Escape(location)}:out";
    private static string ReservationRow(string reservationId) => $"res:{TableKeys.Escape(reservationId)}";
    private static string IdempotencyRow(string key) => $"idem:{TableKeys.Escape(key)}";

    // Table storage has no decimal type: quantities are stored as invariant strings so nothing is rounded.
    internal static string Store(decimal value) => value.ToString(CultureInfo.InvariantCulture);
    internal static decimal Load(TableEntity entity, string name) =>
        entity.GetString(name) is { } text ? decimal.Parse(text, CultureInfo.InvariantCulture) : 0m;

    private static string Truncate(string text) => text.Length > 1000 ? text[..1000] : text;

    private static TableEntity ToLevelEntity(string partition, StockLevel level) => new(partition, LevelRow(level.Location))
    {
        ["Sku"] = level.Sku,
        ["Location"] = level.Location,
        ["OnHand"] = Store(level.OnHand),
        ["Reserved"] = Store(level.Reserved),
        ["InTransit"] = Store(level.InTransit),
        ["Version"] = level.Version,
        ["CountedAt"] = level.CountedAt,
    };

    private static StockLevel ToLevel(string sku, string location, TableEntity entity) =>
        new(sku, location, Load(entity, "OnHand"), Load(entity, "Reserved"), Load(entity, "InTransit"), entity.GetInt64("Version") ?? 0,
            entity.GetDateTimeOffset("CountedAt"));

    private static TableEntity ToPolicyEntity(string partition, string location, StockPolicy policy) => new(partition, PolicyRow(location))
    {
        ["SafetyStock"] = JsonSerializer.Serialize(policy.SafetyStock.ToDictionary(kv => kv.Key, kv => Store(kv.Value)), Json),
        ["ReorderPoint"] = policy.ReorderPoint is { } rp ? Store(rp) : null,
    };

    private static StockPolicy ToPolicy(TableEntity entity) => new(
        (JsonSerializer.Deserialize<Dictionary<string, string>>(entity.GetString("SafetyStock") ?? "{}", Json) ?? [])
            .ToDictionary(kv => kv.Key, kv => decimal.Parse(kv.Value, CultureInfo.InvariantCulture)),
        entity.GetString("ReorderPoint") is { } rp ? decimal.Parse(rp, CultureInfo.InvariantCulture) : null);

    private static TableEntity ToReservationEntity(string partition, Reservation r) => new(partition, ReservationRow(r.ReservationId))
    {
        ["ReservationId"] = r.ReservationId,
        ["Sku"] = r.Sku,
        ["Location"] = r.Location,
        ["Channel"] = r.Channel,
        ["Quantity"] = Store(r.Quantity),
        ["Status"] = r.Status.ToString(),
        ["CreatedAt"] = r.CreatedAt,
        ["ExpiresAt"] = r.ExpiresAt,
        ["Reference"] = r.Reference,
    };

    private static TableEntity ToMovementEntity(string partition, StockMovement movement, StockLevel after) =>
        new(partition, $"mov:{TableKeys.Escape(movement.Location)}:{after.Version:D12}")
        {
            ["Sku"] = movement.Sku,
            ["Location"] = movement.Location,
            ["Kind"] = movement.Kind.ToString(),
            ["Quantity"] = Store(movement.Quantity),
            ["OnHandAfter"] = Store(after.OnHand),
            ["IdempotencyKey"] = movement.IdempotencyKey,
            ["Actor"] = movement.Actor,
            ["Reason"] = movement.Reason,
            ["SourceEvent"] = movement.SourceEvent,
            ["OccurredAt"] = movement.OccurredAt,
            ["BusinessDay"] = movement.BusinessDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Sequence"] = after.Version,
        };

    private static RecordedMovement ToRecordedMovement(TableEntity entity) => new(
        new StockMovement(
            entity.GetString("Sku"), entity.GetString("Location"), Enum.Parse<MovementKind>(entity.GetString("Kind")),
            Load(entity, "Quantity"), entity.GetString("IdempotencyKey"), entity.GetString("Actor"), entity.GetString("Reason"),
            entity.GetString("SourceEvent"), entity.GetDateTimeOffset("OccurredAt") ?? default,
            entity.GetString("BusinessDay") is { } day ? DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null),
        Load(entity, "OnHandAfter"),
        entity.GetInt64("Sequence") ?? 0);
}

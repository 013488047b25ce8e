using System.Globalization;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>
/// The stock ledger on Table storage. One partition per SKU holds, per location, the level row, the movement rows
/// and one row per applied idempotency key; a movement is written in one entity-group transaction with the level it
/// changes (ETag-checked), so a movement is applied exactly once and never without its level, or the reverse.
/// </summary>
public sealed class TableInventoryStore(StorageAccount account) : IInventoryStore
{
    private const int MaxAttempts = 64;
    private TableClient Table => account.Table(TableNames.Inventory);

    public async Task<MovementResult> ApplyAsync(StockMovement movement, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(movement.Sku);
        var idempotencyRow = IdempotencyRow(movement.IdempotencyKey);
        for (var attempt = 1; ; attempt++)
        {
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(partition, LevelRow(movement.Location), cancellationToken: cancellationToken);
            var before = current.HasValue ? ToLevel(current.Value!) : StockLevel.Empty(movement.Sku, movement.Location);
            var after = StockLedger.Apply(before, movement);
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Add, new TableEntity(partition, idempotencyRow)
                {
                    ["Location"] = movement.Location,
                    ["Sequence"] = after.Version,
                }),
                new(TableTransactionActionType.Add, ToMovementEntity(partition, movement, after)),
                current.HasValue
                    ? new(TableTransactionActionType.UpdateReplace, ToLevelEntity(partition, after), current.Value!.ETag)
                    : new(TableTransactionActionType.Add, ToLevelEntity(partition, after)),
            };
            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                return new MovementResult(MovementOutcome.Applied, after);
            }
            catch (TableTransactionFailedException failure) when (failure.Status is 409 or 412)
            {
                var applied = await Table.GetEntityIfExistsAsync<TableEntity>(partition, idempotencyRow, cancellationToken: cancellationToken);
                if (applied.HasValue)
                    return new MovementResult(MovementOutcome.AlreadyApplied, (await GetLevelAsync(movement.Sku, movement.Location, cancellationToken)));
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException($"stock level {movement.Sku} at {movement.Location} stayed contended after {attempt} attempts", failure);
                // Another writer changed the level between our read and write: read again and re-decide.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken);
            }
        }
    }

    public async Task<IReadOnlyList<StockLevel>> GetLevelsAsync(string sku, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(sku);
        var levels = new List<StockLevel>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo("bal:") >= 0 && e.RowKey.CompareTo("bal;") < 0,
            cancellationToken: cancellationToken))
            levels.Add(ToLevel(entity));
        return levels;
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

    private async Task<StockLevel> GetLevelAsync(string sku, string location, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(sku), LevelRow(location), cancellationToken: cancellationToken);
        return entity.HasValue ? ToLevel(entity.Value!) : StockLevel.Empty(sku, location);
    }

    private static string LevelRow(string location) => $"bal:{TableKeys.Escape(location)}";
    private static string IdempotencyRow(string key) => $"idem:{TableKeys.Escape(key)}";

    // Table storage has no decimal type: quantities are stored as invariant strings so nothing is rounded.
    internal static string Store(decimal value) => value.ToString(CultureInfo.InvariantCulture);
    internal static decimal Load(TableEntity entity, string name) =>
        entity.GetString(name) is { } text ? decimal.Parse(text, CultureInfo.InvariantCulture) : 0m;

    private static TableEntity ToLevelEntity(string partition, StockLevel level) => new(partition, LevelRow(level.Location))
    {
        ["Sku"] = level.Sku,
        ["Location"] = level.Location,
        ["OnHand"] = Store(level.OnHand),
        ["Reserved"] = Store(level.Reserved),
        ["InTransit"] = Store(level.InTransit),
        ["Version"] = level.Version,
    };

    private static StockLevel ToLevel(TableEntity entity) => new(
        entity.GetString("Sku"), entity.GetString("Location"),
        Load(entity, "OnHand"), Load(entity, "Reserved"), Load(entity, "InTransit"), entity.GetInt64("Version") ?? 0);

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

using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Inventory;

namespace RetailFunctions.Storage;

/// <summary>
/// The ledger's slice and change on the table: a group's rows are read by key, side by side (the named locations'
/// level, policy and outbox rows, the reservations, the idempotency rows), and a change is written as one entity-group
/// transaction checked against the tags read. What a write left is kept per SKU, so the next group (and a push mark)
/// can start from it instead of reading it back.
/// Point reads rather than one partition query: a SKU's partition also holds every movement it ever had, and a filter
/// of several row keys is served by scanning the partition (on the emulator, the whole table), so a query's cost grew
/// with the SKU's history while a point read's does not.
/// </summary>
public sealed partial class TableInventoryStore
{
    private const int MaxKeptSkus = 10_000;
    private const int MaxKeptReservations = 256;
    private readonly ConcurrentDictionary<string, StockRows> _written = new(StringComparer.Ordinal);

    public StockRows? LastWritten(string sku) => _written.GetValueOrDefault(sku);

    public async Task<StockRows> LoadAsync(StockKey key, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(key.Sku);
        var reservations = key.Reservations.ToDictionary(id => id, _ => (StockReservationRow?)null, StringComparer.Ordinal);
        var applied = key.Applied.ToDictionary(k => k, _ => (string?)null, StringComparer.Ordinal);
        var locationReads = key.Locations.Distinct(StringComparer.Ordinal).ToDictionary(l => l, l => ReadLocationRowsAsync(partition, l, cancellationToken),
            StringComparer.Ordinal);
        var reservationReads = key.Reservations.Select(id => ReadRowAsync(partition, ReservationRow(id), cancellationToken)).ToList();
        var appliedReads = key.Applied.Select(k => (Key: k, Row: ReadRowAsync(partition, IdempotencyRow(k), cancellationToken))).ToList();
        foreach (var row in await Task.WhenAll(reservationReads))
            if (row is not null) reservations[row.GetString("ReservationId")] = new StockReservationRow(ToReservation(row), row.ETag.ToString());
        foreach (var (k, read) in appliedReads)
            if (await read is { } row) applied[k] = row.GetString("Summary") ?? "already applied";
        // A reservation found in a location the commands did not name (a release names none): its rows come next.
        foreach (var location in reservations.Values.OfType<StockReservationRow>().Select(r => r.Reservation.Location)
                     .Where(l => l.Length > 0 && !locationReads.ContainsKey(l)).Distinct(StringComparer.Ordinal).ToList())
            locationReads[location] = ReadLocationRowsAsync(partition, location, cancellationToken);
        var locations = new Dictionary<string, StockLocationRows>(StringComparer.Ordinal);
        foreach (var (location, read) in locationReads) locations[location] = LocationRowsOf(key.Sku, location, await read);
        return new StockRows(key.Sku, locations, reservations, applied);
    }

    /// <summary>A location's level, policy and outbox rows, each read by its key.</summary>
    private async Task<List<TableEntity>> ReadLocationRowsAsync(string partition, string location, CancellationToken cancellationToken)
    {
        var rows = await Task.WhenAll(new[] { LevelRow(location), PolicyRow(location), OutboxRow(location) }
            .Select(rowKey => ReadRowAsync(partition, rowKey, cancellationToken)));
        return [.. rows.OfType<TableEntity>()];
    }

    private async Task<TableEntity?> ReadRowAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    public async Task<StockRows?> TrySaveAsync(StockKey key, StockRows loaded, StockChange change, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(key.Sku);
        var actions = new List<TableTransactionAction>();
        var levelAt = new Dictionary<string, int>(StringComparer.Ordinal);
        var policyAt = new Dictionary<string, int>(StringComparer.Ordinal);
        var reservationAt = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var level in change.Levels)
        {
            levelAt[level.Location] = actions.Count;
            actions.Add(loaded.Location(level.Location).LevelTag is { } tag
                ? new(TableTransactionActionType.UpdateReplace, ToLevelEntity(partition, level), new ETag(tag))
                : new(TableTransactionActionType.Add, ToLevelEntity(partition, level)));
        }
        // A policy a reservation was judged against is checked unchanged (touched under its tag), or added empty when
        // there was none, so a policy set meanwhile fails the write.
        foreach (var location in change.PoliciesChecked)
        {
            policyAt[location] = actions.Count;
            actions.Add(loaded.Location(location).PolicyTag is { } tag
                ? new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, PolicyRow(location)), new ETag(tag))
                : new(TableTransactionActionType.Add, ToPolicyEntity(partition, location, StockPolicy.None)));
        }
        // The outbox row is only touched when it was clean: a dirty one already has a push on its way.
        foreach (var location in change.Dirty)
            actions.Add(new(TableTransactionActionType.UpsertMerge, new TableEntity(partition, OutboxRow(location)) { ["DirtySince"] = change.DirtySince }));
        foreach (var reservation in change.Reservations)
        {
            reservationAt[reservation.ReservationId] = actions.Count;
            actions.Add(loaded.Reservations.GetValueOrDefault(reservation.ReservationId) is { } read
                ? new(TableTransactionActionType.UpdateReplace, ToReservationEntity(partition, reservation), new ETag(read.Tag))
                : new(TableTransactionActionType.Add, ToReservationEntity(partition, reservation)));
        }
        foreach (var command in change.Applied)
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(partition, IdempotencyRow(command.IdempotencyKey))
            {
                ["Summary"] = Truncate(command.Summary),
                ["At"] = command.At,
            }));
        foreach (var movement in change.Movements)
            actions.Add(new(TableTransactionActionType.Add, ToMovementEntity(partition, movement.Movement, movement.After)));

        IReadOnlyList<Response> responses;
        try
        {
            // Not cancelled half-way by a caller that gives up: the write decides for every command in it.
            responses = (await Table.SubmitTransactionAsync(actions, CancellationToken.None)).Value;
        }
        catch (TableTransactionFailedException failure) when (failure.Status is 409 or 412)
        {
            Forget(key.Sku);
            return null;
        }
        string? TagAt(int index) => responses[index].Headers.ETag?.ToString();

        var locations = new Dictionary<string, StockLocationRows>(loaded.Locations, StringComparer.Ordinal);
        foreach (var level in change.Levels)
            locations[level.Location] = loaded.Location(level.Location) with { Level = level, LevelTag = TagAt(levelAt[level.Location]) };
        foreach (var (location, index) in policyAt)
            locations[location] = locations[location] with { PolicyTag = TagAt(index) };
        var reservations = new Dictionary<string, StockReservationRow?>(loaded.Reservations, StringComparer.Ordinal);
        foreach (var reservation in change.Reservations)
            reservations[reservation.ReservationId] = TagAt(reservationAt[reservation.ReservationId]) is { } tag ? new(reservation, tag) : null;
        var applied = new Dictionary<string, string?>(loaded.Applied, StringComparer.Ordinal);
        foreach (var row in change.Applied) applied[row.IdempotencyKey] = row.Summary;
        var saved = new StockRows(key.Sku, locations, reservations, applied);
        // Without the tags a write returned there is nothing to keep: the next group reads.
        if (locations.Values.Any(l => l.Level is not null && l.LevelTag is null)) Forget(key.Sku);
        else Keep(saved);
        return saved;
    }

    /// <summary>Keeps what a write left, over what the SKU's earlier writes left (rows another instance changes fail their check).</summary>
    private void Keep(StockRows written)
    {
        if (_written.Count > MaxKeptSkus) _written.Clear();
        var before = _written.GetValueOrDefault(written.Sku);
        var locations = new Dictionary<string, StockLocationRows>(before?.Locations ?? new Dictionary<string, StockLocationRows>(), StringComparer.Ordinal);
        foreach (var (location, rows) in written.Locations) locations[location] = rows;
        var reservations = before is null || before.Reservations.Count + written.Reservations.Count > MaxKeptReservations
            ? new Dictionary<string, StockReservationRow?>(StringComparer.Ordinal)
            : before.Reservations.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        foreach (var (id, row) in written.Reservations.Where(r => r.Value is not null)) reservations[id] = row;
        _written[written.Sku] = new StockRows(written.Sku, locations, reservations, new Dictionary<string, string?>());
    }

    private void Remember(string sku, string location, StockLocationRows rows) =>
        Keep(new StockRows(sku, new Dictionary<string, StockLocationRows> { [location] = rows }, new Dictionary<string, StockReservationRow?>(),
            new Dictionary<string, string?>()));

    private void Forget(string sku) => _written.TryRemove(sku, out _);
}

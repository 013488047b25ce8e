using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Inventory;

namespace RetailFunctions.Storage;

/// <summary>
/// The ledger's slice and change on the table: a group's rows are read with one partition query (the named locations'
/// level, policy and outbox rows, the reservations, the idempotency rows), and a change is written as one entity-group
/// transaction checked against the tags read. What a write left is kept per SKU, so the next group (and a push mark)
/// can start from it instead of reading it back.
/// </summary>
public sealed partial class TableInventoryStore
{
    private const int MaxKeptSkus = 10_000;
    private const int MaxKeptReservations = 256;
    private readonly ConcurrentDictionary<string, StockRows> _written = new(StringComparer.Ordinal);

    /// <summary>
    /// When the kept rows of a SKU last took in a read of all its locations (a timestamp of the store's clock taken
    /// as the read began): until they are forgotten, they hold every location, as of then or this store's later writes.
    /// </summary>
    private readonly ConcurrentDictionary<string, long> _readWhole = new(StringComparer.Ordinal);

    /// <summary>When a write of a SKU here last found its rows changed by another writer (a timestamp of the store's clock).</summary>
    private readonly ConcurrentDictionary<string, long> _contended = new(StringComparer.Ordinal);

    /// <summary>How long routing answers from kept rows of a SKU written elsewhere too (the age it had for every SKU before).</summary>
    private static readonly TimeSpan ContendedRoutingAge = TimeSpan.FromSeconds(5);

    public StockRows? LastWritten(string sku) => _written.GetValueOrDefault(sku);

    public async Task<StockRows> LoadAsync(StockKey key, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(key.Sku);
        var locations = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        var reservations = key.Reservations.ToDictionary(id => id, _ => (StockReservationRow?)null, StringComparer.Ordinal);
        var applied = key.Applied.ToDictionary(k => k, _ => (string?)null, StringComparer.Ordinal);
        foreach (var location in key.Locations) locations[location] = [];
        var terms = key.Locations.Select(LocationTerm)
            .Concat(key.Reservations.Select(id => RowTerm.Key(ReservationRow(id))))
            .Concat(key.Applied.Select(k => RowTerm.Key(IdempotencyRow(k))));
        foreach (var entity in await Table.QueryRowsAsync(partition, terms, cancellationToken))
            Take(entity);
        // A reservation found in a location the commands did not name (a release names none): its rows come next.
        var more = reservations.Values.OfType<StockReservationRow>().Select(r => r.Reservation.Location)
            .Where(l => l.Length > 0 && !locations.ContainsKey(l)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var location in more) locations[location] = [];
        if (more.Count > 0)
            foreach (var entity in await Table.QueryRowsAsync(partition, more.Select(LocationTerm), cancellationToken))
                Take(entity);
        return new StockRows(key.Sku,
            locations.ToDictionary(l => l.Key, l => LocationRowsOf(key.Sku, l.Key, l.Value), StringComparer.Ordinal), reservations, applied);

        void Take(TableEntity entity)
        {
            if (entity.RowKey.StartsWith("loc:", StringComparison.Ordinal))
            {
                var location = TableKeys.Unescape(entity.RowKey[4..entity.RowKey.LastIndexOf(':')]);
                if (locations.TryGetValue(location, out var rows)) rows.Add(entity);
            }
            else if (entity.RowKey.StartsWith("res:", StringComparison.Ordinal))
                reservations[entity.GetString("ReservationId")] = new StockReservationRow(ToReservation(entity), entity.ETag.ToString());
            else if (entity.RowKey.StartsWith("idem:", StringComparison.Ordinal))
                applied[TableKeys.Unescape(entity.RowKey[5..])] = entity.GetString("Summary") ?? "already applied";
        }
    }

    private static RowTerm LocationTerm(string location)
    {
        var prefix = $"loc:{TableKeys.Escape(location)}:";
        return RowTerm.Range(prefix, prefix[..^1] + ';');
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
        foreach (var level in change.StillPushed)
            actions.Add(new(TableTransactionActionType.UpsertMerge, new TableEntity(partition, OutboxRow(level.Location)) { ["PushedVersion"] = level.Version }));
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
            Forget(key.Sku, contended: true);
            return null;
        }
        string? TagAt(int index) => responses[index].Headers.ETag?.ToString();

        var locations = new Dictionary<string, StockLocationRows>(loaded.Locations, StringComparer.Ordinal);
        foreach (var level in change.Levels)
            locations[level.Location] = loaded.Location(level.Location) with { Level = level, LevelTag = TagAt(levelAt[level.Location]) };
        foreach (var (location, index) in policyAt)
            locations[location] = locations[location] with { PolicyTag = TagAt(index) };
        foreach (var level in change.StillPushed)
            locations[level.Location] = locations[level.Location] with { PushedVersion = level.Version };
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
        if (_written.Count > MaxKeptSkus)
        {
            _written.Clear();
            _readWhole.Clear();
            _contended.Clear();
        }
        var before = _written.GetValueOrDefault(written.Sku);
        var locations = new Dictionary<string, StockLocationRows>(before?.Locations ?? new Dictionary<string, StockLocationRows>(), StringComparer.Ordinal);
        foreach (var (location, rows) in written.Locations) locations[location] = rows;
        var reservations = before is null || before.Reservations.Count + written.Reservations.Count > MaxKeptReservations
            ? new Dictionary<string, StockReservationRow?>(StringComparer.Ordinal)
            : before.Reservations.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        foreach (var (id, row) in written.Reservations.Where(r => r.Value is not null)) reservations[id] = row;
        _written[written.Sku] = new StockRows(written.Sku, locations, reservations, new Dictionary<string, string?>());
    }

    /// <summary>
    /// Rows a read returned (routing reads a SKU's locations just before the order reserves there), kept as a write's
    /// are, so the reservation is decided on them instead of reading them again; a location whose kept level is as
    /// new is left as it is. They are as safe as a write's: the write checks their tags, and a refusal is decided again
    /// on a fresh read.
    /// </summary>
    private void KeepRead(string sku, IReadOnlyDictionary<string, StockLocationRows> read, long startedAt)
    {
        var kept = LastWritten(sku);
        var newer = read.Where(r => kept?.Locations.GetValueOrDefault(r.Key) is not { Level.Version: var version } || version < (r.Value.Level?.Version ?? 0))
            .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        if (newer.Values.Any(l => l.Level is not null && l.LevelTag is null)) return;
        if (newer.Count > 0) Keep(new StockRows(sku, newer, new Dictionary<string, StockReservationRow?>(), new Dictionary<string, string?>()));
        if (_written.ContainsKey(sku)) _readWhole[sku] = startedAt;
    }

    private void Remember(string sku, string location, StockLocationRows rows) =>
        Keep(new StockRows(sku, new Dictionary<string, StockLocationRows> { [location] = rows }, new Dictionary<string, StockReservationRow?>(),
            new Dictionary<string, string?>()));

    private void Forget(string sku, bool contended = false)
    {
        _written.TryRemove(sku, out _);
        _readWhole.TryRemove(sku, out _);
        if (contended) _contended[sku] = _clock.GetTimestamp();
    }
}

using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>
/// The write path as a group commit. Commands of one SKU queue in this process; one writer at a time takes every
/// command waiting, decides them together on one loaded state (<see cref="InventoryGroup"/>) and writes them in one
/// entity-group transaction (at most 100 rows: the rest go in the next one), and each caller gets its own command's
/// answer. The state a write left is kept for the next group of the SKU, so a hot SKU costs one round trip per group;
/// it is trusted for a while only and never beyond the level's ETag: another instance's write fails ours with 412,
/// and the group is loaded and decided again.
/// </summary>
public sealed partial class TableInventoryStore
{
    private const int MaxActions = 100;
    private const int MaxKnownSkus = 10_000;
    /// <summary>A reservation is judged against the policy (safety stock), which another instance may change: read it often.</summary>
    private static readonly TimeSpan KnownForReservations = TimeSpan.FromSeconds(2);
    /// <summary>Any other command depends only on rows whose ETag the write checks.</summary>
    private static readonly TimeSpan KnownFor = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ContendedFor = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, SkuWriter> _skus = new(StringComparer.Ordinal);

    public async Task<InventoryResult> ExecuteAsync(InventoryCommand command, CancellationToken cancellationToken) =>
        (await ExecuteAllAsync([command], cancellationToken))[0];

    public async Task<IReadOnlyList<InventoryResult>> ExecuteAllAsync(IReadOnlyList<InventoryCommand> commands, CancellationToken cancellationToken)
    {
        var waiters = commands.Select(c => new Waiter(c)).ToList();
        foreach (var sku in waiters.GroupBy(w => w.Command.Sku, StringComparer.Ordinal))
            Enqueue(sku.Key, [.. sku]);
        // A caller that gives up does not cancel the write: the commands may already be in it.
        await Task.WhenAll(waiters.Select(w => w.Answer.Task)).WaitAsync(cancellationToken);
        return waiters.Select(w => w.Answer.Task.Result).ToList();
    }

    private sealed class Waiter(InventoryCommand command)
    {
        public InventoryCommand Command { get; } = command;
        public TaskCompletionSource<InventoryResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One SKU's queue in this process, and the rows its last write left (touched only by its writer).</summary>
    private sealed class SkuWriter
    {
        public List<Waiter> Waiting { get; } = [];
        public bool Writing { get; set; }
        public KnownRows? Known { get; set; }
        /// <summary>When another instance last won a write of this SKU over ours.</summary>
        public DateTimeOffset ContendedAt { get; set; } = DateTimeOffset.MinValue;
    }

    /// <summary>A SKU's location rows as last read or written, and when they were last read from storage.</summary>
    private sealed record KnownRows(IReadOnlyDictionary<string, LocationRows> Locations, DateTimeOffset ReadAt);

    private void Enqueue(string sku, IReadOnlyList<Waiter> waiters)
    {
        var writer = _skus.GetOrAdd(sku, _ => new SkuWriter());
        bool start;
        lock (writer)
        {
            writer.Waiting.AddRange(waiters);
            start = !writer.Writing;
            writer.Writing = true;
        }
        if (start) _ = Task.Run(() => WriteWaitingAsync(sku, writer));
    }

    /// <summary>Next write takes all waiting: runs until the SKU's queue is empty.</summary>
    private async Task WriteWaitingAsync(string sku, SkuWriter writer)
    {
        while (true)
        {
            List<Waiter> taken;
            lock (writer)
            {
                if (writer.Waiting.Count == 0)
                {
                    writer.Writing = false;
                    if (_skus.Count > MaxKnownSkus) _skus.TryRemove(new KeyValuePair<string, SkuWriter>(sku, writer));
                    return;
                }
                taken = [.. writer.Waiting];
                writer.Waiting.Clear();
            }
            try
            {
                // Marking a push touches the level's ETag: it waits here too rather than making the group retry.
                using var exclusive = await _writers.AcquireAsync(sku, CancellationToken.None);
                for (var rest = (IReadOnlyList<Waiter>)taken; rest.Count > 0;)
                    rest = await WriteGroupAsync(sku, writer, rest);
            }
            catch (Exception e)
            {
                writer.Known = null;
                foreach (var waiter in taken) waiter.Answer.TrySetException(e);
            }
            // Another instance writes this SKU too: leave it a gap between our writes, or it may lose every race while
            // we write back to back. Our own requests gather meanwhile and go in the next group.
            if (DateTimeOffset.UtcNow - writer.ContendedAt < ContendedFor) await Task.Delay(Random.Shared.Next(5, 15));
        }
    }

    /// <summary>Decides and writes as many of the commands as one transaction holds; returns those left for the next.</summary>
    private async Task<IReadOnlyList<Waiter>> WriteGroupAsync(string sku, SkuWriter writer, IReadOnlyList<Waiter> waiters)
    {
        var partition = TableKeys.Escape(sku);
        var readReservations = false;
        var pending = waiters.ToList();
        for (var attempt = 1; ; attempt++)
        {
            var loaded = await LoadGroupAsync(sku, partition, writer, pending, readReservations);
            var plan = GroupPlan.Make(partition, loaded, pending);
            // A refusal writes nothing, so no ETag would catch kept rows gone stale: it is only ever made on fresh ones.
            if (loaded.Kept && plan.Decided.Any(d => d.Result.Outcome == CommandOutcome.Refused))
            {
                writer.Known = null;
                continue;
            }
            if (plan.Actions.Count == 0)
            {
                Answer(plan);
                return plan.Left;
            }
            try
            {
                var response = await Table.SubmitTransactionAsync(plan.Actions, CancellationToken.None);
                writer.Known = plan.Written(loaded, response.Value);
                Answer(plan);
                return plan.Left;
            }
            catch (TableTransactionFailedException failure) when (failure.Status is 409 or 412)
            {
                writer.Known = null;
                if (failure.Status == 412) writer.ContendedAt = DateTimeOffset.UtcNow;
                // Already applied (a redelivery)? Those are answered so; the others are decided again on fresh rows.
                var applied = await AppliedAsync(partition,
                    plan.Decided.Where(d => d.Result.Outcome == CommandOutcome.Applied).Select(d => d.Waiter), failure.Status == 409);
                foreach (var (waiter, summary) in applied)
                    waiter.Answer.TrySetResult(new InventoryResult(CommandOutcome.AlreadyApplied, summary, [], null, []));
                pending = [.. pending.Where(w => !applied.ContainsKey(w))];
                if (pending.Count == 0) return [];
                // A reservation added by someone else (a release that came first) fails its add: read them next time.
                readReservations |= failure.Status == 409;
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException($"stock of {sku} stayed contended after {attempt} attempts", failure);
                await Task.Delay(Random.Shared.Next(0, 2 * Math.Min(attempt, 10)));
            }
        }
    }

    private static void Answer(GroupPlan plan)
    {
        foreach (var decided in plan.Decided) decided.Waiter.Answer.TrySetResult(decided.Result);
    }

    /// <summary>The idempotency rows that exist among the commands: read only after a conflict (409), never before.</summary>
    private async Task<Dictionary<Waiter, string>> AppliedAsync(string partition, IEnumerable<Waiter> waiters, bool conflicted)
    {
        if (!conflicted) return [];
        var reads = waiters.Select(async w =>
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(partition, IdempotencyRow(w.Command), cancellationToken: CancellationToken.None);
            return (Waiter: w, Summary: row.HasValue ? row.Value!.GetString("Summary") ?? "already applied" : null);
        });
        return (await Task.WhenAll(reads)).Where(r => r.Summary is not null).ToDictionary(r => r.Waiter, r => r.Summary!);
    }

    private static string IdempotencyRow(InventoryCommand command) => $"idem:{TableKeys.Escape(command.IdempotencyKey)}";

    /// <summary>The rows a group reads: its locations (kept from the last write while fresh) and the reservations it names.</summary>
    private sealed record LoadedGroup(
        IReadOnlyDictionary<string, LocationRows> Locations, IReadOnlyDictionary<string, ReadReservation?> Reservations, DateTimeOffset ReadAt, bool Kept);

    private async Task<LoadedGroup> LoadGroupAsync(string sku, string partition, SkuWriter writer, IReadOnlyList<Waiter> waiters, bool readReserves)
    {
        // A reserve names a reservation that normally does not exist yet: it is not read, its add fails if it does.
        var ids = waiters.Select(w => w.Command)
            .Where(c => readReserves || c is not InventoryCommand.Reserve)
            .Select(ReservationIdOf).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var read = await Task.WhenAll(ids.Select(id => ReadReservationAsync(partition, id, CancellationToken.None)));
        var reservations = ids.Zip(read).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal);

        var locations = waiters.SelectMany(w =>
                LocationsOf(w.Command, ReservationIdOf(w.Command) is { } id ? reservations.GetValueOrDefault(id)?.Reservation : null))
            .Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var freshFor = waiters.Any(w => w.Command is InventoryCommand.Reserve) ? KnownForReservations : KnownFor;
        var known = writer.Known is { } k && DateTimeOffset.UtcNow - k.ReadAt < freshFor ? k : null;
        var rows = new Dictionary<string, LocationRows>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var location in locations)
        {
            if (known?.Locations.TryGetValue(location, out var kept) == true) rows[location] = kept;
            else missing.Add(location);
        }
        var fresh = await Task.WhenAll(missing.Select(l => ReadLocationAsync(partition, sku, l, CancellationToken.None)));
        foreach (var (location, found) in missing.Zip(fresh)) rows[location] = found;
        return new LoadedGroup(rows, reservations, missing.Count > 0 || known is null ? DateTimeOffset.UtcNow : known.ReadAt, missing.Count < locations.Count);
    }

    /// <summary>A decided command and its answer, to be given once the group is written.</summary>
    private sealed record Decided(Waiter Waiter, InventoryResult Result);

    /// <summary>
    /// The group's decisions and the one transaction that writes them: an idempotency row and the movements per applied
    /// command, and once per row the final level, reservation and (when it was clean) outbox.
    /// </summary>
    private sealed class GroupPlan
    {
        public List<TableTransactionAction> Actions { get; } = [];
        public List<Decided> Decided { get; } = [];
        public IReadOnlyList<Waiter> Left { get; private set; } = [];
        private readonly Dictionary<string, int> _levelActions = new(StringComparer.Ordinal);
        private InventoryGroup _group = null!;

        public static GroupPlan Make(string partition, LoadedGroup loaded, IReadOnlyList<Waiter> waiters)
        {
            var plan = new GroupPlan();
            var group = new InventoryGroup(waiters[0].Command.Sku,
                loaded.Locations.Where(l => l.Value.Level is not null).ToDictionary(l => l.Key, l => l.Value.Level!.Level, StringComparer.Ordinal),
                loaded.Locations.ToDictionary(l => l.Key, l => l.Value.Policy, StringComparer.Ordinal),
                loaded.Reservations.ToDictionary(r => r.Key, r => r.Value?.Reservation, StringComparer.Ordinal));
            plan._group = group;
            var rows = new List<TableTransactionAction>();
            var pushed = new HashSet<string>(StringComparer.Ordinal);
            var touchedLocations = new HashSet<string>(StringComparer.Ordinal);
            var touchedReservations = new HashSet<string>(StringComparer.Ordinal);
            var applied = new List<(InventoryCommand Command, InventoryDecision.Apply Apply, Waiter Waiter)>();
            for (var i = 0; i < waiters.Count; i++)
            {
                var command = waiters[i].Command;
                if (group.IsDuplicate(command))
                {
                    plan.Decided.Add(new(waiters[i], new InventoryResult(CommandOutcome.AlreadyApplied, "already applied in the same write", [], null, [])));
                    continue;
                }
                var decision = group.Decide(command, ReservationIdOf(command));
                if (decision is InventoryDecision.Refuse refuse)
                {
                    plan.Decided.Add(new(waiters[i], new InventoryResult(CommandOutcome.Refused, refuse.Reason, [], refuse.Available, [])));
                    continue;
                }
                if (decision is not InventoryDecision.Apply apply)
                {
                    plan.Decided.Add(new(waiters[i], new InventoryResult(CommandOutcome.NoOp, ((InventoryDecision.NoOp)decision).Reason, [], null, [])));
                    continue;
                }
                // Rows this command adds: its idempotency row, its movements, and the level, outbox and reservation rows
                // the group has not touched yet.
                var newLocations = apply.Levels.Select(l => l.Location).Where(l => !touchedLocations.Contains(l)).Distinct().ToList();
                var cleanOutboxes = newLocations.Count(l => IsClean(loaded.Locations.GetValueOrDefault(l)));
                var newReservation = apply.Reservation is { } r && !touchedReservations.Contains(r.ReservationId) ? 1 : 0;
                var size = rows.Count + 1 + apply.Movements.Count + newLocations.Count + cleanOutboxes + newReservation
                    + touchedLocations.Count + pushed.Count + touchedReservations.Count;
                if (size > MaxActions && applied.Count > 0)
                {
                    plan.Left = waiters.Skip(i).ToList();
                    break;
                }
                var pushNeeded = new List<string>();
                foreach (var location in newLocations)
                {
                    touchedLocations.Add(location);
                    if (IsClean(loaded.Locations.GetValueOrDefault(location)) && pushed.Add(location)) pushNeeded.Add(location);
                }
                if (apply.Reservation is { } changed) touchedReservations.Add(changed.ReservationId);
                rows.Add(new(TableTransactionActionType.Add, new TableEntity(partition, IdempotencyRow(command))
                {
                    ["Summary"] = Truncate(apply.Summary),
                    ["At"] = command.At,
                }));
                foreach (var movement in apply.Movements)
                    rows.Add(new(TableTransactionActionType.Add, ToMovementEntity(partition, movement, apply.Levels.First(l => l.Location == movement.Location))));
                group.Evolve(command, apply);
                applied.Add((command, apply, waiters[i]));
                plan.Decided.Add(new(waiters[i], new InventoryResult(CommandOutcome.Applied, apply.Summary, apply.Levels, null, pushNeeded)));
            }
            if (applied.Count == 0) return plan;

            foreach (var location in touchedLocations)
            {
                var current = loaded.Locations.GetValueOrDefault(location) ?? LocationRows.Empty;
                plan._levelActions[location] = plan.Actions.Count;
                plan.Actions.Add(current.Level is { } existing
                    ? new(TableTransactionActionType.UpdateReplace, ToLevelEntity(partition, group.Levels[location]), existing.ETag)
                    : new(TableTransactionActionType.Add, ToLevelEntity(partition, group.Levels[location])));
            }
            // The outbox row is only touched when it was clean: a dirty one already has a push on its way.
            var firstAt = applied[0].Command.At;
            foreach (var location in pushed)
                plan.Actions.Add(new(TableTransactionActionType.UpsertMerge, new TableEntity(partition, OutboxRow(location)) { ["DirtySince"] = firstAt }));
            foreach (var id in touchedReservations)
            {
                var reservation = group.Reservations[id]!;
                plan.Actions.Add(loaded.Reservations.GetValueOrDefault(id) is { } read
                    ? new(TableTransactionActionType.UpdateReplace, ToReservationEntity(partition, reservation), read.ETag)
                    : new(TableTransactionActionType.Add, ToReservationEntity(partition, reservation)));
            }
            plan.Actions.AddRange(rows);
            return plan;
        }

        private static bool IsClean(LocationRows? rows) => rows is null || rows.PushedVersion >= (rows.Level?.Level.Version ?? 0);

        /// <summary>The location rows as this write left them, with the levels' new ETags: no need to read them back.</summary>
        public KnownRows Written(LoadedGroup loaded, IReadOnlyList<Response> responses)
        {
            var rows = new Dictionary<string, LocationRows>(loaded.Locations, StringComparer.Ordinal);
            foreach (var (location, index) in _levelActions)
            {
                var before = rows.GetValueOrDefault(location) ?? LocationRows.Empty;
                if (responses[index].Headers.ETag is not { } etag) return new KnownRows(new Dictionary<string, LocationRows>(), DateTimeOffset.MinValue);
                rows[location] = before with { Level = new ReadLevel(_group.Levels[location], etag) };
            }
            return new KnownRows(rows, loaded.ReadAt);
        }
    }
}

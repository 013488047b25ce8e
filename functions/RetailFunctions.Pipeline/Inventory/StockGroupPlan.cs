using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Aggregates;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>
/// The decide function of a group commit: one SKU's commands decided in order on one slice
/// (<see cref="InventoryGroup"/>), as many as one transaction holds. The answers cover the commands decided; the
/// rest go in the next write.
/// </summary>
public static class StockGroupPlan
{
    public static Decision<StockChange, IReadOnlyList<InventoryResult>> Decide(StockRows rows, IReadOnlyList<InventoryCommand> commands)
    {
        var group = new InventoryGroup(rows.Sku,
            rows.Locations.Where(l => l.Value.Level is not null).ToDictionary(l => l.Key, l => l.Value.Level!, StringComparer.Ordinal),
            rows.Locations.ToDictionary(l => l.Key, l => l.Value.Policy, StringComparer.Ordinal),
            rows.Reservations.ToDictionary(r => r.Key, r => r.Value?.Reservation, StringComparer.Ordinal));
        var answers = new List<InventoryResult>();
        var write = new Rows(rows);
        foreach (var command in commands)
        {
            if (rows.Applied.GetValueOrDefault(command.IdempotencyKey) is { } summary)
            {
                answers.Add(Answer(CommandOutcome.AlreadyApplied, summary));
                continue;
            }
            if (group.IsDuplicate(command))
            {
                answers.Add(Answer(CommandOutcome.AlreadyApplied, "already applied in the same write"));
                continue;
            }
            var reservationId = StockKey.ReservationOf(command);
            switch (group.Decide(command, reservationId))
            {
                case InventoryDecision.Refuse refuse:
                    answers.Add(new InventoryResult(CommandOutcome.Refused, refuse.Reason, [], refuse.Available, []));
                    continue;
                case InventoryDecision.NoOp noOp:
                    answers.Add(Answer(CommandOutcome.NoOp, noOp.Reason));
                    continue;
                case InventoryDecision.Apply apply:
                    if (!write.Fits(command, apply)) return Decide(write, answers);
                    var pushNeeded = write.Add(command, apply);
                    group.Evolve(command, apply);
                    answers.Add(new InventoryResult(CommandOutcome.Applied, apply.Summary, apply.Levels, null, pushNeeded));
                    continue;
            }
        }
        return Decide(write, answers);
    }

    /// <summary>
    /// The group's write. A location whose channels were up to date and whose level the group leaves at the figure they
    /// were sent (a consumption: on hand and reserved fall together; a reservation released within the group) owes no
    /// push: it is marked pushed at the new version in the same write, and no answer asks for a push there.
    /// </summary>
    private static Decision<StockChange, IReadOnlyList<InventoryResult>> Decide(Rows write, List<InventoryResult> answers)
    {
        if (write.Change() is not { } change) return Decision.Nothing<StockChange, IReadOnlyList<InventoryResult>>(answers);
        if (change.StillPushed.Count == 0) return Decision.Write(change, (IReadOnlyList<InventoryResult>)answers);
        var unchanged = change.StillPushed.Select(l => l.Location).ToHashSet(StringComparer.Ordinal);
        return Decision.Write(change, (IReadOnlyList<InventoryResult>)[.. answers.Select(a => a.PushNeeded.Any(unchanged.Contains)
            ? a with { PushNeeded = [.. a.PushNeeded.Where(l => !unchanged.Contains(l))] }
            : a)]);
    }

    private static InventoryResult Answer(CommandOutcome outcome, string summary) => new(outcome, summary, [], null, []);

    /// <summary>The rows the applied commands write, each level, reservation, outbox and policy once.</summary>
    private sealed class Rows(StockRows read)
    {
        private readonly Dictionary<string, StockLevel> _levels = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
        private readonly List<StockMovementRow> _movements = [];
        private readonly List<StockAppliedRow> _applied = [];
        private readonly List<string> _dirty = [];
        private readonly HashSet<string> _policies = new(StringComparer.Ordinal);

        private int Count => _levels.Count + _reservations.Count + _movements.Count + _applied.Count + _dirty.Count + _policies.Count;

        /// <summary>Whether the command's rows still fit in the transaction (the first one always goes).</summary>
        public bool Fits(InventoryCommand command, InventoryDecision.Apply apply)
        {
            if (_applied.Count == 0) return true;
            var locations = apply.Levels.Select(l => l.Location).Where(l => !_levels.ContainsKey(l)).Distinct(StringComparer.Ordinal).ToList();
            var added = 1 + apply.Movements.Count + locations.Count + locations.Count(l => read.Location(l).Clean)
                + (apply.Reservation is { } r && !_reservations.ContainsKey(r.ReservationId) ? 1 : 0)
                + (command is InventoryCommand.Reserve reserve && !_policies.Contains(reserve.Location) ? 1 : 0);
            return Count + added <= StockChange.MaxRows;
        }

        /// <summary>Takes an applied command's rows; returns the locations whose outbox it dirtied (they owe a push now).</summary>
        public List<string> Add(InventoryCommand command, InventoryDecision.Apply apply)
        {
            var pushNeeded = new List<string>();
            foreach (var level in apply.Levels)
            {
                if (!_levels.ContainsKey(level.Location) && read.Location(level.Location).Clean)
                {
                    _dirty.Add(level.Location);
                    pushNeeded.Add(level.Location);
                }
                _levels[level.Location] = level;
            }
            foreach (var movement in apply.Movements)
                _movements.Add(new StockMovementRow(movement, apply.Levels.First(l => l.Location == movement.Location)));
            if (apply.Reservation is { } reservation) _reservations[reservation.ReservationId] = reservation;
            // A reservation is judged against the channel's safety stock: the write checks the policy did not change.
            if (command is InventoryCommand.Reserve reserve) _policies.Add(reserve.Location);
            _applied.Add(new StockAppliedRow(command.IdempotencyKey, apply.Summary, command.At));
            return pushNeeded;
        }

        public StockChange? Change()
        {
            if (_applied.Count == 0) return null;
            var stillPushed = _dirty.Select(l => _levels[l]).Where(l => read.Location(l.Location).LastPushedAvailable == l.OnHand - l.Reserved).ToList();
            return new([.. _levels.Values], _movements, [.. _reservations.Values], _applied, [.. _dirty.Except(stillPushed.Select(l => l.Location))],
                _applied[0].At, [.. _policies], stillPushed);
        }
    }
}

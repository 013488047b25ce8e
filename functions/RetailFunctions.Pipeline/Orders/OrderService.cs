using System.Collections.Concurrent;
using System.Diagnostics;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Aggregates;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>What a caller learns from a command: the order as it now stands (with its outbox), or why the command was refused.</summary>
public sealed record OrderResult(StoredOrder Stored, string? Refusal, bool Changed)
{
    public Order Order => Stored.Order;
}

/// <summary>
/// Drives the order workflow durably on the aggregate runner: decide, save the new state with its effects in one write
/// (ETag-checked), then run the effects and remove them. Effects that answer back (routing, the ledger's answer to a
/// reservation) are fed in as commands in the same save that removes them; routing, which only reads, runs before
/// the save that asks for it, so a placed order is saved already routed. A crash anywhere leaves the effects in the
/// row, and the next message for the order, or the sweep, runs them again: each is idempotent.
/// <para>
/// The row this process last wrote is kept (a bounded set) and the next command decides on it without reading: its
/// save is ETag-checked, so a copy someone else has since overwritten costs one failed write and a read, and a
/// decision that would write nothing on the copy is made again on a fresh read. A new order is first tried as an
/// insert, for the same reason.
/// </para>
/// <para>
/// Effects that ran leave an open order's row with its next write, and answers that only add events to publish (the
/// ledger confirming a reservation) are saved with it: a store action usually follows within seconds, so this rides
/// on it instead of costing a write of its own. Until then they are kept here as owed, and shown as if saved; when no
/// command comes within a short delay (two seconds) they are written alone, and an order that has come to rest
/// (closed or cancelled) has them written at once. Nothing is run before it is saved. A crash in between only means
/// the sweep runs the effects again, as after any crash between running and removing, and their answers come again.
/// </para>
/// <para>
/// An event nobody follows (<see cref="OrderEventAudience"/>: a till sale's own recording) is not put in the outbox at
/// all, so a till sale is one write with nothing to send and nothing to remove; its placement is counted here instead.
/// </para>
/// </summary>
public sealed class OrderService(
    IOrderStore store, OrderEffectRunner effects, OrderPolicy policy, TimeSpan? removalDelay = null, PilotGate? pilot = null)
{
    private const int MaxAttempts = 12;
    private const int MaxRounds = 25;
    private const int RememberedRows = 4_096;
    private readonly TimeSpan _removalDelay = removalDelay ?? TimeSpan.FromSeconds(2);
    private static readonly IReadOnlySet<string> NoneRun = new HashSet<string>(StringComparer.Ordinal);
    private readonly AggregateRunner<string, StoredOrder, OrderChange> _runner = new(store, MaxAttempts);
    private readonly ConcurrentDictionary<string, Kept> _written = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, byte> _removals = new(StringComparer.Ordinal);

    /// <summary>
    /// A row as this process last wrote or read it (its tag is the row's), the effects in it that have run since, the
    /// answers they gave that are not saved yet, and when the first of them ran (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    private sealed record Kept(StoredOrder Row, IReadOnlySet<string> Run, IReadOnlyList<OrderCommand> Answers, long RunSince)
    {
        /// <summary>Whether the row still lists effects that ran, or lacks answers they gave.</summary>
        public bool Owes => Run.Count > 0 || Answers.Count > 0;

        /// <summary>The effects in the row still to run.</summary>
        public IReadOnlyList<OrderEffect> Due => Run.Count == 0 ? Row.Pending : [.. Row.Pending.Where(e => !Run.Contains(e.EffectId))];

        /// <summary>A row just written or read, with those of the effects run that it still lists, and the answers still owed to it.</summary>
        public static Kept Of(StoredOrder row, IReadOnlySet<string> run, IReadOnlyList<OrderCommand> answers, long since)
        {
            var still = run.Count == 0 ? NoneRun : row.Pending.Select(e => e.EffectId).Where(run.Contains).ToHashSet(StringComparer.Ordinal);
            return new Kept(row, still.Count == 0 ? NoneRun : still, answers, still.Count > 0 || answers.Count > 0 ? since : 0);
        }
    }

    public OrderPolicy Policy => policy;

    public Task<OrderResult> ExecuteAsync(string orderId, OrderCommand command, CancellationToken ct) => ExecuteAllAsync(orderId, [command], ct);

    /// <summary>
    /// Several commands for one order (an order and its payments) decided in order and saved in one write. The first
    /// refusal stops the rest and is returned; what was accepted before it is kept.
    /// </summary>
    public async Task<OrderResult> ExecuteAllAsync(string orderId, IReadOnlyList<OrderCommand> commands, CancellationToken ct) =>
        await ExecuteAllAsync(orderId, commands, onlyIfKnown: false, ct);

    /// <summary>
    /// Commands for an order whose references the caller has indexed already (a window of till sales indexes its
    /// orders together): decided and saved as by <see cref="ExecuteAllAsync(string, IReadOnlyList{OrderCommand}, CancellationToken)"/>,
    /// without writing the index again.
    /// </summary>
    public Task<OrderResult> ExecuteIndexedAsync(string orderId, IReadOnlyList<OrderCommand> commands, CancellationToken ct) =>
        ExecuteAllAsync(orderId, commands, onlyIfKnown: false, ct, indexed: true);

    /// <summary>A command about an existing order (an associate's action): nothing is written for an order never recorded.</summary>
    public Task<OrderResult> ExecuteOnKnownAsync(string orderId, OrderCommand command, CancellationToken ct) =>
        ExecuteAllAsync(orderId, [command], onlyIfKnown: true, ct);

    private async Task<OrderResult> ExecuteAllAsync(string orderId, IReadOnlyList<OrderCommand> commands, bool onlyIfKnown, CancellationToken ct,
        bool indexed = false)
    {
        var kept = _written.GetValueOrDefault(orderId);
        foreach (var record in commands.OfType<OrderCommand.RecordOrder>())
            if (!indexed && !Indexed(kept?.Row, record.Draft))
                await store.IndexAsync(orderId, record.Draft.Channel, record.Draft.References, ct);
        var (run, owed) = (kept?.Run ?? NoneRun, kept?.Answers ?? []);
        var assumed = kept?.Row ?? (commands.Any(c => c is OrderCommand.RecordOrder) ? new StoredOrder(Order.Empty(orderId), [], null) : null);
        var route = assumed is null ? null : await RouteAheadAsync(kept is null ? assumed : Current(kept), commands, ct);
        var ran = await _runner.RunAsync(orderId, orderId, stored => Decide(stored, commands, onlyIfKnown, route, run, owed), ct, assumed);
        if (ran.Written)
            foreach (var placed in ran.Result.Unpublished.OfType<OrderEvent.OrderPlaced>()) OrderEventAudience.CountPlaced(placed.Draft, pilot);
        var now = Kept.Of(ran.Slice, run, ran.Written ? [] : owed, kept?.RunSince ?? 0);
        if (!ran.Slice.Order.IsKnown && onlyIfKnown) return new OrderResult(Current(now), ran.Result.Refusal, false);
        Remember(now);
        var (drained, _) = await DrainAsync(now, removeNow: false, ct);
        return new OrderResult(Current(drained), ran.Result.Refusal, ran.Written);
    }

    /// <summary>The order as stored, with what this process owes the row: answers to save, effects run to remove.</summary>
    public async Task<StoredOrder> LoadAsync(string orderId, CancellationToken ct)
    {
        var row = await store.LoadAsync(orderId, ct);
        return _written.GetValueOrDefault(orderId) is { } kept && kept.Row.ETag == row.ETag ? Current(kept) : row;
    }

    /// <summary>
    /// A row saved with these references had them indexed before it was saved (the index is written first), so a
    /// repeated topic of a known order (paid, updated, fulfilled) does not write the index again.
    /// </summary>
    private static bool Indexed(StoredOrder? kept, OrderDraft draft) =>
        kept?.Order.Draft is { } saved && saved.Channel == draft.Channel
        && draft.References.All(r => saved.References.Any(s => s.Value == r.Value));

    /// <summary>The commands decided in turn on the stored order, up to the first refusal; nothing to write when the state is unchanged.</summary>
    private Decision<OrderChange, Decided> Decide(StoredOrder stored, IReadOnlyList<OrderCommand> commands, bool onlyIfKnown, Route? route,
        IReadOnlySet<string> run, IReadOnlyList<OrderCommand> owed)
    {
        if (onlyIfKnown && !stored.Order.IsKnown) return Decision.Nothing<OrderChange, Decided>(new($"order {stored.Order.OrderId} is not known", []));
        // What this process owes the row goes first: effects already run leave the outbox, answers not yet saved are decided.
        var owing = Answer(stored, run, owed).Change!;
        var state = owing.Order;
        var added = new List<OrderEffect>();
        string? refusal = null;
        foreach (var command in commands)
        {
            var step = OrderWorkflow.Execute(command, state, policy);
            if (step.Refusal is not null)
            {
                refusal = step.Refusal;
                break;
            }
            state = step.Next;
            added.AddRange(step.Effects);
        }
        if (ReferenceEquals(state, owing.Order)) return Decision.Nothing<OrderChange, Decided>(new(refusal, []));
        if (route is not null && added.OfType<OrderEffect.RouteStock>().FirstOrDefault() is { } routing && route.Fits(routing, state))
        {
            var step = OrderWorkflow.Execute(route.Answer, state, policy);
            state = step.Next;
            added.Remove(routing);
            added.AddRange(step.Effects);
        }
        var (followed, unpublished) = ByAudience(state, added);
        return Decision.Write(new OrderChange(state, [.. owing.Pending, .. followed]), new Decided(refusal, unpublished));
    }

    /// <summary>What a decision answers besides its change: why a command was refused, and the events nobody follows, left unpublished.</summary>
    private sealed record Decided(string? Refusal, IReadOnlyList<OrderEvent> Unpublished);

    /// <summary>The effects without the events nobody follows, and those events: each event's audience is asked once.</summary>
    private static (List<OrderEffect> Followed, List<OrderEvent> Unfollowed) ByAudience(Order state, IEnumerable<OrderEffect> effects)
    {
        var (followed, unfollowed) = (new List<OrderEffect>(), new List<OrderEvent>());
        foreach (var effect in effects)
        {
            if (effect is OrderEffect.Publish p && !OrderEventAudience.IsFollowed(state, p.Event)) unfollowed.Add(p.Event);
            else followed.Add(effect);
        }
        return (followed, unfollowed);
    }

    /// <summary>
    /// When the commands, decided on the order as this process last saw it, ask for routing, the route is read now
    /// (routing writes nothing), so it is saved with the decision instead of in a round of its own. It is used only if
    /// the decision that is saved asks for the same routing of the same needs.
    /// </summary>
    private async Task<Route?> RouteAheadAsync(StoredOrder assumed, IReadOnlyList<OrderCommand> commands, CancellationToken ct)
    {
        var state = assumed.Order;
        foreach (var command in commands)
        {
            var step = OrderWorkflow.Execute(command, state, policy);
            if (step.Refusal is not null) return null;
            state = step.Next;
            if (step.Effects.OfType<OrderEffect.RouteStock>().FirstOrDefault() is { } routing)
                return new Route(routing.EffectId, OrderDecider.Needs(state), await effects.RouteAsync(state, routing, ct));
        }
        return null;
    }

    private sealed record Route(string EffectId, IReadOnlyList<StockNeed> Needs, OrderCommand Answer)
    {
        public bool Fits(OrderEffect.RouteStock routing, Order state) => routing.EffectId == EffectId && OrderDecider.Needs(state).SequenceEqual(Needs);
    }

    /// <summary>Runs the order's outbox until it is empty, and saves what that owes the row; the number of effects run.</summary>
    public async Task<int> DrainAsync(string orderId, CancellationToken ct)
    {
        var row = await store.LoadAsync(orderId, ct);
        var kept = _written.GetValueOrDefault(orderId) is { } known && known.Row.ETag == row.ETag ? known : Kept.Of(row, NoneRun, [], 0);
        return (await DrainAsync(kept, removeNow: true, ct)).Ran;
    }

    /// <summary>
    /// Runs the outbox from a known state of the row (bounded: each round's answers can add effects). What that owes the
    /// row (removing what ran, saving the answers) is written at once when an answer asks for more than publishing
    /// (a refused reservation is routed again), when asked, or when the order has come to rest; otherwise it waits for
    /// the order's next write, or a few quiet seconds.
    /// </summary>
    private async Task<(Kept Kept, int Ran)> DrainAsync(Kept kept, bool removeNow, CancellationToken ct)
    {
        var ran = 0;
        var orderId = kept.Row.Order.OrderId;
        for (var round = 0; round < MaxRounds; round++)
        {
            if (kept.Due is { Count: > 0 } due)
            {
                var answers = await effects.RunAllAsync(kept.Row.Order, due, ct);
                ran += due.Count;
                kept = new Kept(kept.Row, kept.Run.Concat(due.Select(e => e.EffectId)).ToHashSet(StringComparer.Ordinal), [.. kept.Answers, .. answers],
                    kept.Owes ? kept.RunSince : Stopwatch.GetTimestamp());
                Remember(kept);
            }
            if (!kept.Owes) break;
            if (!removeNow && !AtRest(Current(kept).Order) && OnlyPublishes(kept))
            {
                ScheduleRemoval(orderId);
                break;
            }
            var (run, owed) = (kept.Run, kept.Answers);
            var saved = await _runner.RunAsync(orderId, orderId, current => owed.Count == 0 && !current.Pending.Any(e => run.Contains(e.EffectId))
                ? Decision.Nothing<OrderChange, bool>(false)
                : Answer(current, run, owed), ct, kept.Row);
            kept = Kept.Of(saved.Slice, run, saved.Written ? [] : owed, kept.RunSince);
            Remember(kept);
        }
        return (kept, ran);
    }

    private static bool AtRest(Order order) => order.Status is OrderStatus.Closed or OrderStatus.Cancelled;

    /// <summary>Whether the answers owed add nothing to the outbox but events to publish, which can wait for the next write.</summary>
    private bool OnlyPublishes(Kept kept)
    {
        if (kept.Answers.Count == 0) return true;
        var listed = kept.Row.Pending.Select(e => e.EffectId).ToHashSet(StringComparer.Ordinal);
        return Answer(kept.Row, kept.Run, kept.Answers).Change!.Pending.Where(e => !listed.Contains(e.EffectId)).All(e => e is OrderEffect.Publish);
    }

    /// <summary>The order as it stands: the row with the answers not yet saved, without the effects already run.</summary>
    private StoredOrder Current(Kept kept)
    {
        if (!kept.Owes) return kept.Row;
        var change = Answer(kept.Row, kept.Run, kept.Answers).Change!;
        return new StoredOrder(change.Order, change.Pending, kept.Row.ETag);
    }

    /// <summary>The effects run leave the outbox and their answers are decided; written even when nothing else changed, to empty it.</summary>
    private Decision<OrderChange, bool> Answer(StoredOrder current, IReadOnlySet<string> done, IReadOnlyList<OrderCommand> answers)
    {
        var state = current.Order;
        var pending = current.Pending.Where(e => !done.Contains(e.EffectId)).ToList();
        foreach (var answer in answers)
        {
            var step = OrderWorkflow.Execute(answer, state, policy);
            state = step.Next;
            pending.AddRange(ByAudience(step.Next, step.Effects).Followed);
        }
        return Decision.Write(new OrderChange(state, pending), true);
    }

    /// <summary>
    /// Saves what is owed to the row once the order has had no write for the removal delay. A failure leaves the
    /// effects in the row, where the sweep finds and runs them again, as after a crash.
    /// </summary>
    private void ScheduleRemoval(string orderId)
    {
        if (!_removals.TryAdd(orderId, 0)) return;
        _ = Task.Run(async () =>
        {
            try
            {
                while (_written.GetValueOrDefault(orderId) is { Owes: true } kept)
                {
                    var waited = Stopwatch.GetElapsedTime(kept.RunSince);
                    if (waited < _removalDelay)
                    {
                        await Task.Delay(_removalDelay - waited);
                        continue;
                    }
                    // Rounds used up with something still owed: the sweep takes it from here.
                    if ((await DrainAsync(kept, removeNow: true, CancellationToken.None)).Kept.Owes) return;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Left in the row: the sweep runs them again.
                return;
            }
            finally
            {
                _removals.TryRemove(orderId, out _);
            }
            // Marked run after the last look and before this removal let go of the order: its own removal is due.
            if (_written.GetValueOrDefault(orderId) is { Owes: true }) ScheduleRemoval(orderId);
        });
    }

    /// <summary>
    /// Keeps what this process last wrote; past the bound the rows with nothing run since are forgotten (a missing row
    /// is only read), the others once their removal is written.
    /// </summary>
    private void Remember(Kept kept)
    {
        if (kept.Row.ETag is null) return;
        if (_written.Count >= RememberedRows)
            foreach (var (id, old) in _written)
                if (!old.Owes) _written.TryRemove(id, out _);
        _written[kept.Row.Order.OrderId] = kept;
    }
}

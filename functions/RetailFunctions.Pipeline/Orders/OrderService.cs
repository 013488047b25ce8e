using System.Collections.Concurrent;
using System.Diagnostics;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Aggregates;

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
/// Effects that ran without answering (published events, pick requests, stock consumed) leave an open order's row in
/// its next write: a store action usually follows within seconds, so their removal rides on it instead of costing a
/// write of its own. Until then they are kept here as run; when no command comes within a short delay (two seconds)
/// the removal is written alone, and an order that has come to rest (closed or cancelled) has it written at once. A
/// crash in between only means the sweep runs them again, as after any crash between running and removing.
/// </para>
/// </summary>
public sealed class OrderService(IOrderStore store, OrderEffectRunner effects, OrderPolicy policy, TimeSpan? removalDelay = null)
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
    /// A row as this process last wrote or read it (its tag is the row's), the effects in it that have run since, and
    /// when the first of them ran (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    private sealed record Kept(StoredOrder Row, IReadOnlySet<string> Run, long RunSince)
    {
        /// <summary>The order as it stands: the row without the effects already run.</summary>
        public StoredOrder Current => Run.Count == 0 ? Row : Row with { Pending = [.. Row.Pending.Where(e => !Run.Contains(e.EffectId))] };

        /// <summary>A row just written or read, with those of the effects run that it still lists.</summary>
        public static Kept Of(StoredOrder row, IReadOnlySet<string> run, long since = 0)
        {
            var still = run.Count == 0 ? NoneRun : row.Pending.Select(e => e.EffectId).Where(run.Contains).ToHashSet(StringComparer.Ordinal);
            return new Kept(row, still.Count == 0 ? NoneRun : still, still.Count == 0 ? 0 : since);
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

    /// <summary>A command about an existing order (an associate's action): nothing is written for an order never recorded.</summary>
    public Task<OrderResult> ExecuteOnKnownAsync(string orderId, OrderCommand command, CancellationToken ct) =>
        ExecuteAllAsync(orderId, [command], onlyIfKnown: true, ct);

    private async Task<OrderResult> ExecuteAllAsync(string orderId, IReadOnlyList<OrderCommand> commands, bool onlyIfKnown, CancellationToken ct)
    {
        var kept = _written.GetValueOrDefault(orderId);
        foreach (var record in commands.OfType<OrderCommand.RecordOrder>())
            if (!Indexed(kept?.Row, record.Draft))
                await store.IndexAsync(orderId, record.Draft.Channel, record.Draft.References, ct);
        var run = kept?.Run ?? NoneRun;
        var assumed = kept?.Row ?? (commands.Any(c => c is OrderCommand.RecordOrder) ? new StoredOrder(Order.Empty(orderId), [], null) : null);
        var route = assumed is null ? null : await RouteAheadAsync(assumed, commands, ct);
        var ran = await _runner.RunAsync(orderId, orderId, stored => Decide(stored, commands, onlyIfKnown, route, run), ct, assumed);
        var now = Kept.Of(ran.Slice, run, kept?.RunSince ?? 0);
        if (!ran.Slice.Order.IsKnown && onlyIfKnown) return new OrderResult(now.Current, ran.Result, false);
        Remember(now);
        var (drained, _) = await DrainAsync(now, removeNow: false, ct);
        return new OrderResult(drained.Current, ran.Result, ran.Written);
    }

    /// <summary>The order as stored, without the effects this process has run since it wrote the row.</summary>
    public async Task<StoredOrder> LoadAsync(string orderId, CancellationToken ct)
    {
        var row = await store.LoadAsync(orderId, ct);
        return _written.GetValueOrDefault(orderId) is { } kept && kept.Row.ETag == row.ETag ? kept.Current : row;
    }

    /// <summary>
    /// A row saved with these references had them indexed before it was saved (the index is written first), so a
    /// repeated topic of a known order (paid, updated, fulfilled) does not write the index again.
    /// </summary>
    private static bool Indexed(StoredOrder? kept, OrderDraft draft) =>
        kept?.Order.Draft is { } saved && saved.Channel == draft.Channel
        && draft.References.All(r => saved.References.Any(s => s.Value == r.Value));

    /// <summary>The commands decided in turn on the stored order, up to the first refusal; nothing to write when the state is unchanged.</summary>
    private Decision<OrderChange, string?> Decide(StoredOrder stored, IReadOnlyList<OrderCommand> commands, bool onlyIfKnown, Route? route,
        IReadOnlySet<string> run)
    {
        if (onlyIfKnown && !stored.Order.IsKnown) return Decision.Nothing<OrderChange, string?>($"order {stored.Order.OrderId} is not known");
        var state = stored.Order;
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
        if (ReferenceEquals(state, stored.Order)) return Decision.Nothing<OrderChange, string?>(refusal);
        if (route is not null && added.OfType<OrderEffect.RouteStock>().FirstOrDefault() is { } routing && route.Fits(routing, state))
        {
            var step = OrderWorkflow.Execute(route.Answer, state, policy);
            state = step.Next;
            added.Remove(routing);
            added.AddRange(step.Effects);
        }
        // Effects already run leave the outbox with this write.
        return Decision.Write(new OrderChange(state, [.. stored.Pending.Where(e => !run.Contains(e.EffectId)), .. added]), refusal);
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

    /// <summary>Runs the order's outbox until it is empty, and removes what ran; the number of effects run.</summary>
    public async Task<int> DrainAsync(string orderId, CancellationToken ct)
    {
        var row = await store.LoadAsync(orderId, ct);
        var kept = _written.GetValueOrDefault(orderId) is { } known && known.Row.ETag == row.ETag ? known : Kept.Of(row, NoneRun);
        return (await DrainAsync(kept, removeNow: true, ct)).Ran;
    }

    /// <summary>
    /// Runs the outbox from a known state of the row (bounded: each round's answers can add effects). Answers are saved
    /// at once, with the removal of what ran; effects that answered nothing are only marked run, and removed by the
    /// order's next write, or alone after a delay, or at once when asked or when the order has come to rest.
    /// </summary>
    private async Task<(Kept Kept, int Ran)> DrainAsync(Kept kept, bool removeNow, CancellationToken ct)
    {
        var ran = 0;
        var orderId = kept.Row.Order.OrderId;
        for (var round = 0; round < MaxRounds && kept.Current.Pending is { Count: > 0 } due; round++)
        {
            var answers = new List<OrderCommand>();
            foreach (var effect in due)
                answers.AddRange(await effects.RunAsync(kept.Row.Order, effect, ct));
            ran += due.Count;
            var run = kept.Run.Concat(due.Select(e => e.EffectId)).ToHashSet(StringComparer.Ordinal);
            kept = new Kept(kept.Row, run, kept.Run.Count > 0 ? kept.RunSince : Stopwatch.GetTimestamp());
            Remember(kept);
            if (answers.Count == 0) break;
            var saved = await _runner.RunAsync(orderId, orderId, current => Answer(current, run, answers), ct, kept.Row);
            kept = Kept.Of(saved.Slice, run, kept.RunSince);
            Remember(kept);
        }
        if (kept.Run.Count == 0) return (kept, ran);
        if (removeNow || kept.Row.Order.Status is OrderStatus.Closed or OrderStatus.Cancelled)
        {
            kept = await RemoveRunAsync(kept, ct);
            Remember(kept);
        }
        else ScheduleRemoval(orderId);
        return (kept, ran);
    }

    /// <summary>The effects run leave the outbox and their answers are decided; written even when nothing else changed, to empty it.</summary>
    private Decision<OrderChange, bool> Answer(StoredOrder current, IReadOnlySet<string> done, List<OrderCommand> answers)
    {
        var state = current.Order;
        var pending = current.Pending.Where(e => !done.Contains(e.EffectId)).ToList();
        foreach (var answer in answers)
        {
            var step = OrderWorkflow.Execute(answer, state, policy);
            state = step.Next;
            pending.AddRange(step.Effects);
        }
        return Decision.Write(new OrderChange(state, pending), true);
    }

    /// <summary>Writes the removal of the effects run; nothing when another write has removed them already.</summary>
    private async Task<Kept> RemoveRunAsync(Kept kept, CancellationToken ct)
    {
        var run = kept.Run;
        var orderId = kept.Row.Order.OrderId;
        var ran = await _runner.RunAsync(orderId, orderId, current => current.Pending.Any(e => run.Contains(e.EffectId))
            ? Answer(current, run, [])
            : Decision.Nothing<OrderChange, bool>(false), ct, kept.Row);
        return Kept.Of(ran.Slice, run);
    }

    /// <summary>
    /// Removes the effects run once the order has had no write for the removal delay. A failure leaves them
    /// in the row, where the sweep finds and runs them again, as after a crash.
    /// </summary>
    private void ScheduleRemoval(string orderId)
    {
        if (!_removals.TryAdd(orderId, 0)) return;
        _ = Task.Run(async () =>
        {
            try
            {
                while (_written.GetValueOrDefault(orderId) is { Run.Count: > 0 } kept)
                {
                    var waited = Stopwatch.GetElapsedTime(kept.RunSince);
                    if (waited < _removalDelay)
                    {
                        await Task.Delay(_removalDelay - waited);
                        continue;
                    }
                    // A command that wrote meanwhile keeps its own, newer copy.
                    _written.TryUpdate(orderId, await RemoveRunAsync(kept, CancellationToken.None), kept);
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
            if (_written.GetValueOrDefault(orderId) is { Run.Count: > 0 }) ScheduleRemoval(orderId);
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
                if (old.Run.Count == 0) _written.TryRemove(id, out _);
        _written[kept.Row.Order.OrderId] = kept;
    }
}

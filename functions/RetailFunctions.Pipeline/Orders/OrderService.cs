using System.Collections.Concurrent;
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
/// </summary>
public sealed class OrderService(IOrderStore store, OrderEffectRunner effects, OrderPolicy policy)
{
    private const int MaxAttempts = 12;
    private const int MaxRounds = 25;
    private const int RememberedRows = 4_096;
    private readonly AggregateRunner<string, StoredOrder, OrderChange> _runner = new(store, MaxAttempts);
    private readonly ConcurrentDictionary<string, StoredOrder> _written = new(StringComparer.Ordinal);

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
            if (!indexed && !Indexed(kept, record.Draft))
                await store.IndexAsync(orderId, record.Draft.Channel, record.Draft.References, ct);
        var assumed = kept ?? (commands.Any(c => c is OrderCommand.RecordOrder) ? new StoredOrder(Order.Empty(orderId), [], null) : null);
        var route = assumed is null ? null : await RouteAheadAsync(assumed, commands, ct);
        var ran = await _runner.RunAsync(orderId, orderId, stored => Decide(stored, commands, onlyIfKnown, route), ct, assumed);
        if (!ran.Slice.Order.IsKnown && onlyIfKnown) return new OrderResult(ran.Slice, ran.Result, false);
        Remember(ran.Slice);
        var (drained, _) = await DrainAsync(ran.Slice, ct);
        return new OrderResult(drained, ran.Result, ran.Written);
    }

    public Task<StoredOrder> LoadAsync(string orderId, CancellationToken ct) => store.LoadAsync(orderId, ct);

    /// <summary>
    /// A row saved with these references had them indexed before it was saved (the index is written first), so a
    /// repeated topic of a known order (paid, updated, fulfilled) does not write the index again.
    /// </summary>
    private static bool Indexed(StoredOrder? kept, OrderDraft draft) =>
        kept?.Order.Draft is { } saved && saved.Channel == draft.Channel
        && draft.References.All(r => saved.References.Any(s => s.Value == r.Value));

    /// <summary>The commands decided in turn on the stored order, up to the first refusal; nothing to write when the state is unchanged.</summary>
    private Decision<OrderChange, string?> Decide(StoredOrder stored, IReadOnlyList<OrderCommand> commands, bool onlyIfKnown, Route? route)
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
        return Decision.Write(new OrderChange(state, [.. stored.Pending, .. added]), refusal);
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

    /// <summary>Runs the order's outbox until it is empty; the number of effects run.</summary>
    public async Task<int> DrainAsync(string orderId, CancellationToken ct) => (await DrainAsync(await store.LoadAsync(orderId, ct), ct)).Ran;

    /// <summary>Runs the outbox from a known state of the row (bounded: each round's answers can add effects).</summary>
    private async Task<(StoredOrder Stored, int Ran)> DrainAsync(StoredOrder stored, CancellationToken ct)
    {
        var ran = 0;
        for (var round = 0; round < MaxRounds && stored.Pending.Count > 0; round++)
        {
            var answers = new List<OrderCommand>();
            foreach (var effect in stored.Pending)
                answers.AddRange(await effects.RunAsync(stored.Order, effect, ct));
            ran += stored.Pending.Count;
            var done = stored.Pending.Select(e => e.EffectId).ToHashSet(StringComparer.Ordinal);
            stored = (await _runner.RunAsync(stored.Order.OrderId, stored.Order.OrderId, current => Answer(current, done, answers), ct, stored)).Slice;
            Remember(stored);
        }
        return (stored, ran);
    }

    /// <summary>The effects run leave the outbox and their answers are decided; written even when nothing else changed, to empty it.</summary>
    private Decision<OrderChange, bool> Answer(StoredOrder current, HashSet<string> done, List<OrderCommand> answers)
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

    /// <summary>Keeps what this process last wrote; past the bound the set starts again (a missing row is only read).</summary>
    private void Remember(StoredOrder stored)
    {
        if (stored.ETag is null) return;
        if (_written.Count >= RememberedRows) _written.Clear();
        _written[stored.Order.OrderId] = stored;
    }
}

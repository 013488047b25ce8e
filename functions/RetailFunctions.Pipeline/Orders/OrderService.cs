using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>What a caller learns from a command: the order as it now stands (with its outbox), or why the command was refused.</summary>
public sealed record OrderResult(StoredOrder Stored, string? Refusal, bool Changed)
{
    public Order Order => Stored.Order;
}

public sealed class OrderConcurrencyException(string orderId)
    : Exception($"order {orderId} kept changing while a command was applied; the message will be retried");

/// <summary>
/// Drives the order workflow durably: load the order, decide, save the new state with its effects in one write
/// (ETag-checked), then run the effects and remove them. Effects that answer back (routing, the ledger's answer to a
/// reservation) are fed in as commands in the same save that removes them. A crash anywhere leaves the effects in
/// the row, and the next message for the order, or the sweep, runs them again: each is idempotent. The row is read
/// once per command; later writes go on from the tag the last write returned, and re-read only when someone else
/// wrote in between.
/// </summary>
public sealed class OrderService(IOrderStore store, OrderEffectRunner effects, OrderPolicy policy)
{
    private const int MaxAttempts = 12;
    private const int MaxRounds = 25;

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
        var (stored, refusal, changed) = await DecideAndSaveAsync(orderId, commands, onlyIfKnown, ct);
        if (!stored.Order.IsKnown && onlyIfKnown) return new OrderResult(stored, refusal, false);
        var (drained, _) = await DrainAsync(stored, ct);
        return new OrderResult(drained, refusal, changed);
    }

    public Task<StoredOrder> LoadAsync(string orderId, CancellationToken ct) => store.LoadAsync(orderId, ct);

    private async Task<(StoredOrder Stored, string? Refusal, bool Changed)> DecideAndSaveAsync(string orderId, IReadOnlyList<OrderCommand> commands,
        bool onlyIfKnown, CancellationToken ct)
    {
        foreach (var record in commands.OfType<OrderCommand.RecordOrder>())
            await store.IndexAsync(orderId, record.Draft.Channel, record.Draft.References, ct);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await store.LoadAsync(orderId, ct);
            if (onlyIfKnown && !stored.Order.IsKnown) return (stored, $"order {orderId} is not known", false);
            var state = stored.Order;
            var effectsToRun = new List<OrderEffect>();
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
                effectsToRun.AddRange(step.Effects);
            }
            if (ReferenceEquals(state, stored.Order)) return (stored, refusal, false);
            List<OrderEffect> pending = [.. stored.Pending, .. effectsToRun];
            if (await store.TrySaveAsync(state, pending, stored.ETag, ct) is { } etag)
                return (new StoredOrder(state, pending, etag), refusal, true);
        }
        throw new OrderConcurrencyException(orderId);
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

            for (var attempt = 0; ; attempt++)
            {
                var state = stored.Order;
                var pending = stored.Pending.Where(e => !done.Contains(e.EffectId)).ToList();
                foreach (var answer in answers)
                {
                    var step = OrderWorkflow.Execute(answer, state, policy);
                    state = step.Next;
                    pending.AddRange(step.Effects);
                }
                if (await store.TrySaveAsync(state, pending, stored.ETag, ct) is { } etag)
                {
                    stored = new StoredOrder(state, pending, etag);
                    break;
                }
                if (attempt >= MaxAttempts) throw new OrderConcurrencyException(stored.Order.OrderId);
                stored = await store.LoadAsync(stored.Order.OrderId, ct);
            }
        }
        return (stored, ran);
    }
}

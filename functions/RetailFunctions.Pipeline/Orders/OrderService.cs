using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>What a caller learns from a command: the order as it now stands, or why the command was refused.</summary>
public sealed record OrderResult(Order Order, string? Refusal, bool Changed);

public sealed class OrderConcurrencyException(string orderId)
    : Exception($"order {orderId} kept changing while a command was applied; the message will be retried");

/// <summary>
/// Drives the order workflow durably: load the order, decide, save the new state with its effects in one write
/// (ETag-checked), then run the effects and remove them. Effects that answer back (routing, the ledger's answer to a
/// reservation) are fed in as commands in the same save that removes them. A crash anywhere leaves the effects in
/// the row, and the next message for the order, or the sweep, runs them again: each is idempotent.
/// </summary>
public sealed class OrderService(IOrderStore store, OrderEffectRunner effects, OrderPolicy policy)
{
    private const int MaxAttempts = 12;
    private const int MaxRounds = 25;

    public OrderPolicy Policy => policy;

    public async Task<OrderResult> ExecuteAsync(string orderId, OrderCommand command, CancellationToken ct)
    {
        var (order, refusal, changed) = await DecideAndSaveAsync(orderId, command, ct);
        await DrainAsync(orderId, ct);
        if (refusal is not null || !changed) return new OrderResult(order, refusal, changed);
        return new OrderResult((await store.LoadAsync(orderId, ct)).Order, null, true);
    }

    public Task<StoredOrder> LoadAsync(string orderId, CancellationToken ct) => store.LoadAsync(orderId, ct);

    private async Task<(Order Order, string? Refusal, bool Changed)> DecideAndSaveAsync(string orderId, OrderCommand command, CancellationToken ct)
    {
        if (command is OrderCommand.RecordOrder record)
            await store.IndexAsync(orderId, record.Draft.Channel, record.Draft.References, ct);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await store.LoadAsync(orderId, ct);
            var step = OrderWorkflow.Execute(command, stored.Order, policy);
            if (step.Refusal is not null || !step.Changed) return (stored.Order, step.Refusal, false);
            if (await store.TrySaveAsync(step.Next, [.. stored.Pending, .. step.Effects], stored.ETag, ct))
                return (step.Next, null, true);
        }
        throw new OrderConcurrencyException(orderId);
    }

    /// <summary>Runs the order's outbox until it is empty (bounded: each round's answers can add effects).</summary>
    public async Task<int> DrainAsync(string orderId, CancellationToken ct)
    {
        var ran = 0;
        for (var round = 0; round < MaxRounds; round++)
        {
            var stored = await store.LoadAsync(orderId, ct);
            if (stored.Pending.Count == 0) return ran;

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
                if (await store.TrySaveAsync(state, pending, stored.ETag, ct)) break;
                if (attempt >= MaxAttempts) throw new OrderConcurrencyException(orderId);
                stored = await store.LoadAsync(orderId, ct);
            }
        }
        return ran;
    }
}

namespace RetailFunctions.Domain.Orders;

/// <summary>The outcome of one command: the next state, the events that made it, and the effects still to run.</summary>
public sealed record OrderStep(Order Next, IReadOnlyList<OrderEvent> Events, IReadOnlyList<OrderEffect> Effects, string? Refusal)
{
    public bool Changed => Events.Count > 0;
}

public static class OrderWorkflow
{
    /// <summary>How many command ids an order remembers: far more than any order receives, so a duplicate is always seen.</summary>
    public const int RememberedCommands = 500;

    public static OrderStep Execute(OrderCommand command, Order order, OrderPolicy policy)
    {
        switch (OrderDecider.Decide(command, order, policy))
        {
            case OrderDecision.Refuse refuse:
                return new OrderStep(order, [], [], refuse.Reason);
            case OrderDecision.Accept { Events.Count: 0 }:
                return new OrderStep(order, [], [], null);
            case OrderDecision.Accept accept:
                var state = order;
                var effects = new List<OrderEffect>();
                foreach (var e in accept.Events)
                {
                    var next = OrderEvolution.Evolve(state, e);
                    effects.AddRange(OrderEffects.For(state, e, next));
                    state = next;
                }
                var applied = state.AppliedCommands.Count >= RememberedCommands ? state.AppliedCommands.Skip(1) : state.AppliedCommands;
                return new OrderStep(state with { AppliedCommands = [.. applied, command.CommandId] }, accept.Events, effects, null);
            default:
                throw new InvalidOperationException("unknown order decision");
        }
    }

    /// <summary>Folds commands in order, as storage would, ignoring refusals: the state a sequence of arrivals leads to.</summary>
    public static Order Replay(Order order, IEnumerable<OrderCommand> commands, OrderPolicy policy) =>
        commands.Aggregate(order, (state, command) => Execute(command, state, policy).Next);
}

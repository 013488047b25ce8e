using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Functions.Workflows;

/// <summary>
/// The order workflow's step over the local runtime's command handling: the order-workflow queue's handler, so the
/// decider, the Orders table and the effects are the same whichever way a command arrives.
/// </summary>
public sealed class OrderWorkflowStep(OrderCommandHandler commands, OrderService orders, TimeProvider clock) : IOrderWorkflowStep
{
    public async Task<OrderProgress> RunAsync(WorkflowStep step, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var command = step.Command ?? (step.Expire is { } due ? StoreActions.ExpirePickup(step.OrderId, due, now) : null);
        string? result = null;
        if (command is not null)
        {
            // A poison command (unreadable) is reported, not retried: retrying cannot make it readable.
            result = await commands.HandleAsync(new ReceivedMessage(command, QueueNames.OrderWorkflow, 1, now), ct) switch
            {
                HandlerOutcome.Completed completed => completed.Summary,
                HandlerOutcome.Poison poison => $"not applied: {poison.Reason}",
                _ => null,
            };
        }
        var stored = await orders.LoadAsync(step.OrderId, ct);
        return OrderProgress.From(stored.Order, orders.Policy, result);
    }
}

using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Functions.Workflows;

/// <summary>
/// The order orchestration (one instance per order, "order:{id}") and its step activity. The loop is
/// OrderOrchestration in Functions.Core; the step is the order-workflow queue's handler, so the decider, the Orders
/// table and the effects are the local runtime's.
/// </summary>
public sealed class OrderWorkflowFunctions(OrderCommandHandler commands, OrderService orders, TimeProvider clock)
{
    [Function(OrderOrchestration.Name)]
    public static Task<OrderProgress> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context) =>
        OrderOrchestration.RunAsync(new DurableOrderWorkflowContext(context),
            context.GetInput<OrderWorkflowInput>() ?? throw new InvalidOperationException("the order workflow needs an OrderWorkflowInput"));

    [Function(OrderOrchestration.StepActivity)]
    public async Task<OrderProgress> Step([ActivityTrigger] WorkflowStep step, FunctionContext context)
    {
        var ct = context.CancellationToken;
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

    /// <summary>
    /// Starts the order's orchestration unless one is pending or running. With a command: a live orchestration receives it
    /// as a store action, a finished one starts again with it; without: a finished one stays finished (a resent
    /// order-placed event must not revive it).
    /// </summary>
    public static async Task<string> StartOnceAsync(DurableTaskClient client, string orderId, Envelope? command, CancellationToken ct)
    {
        var instanceId = OrderOrchestration.InstanceIdFor(orderId);
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, ct);
        if (existing is { IsCompleted: false })
        {
            if (command is not null) await client.RaiseEventAsync(instanceId, OrderOrchestration.StoreActionEvent, command, ct);
        }
        else if (existing is null || command is not null)
        {
            await client.ScheduleNewOrchestrationInstanceAsync(OrderOrchestration.Name, new OrderWorkflowInput(orderId, command),
                new StartOrchestrationOptions(instanceId), ct);
        }
        return instanceId;
    }
}

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
    /// What an order event means for the order's orchestration: placed, start it (once); anything else, wake a
    /// running one to read the order again. A finished orchestration stays finished.
    /// </summary>
    public static async Task NotifyAsync(DurableTaskClient client, Envelope orderEvent, DateTimeOffset now, CancellationToken ct)
    {
        if (StoreActions.OrderPlaced(orderEvent) is { } placed)
        {
            await StartOnceAsync(client, placed, null, ct);
            return;
        }
        if (orderEvent.Type != MessageTypes.OrderEvent || orderEvent.Key(BusinessKeys.Order) is not { } orderId) return;
        var instanceId = OrderOrchestration.InstanceIdFor(orderId);
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, ct) is { IsCompleted: false })
            await client.RaiseEventAsync(instanceId, OrderOrchestration.StoreActionEvent, StoreActions.Refresh(orderId, orderEvent.Id, now), ct);
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

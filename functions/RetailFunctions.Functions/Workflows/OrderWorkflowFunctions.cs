using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Workflows;

/// <summary>
/// The order orchestration (one instance per order, "order:{id}") and its step activity. The loop is
/// OrderOrchestration in Functions.Core; the step is <see cref="OrderWorkflowStep"/>.
/// </summary>
public sealed class OrderWorkflowFunctions(IOrderWorkflowStep steps)
{
    [Function(OrderOrchestration.Name)]
    public static Task<OrderProgress> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context) =>
        OrderOrchestration.RunAsync(new DurableOrderWorkflowContext(context),
            context.GetInput<OrderWorkflowInput>() ?? throw new InvalidOperationException("the order workflow needs an OrderWorkflowInput"));

    [Function(OrderOrchestration.StepActivity)]
    public Task<OrderProgress> Step([ActivityTrigger] WorkflowStep step, FunctionContext context) => steps.RunAsync(step, context.CancellationToken);

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
    /// A store action: applied to the order first (once per command id), then the orchestration is woken, or started,
    /// to read the order. The action never rides on the external event, so it cannot be lost with one.
    /// </summary>
    public static async Task<(string InstanceId, OrderProgress Progress)> ApplyStoreActionAsync(
        IOrderWorkflowStep steps, DurableTaskClient client, string orderId, Envelope command, DateTimeOffset now, CancellationToken ct)
    {
        var progress = await steps.RunAsync(new WorkflowStep(orderId, command, null), ct);
        var instanceId = await StartOnceAsync(client, orderId, StoreActions.Refresh(orderId, command.Id, now), ct);
        return (instanceId, progress);
    }

    /// <summary>
    /// Starts the order's orchestration unless one is pending or running. With a wake-up (a refresh after a store action
    /// applied to the order): a live orchestration receives it, a finished one starts again and reads the order; without:
    /// a finished one stays finished (a resent order-placed event must not revive it).
    /// <para>
    /// The wake-up carries no command, on purpose: an external event raised while the orchestration restarts its
    /// history can be lost by the engine, and a lost wake-up only delays the next read (the new history's first step
    /// reads the order, and the orchestration never sleeps longer than <see cref="OrderWorkflowPlan.RefreshInterval"/>).
    /// </para>
    /// </summary>
    public static async Task<string> StartOnceAsync(DurableTaskClient client, string orderId, Envelope? wake, CancellationToken ct)
    {
        var instanceId = OrderOrchestration.InstanceIdFor(orderId);
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, ct);
        if (existing is { IsCompleted: false })
        {
            if (wake is not null) await client.RaiseEventAsync(instanceId, OrderOrchestration.StoreActionEvent, wake, ct);
        }
        else if (existing is null || wake is not null)
        {
            await client.ScheduleNewOrchestrationInstanceAsync(OrderOrchestration.Name, new OrderWorkflowInput(orderId),
                new StartOrchestrationOptions(instanceId), ct);
        }
        return instanceId;
    }
}

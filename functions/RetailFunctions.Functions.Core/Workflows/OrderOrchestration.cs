using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Core.Workflows;

/// <summary>One step of the workflow, run as an activity: a store action's command envelope, or a pickup to expire.</summary>
public sealed record WorkflowStep(string OrderId, Envelope? Command, PickupDeadline? Expire);

/// <summary>
/// The orchestration's input: the order, the command that started it (none when it continues as new), and how many
/// steps one history holds before it restarts (<see cref="OrderOrchestration.MaxStepsPerHistory"/> unless set).
/// </summary>
public sealed record OrderWorkflowInput(string OrderId, Envelope? FirstCommand = null, int? StepsPerHistory = null);

/// <summary>
/// One step of an order's workflow: apply the step's command (once per command id) or expire its pickup, then read
/// the order. The orchestration runs it as an activity; a store-action route runs it directly, before it wakes the
/// orchestration, so an action never depends on an external event reaching the orchestration.
/// </summary>
public interface IOrderWorkflowStep
{
    Task<OrderProgress> RunAsync(WorkflowStep step, CancellationToken cancellationToken);
}

/// <summary>
/// What the order orchestration needs from its host. The Functions project implements it over the Durable Task
/// context (an activity with a retry policy, a durable timer raced against an external event, the custom status,
/// continue-as-new); tests implement it in memory.
/// </summary>
public interface IOrderWorkflowContext
{
    /// <summary>The orchestration's current time (replay-safe).</summary>
    DateTimeOffset Now { get; }

    /// <summary>Runs one step as an activity, retried by policy; returns the order as it then stands.</summary>
    Task<OrderProgress> RunStepAsync(WorkflowStep step);

    /// <summary>The next store action raised for this order, or null when <paramref name="until"/> came first.</summary>
    Task<Envelope?> WaitForStoreActionAsync(DateTimeOffset until);

    void SetStatus(OrderProgress progress);

    /// <summary>Restarts the orchestration with a fresh history (events raised meanwhile are kept).</summary>
    void ContinueAsNew(OrderWorkflowInput input);
}

/// <summary>
/// The order orchestration's loop. The decider stays in the domain and the state in the Orders table: each step is
/// the same command handling the local runtime does (idempotent by command id), so the orchestration only decides
/// when to wake up: at a store action, at a pickup deadline (a durable timer instead of a delayed message), or to
/// re-read the order. It ends when the order is cancelled or its return window has closed.
/// </summary>
public static class OrderOrchestration
{
    public const string Name = "OrderWorkflow";
    public const string StepActivity = "OrderWorkflowStep";
    public const string StoreActionEvent = "StoreAction";

    /// <summary>Steps before the history is restarted, to keep replays short.</summary>
    public const int MaxStepsPerHistory = 100;

    public static string InstanceIdFor(string orderId) => $"order:{orderId}";

    public static async Task<OrderProgress> RunAsync(IOrderWorkflowContext context, OrderWorkflowInput input)
    {
        var progress = await context.RunStepAsync(new WorkflowStep(input.OrderId, input.FirstCommand, null));
        var attempted = new List<PickupDeadline>();
        var stepsPerHistory = Math.Max(1, input.StepsPerHistory ?? MaxStepsPerHistory);
        for (var steps = 1; ; steps++)
        {
            context.SetStatus(progress);
            if (OrderWorkflowPlan.Next(progress, context.Now, attempted) is not NextStep.Wait wait) return progress;
            if (steps >= stepsPerHistory)
            {
                context.ContinueAsNew(new OrderWorkflowInput(input.OrderId, StepsPerHistory: input.StepsPerHistory));
                return progress;
            }

            var action = await context.WaitForStoreActionAsync(wait.Until);
            if (action is not null && StoreActions.IsRefresh(action))
            {
                progress = await context.RunStepAsync(new WorkflowStep(input.OrderId, null, null));
            }
            else if (action is not null)
            {
                progress = await context.RunStepAsync(new WorkflowStep(input.OrderId, action, null));
            }
            else
            {
                if (wait.Pickup is { } pickup) attempted.Add(pickup);
                progress = await context.RunStepAsync(new WorkflowStep(input.OrderId, null, wait.Pickup));
            }
        }
    }
}

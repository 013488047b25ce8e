using Microsoft.DurableTask;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Workflows;

/// <summary>
/// The order orchestration's host on Durable Functions: each step an activity with a retry policy, the wait a
/// durable timer raced against the store-action external event (the documented timeout pattern), the progress as
/// custom status.
/// </summary>
public sealed class DurableOrderWorkflowContext(TaskOrchestrationContext context) : IOrderWorkflowContext
{
    /// <summary>A step is idempotent (by command id), so retrying it after a storage hiccup is always safe.</summary>
    private static readonly TaskOptions StepRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 6, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(5)));

    public DateTimeOffset Now => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));

    public Task<OrderProgress> RunStepAsync(WorkflowStep step) =>
        context.CallActivityAsync<OrderProgress>(OrderOrchestration.StepActivity, step, StepRetry);

    public async Task<Envelope?> WaitForStoreActionAsync(DateTimeOffset until)
    {
        using var timerCancel = new CancellationTokenSource();
        using var eventCancel = new CancellationTokenSource();
        var timer = context.CreateTimer(until.UtcDateTime, timerCancel.Token);
        var action = context.WaitForExternalEvent<Envelope>(OrderOrchestration.StoreActionEvent, eventCancel.Token);
        if (await Task.WhenAny(timer, action) == action)
        {
            timerCancel.Cancel();
            return await action;
        }
        eventCancel.Cancel();
        return null;
    }

    public void SetStatus(OrderProgress progress) => context.SetCustomStatus(progress);

    public void ContinueAsNew(OrderWorkflowInput input) => context.ContinueAsNew(input);
}

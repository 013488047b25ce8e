using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Functions.Messaging;

/// <summary>
/// The pipeline's sender in the Functions app. The pickup deadline is the order orchestration's durable timer here,
/// so the delayed order-workflow command the effect runner schedules for it locally is not sent too: the deadline
/// is set once. The orchestration learns of a new deadline from the order's events (QueueFunctions.OrderEvents).
/// </summary>
public sealed class WorkflowMessageSender(ServiceBusMessageSender inner) : IMessageSender
{
    public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null) =>
        StoreActions.IsPickupDeadline(queue, envelope) ? Task.CompletedTask : inner.SendAsync(queue, envelope, cancellationToken, delay);

    /// <summary>Envelopes decided together, in the inner sender's batches; a pickup deadline among them is left to the timer as well.</summary>
    public Task SendAllAsync(string queue, IReadOnlyList<Envelope> envelopes, CancellationToken cancellationToken) =>
        inner.SendAllAsync(queue, [.. envelopes.Where(e => !StoreActions.IsPickupDeadline(queue, e))], cancellationToken);
}

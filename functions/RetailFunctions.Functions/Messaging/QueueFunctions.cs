using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline;

namespace RetailFunctions.Functions.Messaging;

/// <summary>
/// One Service Bus trigger per queue the local runtime consumes (FunctionTriggers.ConsumedQueues), each handing its
/// message to the same handler. Messages are settled by <see cref="ServiceBusQueueRunner"/>, not automatically.
/// </summary>
public sealed class QueueFunctions(ServiceBusQueueRunner runner)
{
    private const string Connection = FunctionTriggers.ServiceBusConnection;

    [Function("ShopifyWebhooks")]
    public Task ShopifyWebhooks([ServiceBusTrigger(QueueNames.ShopifyWebhooks, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken ct) => runner.RunAsync(QueueNames.ShopifyWebhooks, message, actions, ct);

    [Function("PosBatches")]
    public Task PosBatches([ServiceBusTrigger(QueueNames.PosBatches, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken ct) => runner.RunAsync(QueueNames.PosBatches, message, actions, ct);

    [Function("ChannelAvailability")]
    public Task ChannelAvailability([ServiceBusTrigger(QueueNames.ChannelAvailability, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken ct) => runner.RunAsync(QueueNames.ChannelAvailability, message, actions, ct);

    [Function("InventoryCommands")]
    public Task InventoryCommands([ServiceBusTrigger(QueueNames.InventoryCommands, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken ct) => runner.RunAsync(QueueNames.InventoryCommands, message, actions, ct);

    [Function("OrderWorkflowQueue")]
    public Task OrderWorkflow([ServiceBusTrigger(QueueNames.OrderWorkflow, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken ct) => runner.RunAsync(QueueNames.OrderWorkflow, message, actions, ct);

    /// <summary>Order events; an order just placed also gets its orchestration (started once, by instance id).</summary>
    [Function("OrderEvents")]
    public async Task OrderEvents([ServiceBusTrigger(QueueNames.OrderEvents, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, [DurableClient] DurableTaskClient durable, CancellationToken ct)
    {
        if (BrokerMessages.TryReadEnvelope(ServiceBusMessages.ToPlain(message)) is { } envelope && StoreActions.OrderPlaced(envelope) is { } orderId)
            await Workflows.OrderWorkflowFunctions.StartOnceAsync(durable, orderId, null, ct);
        await runner.RunAsync(QueueNames.OrderEvents, message, actions, ct);
    }

    /// <summary>Set the app setting AzureWebJobs.ErpPostings.Disabled=true until Erp:BaseUrl is set: without an ERP, postings wait on the queue.</summary>
    [Function("ErpPostings")]
    public Task ErpPostings([ServiceBusTrigger(QueueNames.ErpPostings, Connection = Connection, AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions, CancellationToken ct) => runner.RunAsync(QueueNames.ErpPostings, message, actions, ct);
}

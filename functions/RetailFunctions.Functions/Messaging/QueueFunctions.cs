using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline;

namespace RetailFunctions.Functions.Messaging;

/// <summary>
/// One Service Bus trigger per queue the local runtime consumes (FunctionTriggers.ConsumedQueues), each handing its
/// message to the same handler. Worker.Extensions.ServiceBus 5.7 binds the body and the trigger metadata
/// (MessageId, DeliveryCount...); the host settles: complete on return, abandon on a throw (ServiceBusQueueRunner).
/// </summary>
public sealed class QueueFunctions(ServiceBusQueueRunner runner, TimeProvider clock)
{
    private const string Connection = FunctionTriggers.ServiceBusConnection;

    [Function("ShopifyWebhooks")]
    public Task ShopifyWebhooks([ServiceBusTrigger(QueueNames.ShopifyWebhooks, Connection = Connection, IsBatched = false)] string message, FunctionContext context) =>
        Run(QueueNames.ShopifyWebhooks, message, context);

    [Function("PosBatches")]
    public Task PosBatches([ServiceBusTrigger(QueueNames.PosBatches, Connection = Connection, IsBatched = false)] string message, FunctionContext context) =>
        Run(QueueNames.PosBatches, message, context);

    [Function("ChannelAvailability")]
    public Task ChannelAvailability([ServiceBusTrigger(QueueNames.ChannelAvailability, Connection = Connection, IsBatched = false)] string message, FunctionContext context) =>
        Run(QueueNames.ChannelAvailability, message, context);

    [Function("InventoryCommands")]
    public Task InventoryCommands([ServiceBusTrigger(QueueNames.InventoryCommands, Connection = Connection, IsBatched = false)] string message, FunctionContext context) =>
        Run(QueueNames.InventoryCommands, message, context);

    [Function("OrderWorkflowQueue")]
    public Task OrderWorkflow([ServiceBusTrigger(QueueNames.OrderWorkflow, Connection = Connection, IsBatched = false)] string message, FunctionContext context) =>
        Run(QueueNames.OrderWorkflow, message, context);

    /// <summary>
    /// Order events. An order just placed also gets its orchestration (started once, by instance id); any other event
    /// wakes it to read the order again, so a pickup deadline set outside it gets its durable timer.
    /// </summary>
    [Function("OrderEvents")]
    public async Task OrderEvents([ServiceBusTrigger(QueueNames.OrderEvents, Connection = Connection, IsBatched = false)] string message,
        [DurableClient] DurableTaskClient durable, FunctionContext context)
    {
        var delivery = ServiceBusDelivery.From(message, context.BindingContext.BindingData);
        if (BrokerMessages.TryReadEnvelope(delivery.Message) is { } envelope)
            await Workflows.OrderWorkflowFunctions.NotifyAsync(durable, envelope, clock.GetUtcNow(), context.CancellationToken);
        await Run(QueueNames.OrderEvents, message, context);
    }

    /// <summary>Set the app setting AzureWebJobs.ErpPostings.Disabled=true until Erp:BaseUrl is set: without an ERP, postings wait on the queue.</summary>
    [Function("ErpPostings")]
    public Task ErpPostings([ServiceBusTrigger(QueueNames.ErpPostings, Connection = Connection, IsBatched = false)] string message, FunctionContext context) =>
        Run(QueueNames.ErpPostings, message, context);

    private Task Run(string queue, string message, FunctionContext context) =>
        runner.RunAsync(queue, message, context.BindingContext.BindingData, context.CancellationToken);
}

using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Functions.Messaging;

/// <summary>
/// What every Service Bus trigger does with its message: read the envelope, run the queue's handler, then settle
/// as the local runtime's QueueProcessor does. Completed: complete. Poison, or failed on its last delivery
/// (host.json maxDequeueCount, equal to the queues' maxDeliveryCount in infra): recorded in the DeadLetters table
/// for the operators' API and replay, and dead-lettered on the broker with the reason. Failed earlier: thrown, so
/// the broker delivers it again once the lock lapses.
/// </summary>
public sealed partial class ServiceBusQueueRunner(
    QueueHandlers handlers, IBlobStore blobs, IDeadLetterStore deadLetters, HostJson hostJson, TimeProvider clock, ILogger<ServiceBusQueueRunner> logger)
{
    public async Task RunAsync(string queue, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, CancellationToken ct)
    {
        Envelope envelope;
        try
        {
            envelope = BrokerMessages.ToEnvelope(ServiceBusMessages.ToPlain(message));
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            var unreadable = new Envelope(message.MessageId, "unreadable", message.MessageId, message.CorrelationId ?? message.MessageId, null,
                new Dictionary<string, string>(), message.EnqueuedTime, queue, message.Body.ToString());
            await DeadLetterAsync(queue, message, actions, unreadable, new Settlement.DeadLetter($"message is not a readable envelope: {e.Message}", e.GetType().Name), ct);
            return;
        }

        var handle = handlers.For(queue)
            ?? throw new InvalidOperationException($"no handler is registered for {queue} (for erp-postings: Erp:BaseUrl is not set); the message is retried");
        using var activity = PipelineTelemetry.StartProcessing(envelope, queue);
        using var scope = logger.BeginScope(envelope.Keys);
        Settlement settlement;
        try
        {
            var received = new ReceivedMessage(await WithPayloadAsync(envelope, ct), queue, message.DeliveryCount, message.EnqueuedTime)
            {
                KeepAlive = c => actions.RenewMessageLockAsync(message, c),
            };
            settlement = Settlement.After(await handle(received, ct));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            settlement = Settlement.AfterFailure(e, message.DeliveryCount, hostJson.Queues.MaxDequeueCount);
            if (settlement is Settlement.Retry)
            {
                LogRetry(queue, envelope.Id, message.DeliveryCount, e);
                throw;
            }
        }

        switch (settlement)
        {
            case Settlement.Complete complete:
                LogCompleted(queue, envelope.Id, envelope.Type, complete.Summary);
                await actions.CompleteMessageAsync(message, ct);
                break;
            case Settlement.DeadLetter deadLetter:
                await DeadLetterAsync(queue, message, actions, envelope, deadLetter, ct);
                break;
        }
    }

    private async Task DeadLetterAsync(string queue, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, Envelope envelope, Settlement.DeadLetter deadLetter, CancellationToken ct)
    {
        LogDeadLettered(queue, envelope.Id, deadLetter.Reason);
        PipelineTelemetry.DeadLetters.Add(1, new("queue", queue), new("failure_class", PipelineTelemetry.Classify(deadLetter.ExceptionType, deadLetter.Reason)));
        await deadLetters.AddAsync(new DeadLetter(envelope.Id, queue, deadLetter.Reason, deadLetter.ExceptionType, message.DeliveryCount, envelope, clock.GetUtcNow()), ct);
        await actions.DeadLetterMessageAsync(message, null, Settlement.BrokerReason(deadLetter.Reason), deadLetter.ExceptionType, ct);
    }

    /// <summary>A payload that went to a blob because it was too large for a message is read back before the handler runs.</summary>
    private async Task<Envelope> WithPayloadAsync(Envelope envelope, CancellationToken ct) =>
        envelope is { Payload: null, PayloadBlob: { } blob }
            ? envelope with { Payload = Encoding.UTF8.GetString((await blobs.ReadAsync(ContainerNames.LargePayloads, blob, ct)).Span) }
            : envelope;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Queue} message {MessageId} ({Type}) done: {Summary}")]
    private partial void LogCompleted(string queue, string messageId, string type, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handler for {Queue} failed on message {MessageId} (delivery {Delivery}); the broker delivers it again")]
    private partial void LogRetry(string queue, string messageId, int delivery, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Queue} message {MessageId} dead-lettered: {Reason}")]
    private partial void LogDeadLettered(string queue, string messageId, string reason);
}

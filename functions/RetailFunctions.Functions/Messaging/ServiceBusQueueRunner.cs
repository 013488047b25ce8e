using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Functions.Messaging;

/// <summary>
/// What every Service Bus trigger does with its delivery (Settlement): read the envelope, run the queue's handler,
/// then return (the host completes) or throw (the host abandons; the broker delivers again, and dead-letters the
/// message past the queue's maxDeliveryCount). Poison, and a failure on the last delivery (DeliveryCount from the
/// trigger metadata against host.json maxDequeueCount, which infra gives the queues as maxDeliveryCount), are
/// recorded in the DeadLetters table first, for the operators' API and replay, as the local runtime records them.
/// </summary>
public sealed partial class ServiceBusQueueRunner(
    QueueHandlers handlers, IBlobStore blobs, IDeadLetterStore deadLetters, HostJson hostJson, TimeProvider clock, ILogger<ServiceBusQueueRunner> logger)
{
    public async Task RunAsync(string queue, string body, IReadOnlyDictionary<string, object?> bindingData, CancellationToken ct)
    {
        BacklogWork.Enter(queue);
        var delivery = ServiceBusDelivery.From(body, bindingData);
        Envelope envelope;
        try
        {
            envelope = BrokerMessages.ToEnvelope(delivery.Message);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            var id = delivery.Message.MessageId;
            var unreadable = new Envelope(id, "unreadable", id, delivery.Message.CorrelationId ?? id, null,
                new Dictionary<string, string>(), delivery.EnqueuedTime ?? clock.GetUtcNow(), queue, body);
            await RecordAsync(queue, delivery, unreadable, $"message is not a readable envelope: {e.Message}", e.GetType().Name, ct);
            return;
        }

        var handle = handlers.For(queue)
            ?? throw new InvalidOperationException($"no handler is registered for {queue} (for erp-postings: Erp:BaseUrl is not set); the message is retried");
        using var activity = PipelineTelemetry.StartProcessing(envelope, queue);
        using var scope = logger.BeginScope(envelope.Keys);
        Settlement settlement;
        try
        {
            // No KeepAlive: the host renews the message lock itself while the function runs (maxAutoLockRenewalDuration).
            var received = new ReceivedMessage(await WithPayloadAsync(envelope, ct), queue, delivery.DeliveryCount, delivery.EnqueuedTime);
            settlement = Settlement.After(await handle(received, ct));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            settlement = Settlement.AfterFailure(e, delivery.DeliveryCount, hostJson.Queues.MaxDequeueCount);
            if (settlement is Settlement.GiveUp giveUp) await RecordAsync(queue, delivery, envelope, giveUp.Reason, giveUp.ExceptionType, ct);
            else LogRetry(queue, envelope.Id, delivery.DeliveryCount, e);
            throw;
        }

        switch (settlement)
        {
            case Settlement.Complete complete:
                LogCompleted(queue, envelope.Id, envelope.Type, complete.Summary);
                break;
            case Settlement.Park park:
                await RecordAsync(queue, delivery, envelope, park.Reason, park.ExceptionType, ct);
                break;
        }
    }

    private async Task RecordAsync(string queue, ServiceBusDelivery delivery, Envelope envelope, string reason, string? exceptionType, CancellationToken ct)
    {
        LogDeadLettered(queue, envelope.Id, reason);
        PipelineTelemetry.DeadLetters.Add(1, new("queue", queue), new("failure_class", PipelineTelemetry.Classify(exceptionType, reason)));
        await deadLetters.AddAsync(new DeadLetter(envelope.Id, queue, reason, exceptionType, delivery.DeliveryCount, envelope, clock.GetUtcNow()), ct);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "{Queue} message {MessageId} recorded in DeadLetters: {Reason}")]
    private partial void LogDeadLettered(string queue, string messageId, string reason);
}

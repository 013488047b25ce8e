using System.Collections.Concurrent;
using System.Text;
using Azure.Messaging.ServiceBus;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Functions.Messaging;

/// <summary>
/// The pipeline's message sender on Service Bus: the idempotency key is the message id (duplicate detection drops a
/// resend), a delay is a scheduled enqueue time, and a payload too large for a message goes to a blob first, as the
/// local sender does with Storage queues.
/// </summary>
public sealed class ServiceBusMessageSender(ServiceBusClient client, IBlobStore blobs, TimeProvider clock) : IMessageSender, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServiceBusSender> senders = new(StringComparer.Ordinal);

    public async Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
    {
        envelope = PipelineTelemetry.WithTraceParent(envelope);
        if (BrokerMessages.NeedsBlob(envelope))
        {
            var blobName = BrokerMessages.BlobNameFor(queue, envelope);
            await blobs.PutIfAbsentAsync(ContainerNames.LargePayloads, blobName, Encoding.UTF8.GetBytes(envelope.Payload!), "application/octet-stream", cancellationToken);
            envelope = envelope with { Payload = null, PayloadBlob = blobName };
        }
        var message = ToServiceBus(BrokerMessages.ToBroker(envelope, clock.GetUtcNow(), delay));
        await senders.GetOrAdd(queue, client.CreateSender).SendMessageAsync(message, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in senders.Values) await sender.DisposeAsync();
    }

    /// <summary>The SDK's message for the plain one (mapped and tested in Functions.Core).</summary>
    public static ServiceBusMessage ToServiceBus(BrokerMessage plain)
    {
        var message = new ServiceBusMessage(BinaryData.FromString(plain.Body))
        {
            MessageId = plain.MessageId,
            CorrelationId = plain.CorrelationId,
            Subject = plain.Subject,
            ContentType = plain.ContentType,
        };
        if (plain.ScheduledEnqueueTime is { } at) message.ScheduledEnqueueTime = at;
        foreach (var (name, value) in plain.ApplicationProperties) message.ApplicationProperties[name] = value;
        return message;
    }
}

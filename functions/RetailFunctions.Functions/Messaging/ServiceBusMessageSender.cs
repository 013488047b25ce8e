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
/// local sender does with Storage queues. Envelopes decided together (a till chunk's availability nudges, an order's
/// events) go out in as few batches as hold them, one call each, every message still with its own id.
/// </summary>
public sealed class ServiceBusMessageSender(ServiceBusClient client, IBlobStore blobs, TimeProvider clock) : IMessageSender, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServiceBusSender> senders = new(StringComparer.Ordinal);

    public async Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null) =>
        await senders.GetOrAdd(queue, client.CreateSender).SendMessageAsync(await MessageAsync(queue, envelope, delay, cancellationToken), cancellationToken);

    public async Task SendAllAsync(string queue, IReadOnlyList<Envelope> envelopes, CancellationToken cancellationToken)
    {
        if (envelopes.Count == 0) return;
        var sender = senders.GetOrAdd(queue, client.CreateSender);
        var batch = await sender.CreateMessageBatchAsync(cancellationToken);
        try
        {
            foreach (var envelope in envelopes)
            {
                var message = await MessageAsync(queue, envelope, null, cancellationToken);
                if (batch.TryAddMessage(message)) continue;
                // A full batch goes out and the message starts the next; one that no empty batch holds is refused.
                if (batch.Count > 0)
                {
                    await sender.SendMessagesAsync(batch, cancellationToken);
                    batch.Dispose();
                    batch = await sender.CreateMessageBatchAsync(cancellationToken);
                    if (batch.TryAddMessage(message)) continue;
                }
                throw new InvalidOperationException($"envelope {envelope.Id} does not fit a message on {queue} even with its payload in a blob");
            }
            if (batch.Count > 0) await sender.SendMessagesAsync(batch, cancellationToken);
        }
        finally
        {
            batch.Dispose();
        }
    }

    /// <summary>The envelope as a message, its payload moved to a blob first when too large to travel inline.</summary>
    private async Task<ServiceBusMessage> MessageAsync(string queue, Envelope envelope, TimeSpan? delay, CancellationToken cancellationToken)
    {
        envelope = PipelineTelemetry.WithTraceParent(envelope);
        if (BrokerMessages.NeedsBlob(envelope))
        {
            var blobName = BrokerMessages.BlobNameFor(queue, envelope);
            await blobs.PutIfAbsentAsync(ContainerNames.LargePayloads, blobName, Encoding.UTF8.GetBytes(envelope.Payload!), "application/octet-stream", cancellationToken);
            envelope = envelope with { Payload = null, PayloadBlob = blobName };
        }
        return ToServiceBus(BrokerMessages.ToBroker(envelope, clock.GetUtcNow(), delay));
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

namespace RetailFunctions.Functions.Core.Messaging;

/// <summary>
/// A Service Bus message in plain terms: what the Functions project copies into a ServiceBusMessage when sending and
/// out of a ServiceBusReceivedMessage when receiving. Kept here so the mapping is tested without the broker's SDK.
/// </summary>
public sealed record BrokerMessage(
    string MessageId,
    string? CorrelationId,
    string? Subject,
    string ContentType,
    string Body,
    IReadOnlyDictionary<string, object> ApplicationProperties,
    DateTimeOffset? ScheduledEnqueueTime = null);

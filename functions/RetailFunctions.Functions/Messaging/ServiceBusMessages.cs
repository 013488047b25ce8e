using Azure.Messaging.ServiceBus;
using RetailFunctions.Functions.Core.Messaging;

namespace RetailFunctions.Functions.Messaging;

/// <summary>Copies between the plain <see cref="BrokerMessage"/> (mapped and tested in Functions.Core) and the SDK's types.</summary>
public static class ServiceBusMessages
{
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

    public static BrokerMessage ToPlain(ServiceBusReceivedMessage message) => new(
        message.MessageId,
        message.CorrelationId,
        message.Subject,
        message.ContentType ?? BrokerMessages.JsonContentType,
        message.Body.ToString(),
        message.ApplicationProperties,
        message.ScheduledEnqueueTime == default ? null : message.ScheduledEnqueueTime);
}

using Microsoft.Azure.Functions.Worker;
using Moq;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Tests.Triggers;

/// <summary>What the isolated worker hands a function: its FunctionContext, with the trigger metadata as BindingData.</summary>
public static class TriggerTesting
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (RetailFunctions.sln) not found above the test binaries");
    }

    public static HostJson HostJson() => RetailFunctions.Host.Settings.HostJson.Read(Path.Combine(RepositoryRoot(), "host.json"));

    public static FunctionContext Context(IReadOnlyDictionary<string, object?> bindingData, CancellationToken ct = default)
    {
        var binding = new Mock<BindingContext>();
        binding.SetupGet(b => b.BindingData).Returns(bindingData);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.BindingContext).Returns(binding.Object);
        context.SetupGet(c => c.CancellationToken).Returns(ct);
        return context.Object;
    }

    /// <summary>
    /// A Service Bus delivery's trigger metadata as the Functions host sends it to the worker with
    /// Worker.Extensions.ServiceBus 5.7: numbers as numbers, strings as strings, dates and the application properties
    /// as JSON text.
    /// </summary>
    public static Dictionary<string, object?> ServiceBusMetadata(BrokerMessage message, int deliveryCount, DateTimeOffset enqueued) => new()
    {
        [ServiceBusDelivery.MessageIdKey] = message.MessageId,
        [ServiceBusDelivery.DeliveryCountKey] = (long)deliveryCount,
        [ServiceBusDelivery.EnqueuedTimeKey] = System.Text.Json.JsonSerializer.Serialize(enqueued.UtcDateTime),
        [ServiceBusDelivery.CorrelationIdKey] = message.CorrelationId,
        [ServiceBusDelivery.ContentTypeKey] = message.ContentType,
        [ServiceBusDelivery.LabelKey] = message.Subject,
        [ServiceBusDelivery.ApplicationPropertiesKey] = System.Text.Json.JsonSerializer.Serialize(message.ApplicationProperties),
        ["SequenceNumber"] = 42L,
        ["LockToken"] = Guid.Empty.ToString(),
    };

    public static Envelope Envelope(string id, string? payload = "{}", string? payloadBlob = null) => new(
        id, "test.message", $"key:{id}", $"corr:{id}", null, new Dictionary<string, string> { ["order"] = "o-1" },
        new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), "tests", payload, payloadBlob);
}

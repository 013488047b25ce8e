using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Functions.Messaging;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using static RetailFunctions.Functions.Tests.Triggers.TriggerTesting;

namespace RetailFunctions.Functions.Tests.Triggers;

/// <summary>
/// The Service Bus triggers as the 5.7 extension calls them: the body as a string and the trigger metadata in the
/// FunctionContext. Returning lets the host complete the message; throwing makes it abandon it. Poison, and a failure
/// on the queue's last delivery, are in DeadLetters before either.
/// </summary>
public sealed class ServiceBusTriggerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
    private readonly Mock<IDeadLetterStore> deadLetters = new();
    private readonly Mock<IBlobStore> blobs = new();
    private readonly List<ReceivedMessage> handled = [];

    private QueueFunctions Functions(Func<ReceivedMessage, HandlerOutcome> handler)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new QueueRoute(QueueNames.OrderWorkflow, _ => (m, _) =>
        {
            handled.Add(m);
            return Task.FromResult(handler(m));
        }));
        var runner = new ServiceBusQueueRunner(new QueueHandlers(services.BuildServiceProvider()), blobs.Object, deadLetters.Object,
            HostJson(), TimeProvider.System, NullLogger<ServiceBusQueueRunner>.Instance);
        return new QueueFunctions(runner, TimeProvider.System);
    }

    private static (string Body, Dictionary<string, object?> Metadata) Delivery(Envelope envelope, int deliveryCount)
    {
        var message = BrokerMessages.ToBroker(envelope, Now);
        return (message.Body, ServiceBusMetadata(message, deliveryCount, Now));
    }

    private static int MaxDeliveries => HostJson().Queues.MaxDequeueCount;

    [Fact]
    public async Task GivenAHandledMessage_WhenTheTriggerRuns_ThenItReturnsForTheHostToCompleteAndRecordsNothing()
    {
        var (body, metadata) = Delivery(Envelope("m-1"), deliveryCount: 2);

        await Functions(_ => new HandlerOutcome.Completed("done")).OrderWorkflow(body, Context(metadata));

        var message = Assert.Single(handled);
        Assert.Equal("m-1", message.Envelope.Id);
        Assert.Equal(2, message.DequeueCount);
        Assert.Equal(Now, message.InsertedOn);
        deadLetters.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task GivenAPoisonMessage_WhenTheTriggerRuns_ThenItIsInDeadLettersWithItsReasonAndTheHostCompletesIt()
    {
        var (body, metadata) = Delivery(Envelope("m-2"), deliveryCount: 1);

        await Functions(_ => new HandlerOutcome.Poison("sku is not mapped", "MappingException")).OrderWorkflow(body, Context(metadata));

        deadLetters.Verify(d => d.AddAsync(It.Is<DeadLetter>(l => l.Queue == QueueNames.OrderWorkflow && l.Reason == "sku is not mapped"
            && l.ExceptionType == "MappingException" && l.Envelope.Id == "m-2"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task GivenAFailureBeforeTheLastDelivery_WhenTheTriggerRuns_ThenItThrowsForTheHostToAbandonAndRecordsNothing()
    {
        var (body, metadata) = Delivery(Envelope("m-3"), deliveryCount: MaxDeliveries - 1);

        await Assert.ThrowsAsync<TimeoutException>(() =>
            Functions(_ => throw new TimeoutException("table timed out")).OrderWorkflow(body, Context(metadata)));

        deadLetters.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task GivenAFailureOnTheLastDelivery_WhenTheTriggerRuns_ThenItIsInDeadLettersBeforeTheHostGivesUp()
    {
        var (body, metadata) = Delivery(Envelope("m-4"), deliveryCount: MaxDeliveries);

        await Assert.ThrowsAsync<TimeoutException>(() =>
            Functions(_ => throw new TimeoutException("table timed out")).OrderWorkflow(body, Context(metadata)));

        deadLetters.Verify(d => d.AddAsync(It.Is<DeadLetter>(l => l.Reason == $"failed {MaxDeliveries} times; last error: table timed out"
            && l.ExceptionType == typeof(TimeoutException).FullName && l.AttemptCount == MaxDeliveries), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task GivenABodyThatIsNotAnEnvelope_WhenTheTriggerRuns_ThenItIsInDeadLettersAndNoHandlerRuns()
    {
        var metadata = ServiceBusMetadata(new BrokerMessage("m-5", null, null, "application/json", "not json", new Dictionary<string, object>()), 1, Now);

        await Functions(_ => new HandlerOutcome.Completed("done")).OrderWorkflow("not json", Context(metadata));

        Assert.Empty(handled);
        deadLetters.Verify(d => d.AddAsync(It.Is<DeadLetter>(l => l.Envelope.Id == "m-5" && l.Envelope.Payload == "not json"
            && l.Reason.StartsWith("message is not a readable envelope", StringComparison.Ordinal)), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task GivenAPayloadSpilledToABlob_WhenTheTriggerRuns_ThenTheHandlerGetsThePayloadBack()
    {
        blobs.Setup(b => b.ReadAsync(ContainerNames.LargePayloads, "order-workflow/m-6", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReadOnlyMemory<byte>("{\"big\":true}"u8.ToArray()));
        var (body, metadata) = Delivery(Envelope("m-6", payload: null, payloadBlob: "order-workflow/m-6"), deliveryCount: 1);

        await Functions(_ => new HandlerOutcome.Completed("done")).OrderWorkflow(body, Context(metadata));

        Assert.Equal("{\"big\":true}", Assert.Single(handled).Envelope.Payload);
    }

    [Fact]
    public void GivenHostShapedMetadata_WhenRead_ThenEveryBrokerFieldIsRecovered()
    {
        var sent = BrokerMessages.ToBroker(Envelope("m-7"), Now);

        var delivery = ServiceBusDelivery.From(sent.Body, ServiceBusMetadata(sent, 3, Now));

        Assert.Equal(3, delivery.DeliveryCount);
        Assert.Equal(Now, delivery.EnqueuedTime);
        Assert.Equal(sent.MessageId, delivery.Message.MessageId);
        Assert.Equal(sent.CorrelationId, delivery.Message.CorrelationId);
        Assert.Equal(sent.Subject, delivery.Message.Subject);
        Assert.Equal(sent.ApplicationProperties.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.ToString())),
            delivery.Message.ApplicationProperties.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.ToString())));
    }
}

using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Functions.Messaging;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ports;
using static RetailFunctions.Functions.Tests.Triggers.TriggerTesting;

namespace RetailFunctions.Functions.Tests.Triggers;

/// <summary>The pipeline's sender on the Service Bus SDK, against a mocked client: what it puts on each message.</summary>
public sealed class ServiceBusSenderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
    private readonly Mock<ServiceBusClient> client = new();
    private readonly Mock<ServiceBusSender> sender = new();
    private readonly Mock<IBlobStore> blobs = new();
    private readonly List<ServiceBusMessage> sent = [];
    private readonly List<List<ServiceBusMessage>> batchesSent = [];
    private readonly Dictionary<ServiceBusMessageBatch, List<ServiceBusMessage>> batches = [];

    /// <summary>How many messages a batch holds here (the SDK's limit is in bytes; the model factory lets a test set a count).</summary>
    private int batchHolds = 100;

    public ServiceBusSenderTests()
    {
        client.Setup(c => c.CreateSender(It.IsAny<string>())).Returns(sender.Object);
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => sent.Add(m)).Returns(Task.CompletedTask);
        sender.Setup(s => s.CreateMessageBatchAsync(It.IsAny<CancellationToken>())).Returns(() =>
        {
            var held = new List<ServiceBusMessage>();
            var batch = ServiceBusModelFactory.ServiceBusMessageBatch(256 * 1024, held, tryAddCallback: _ => held.Count < batchHolds);
            batches[batch] = held;
            return ValueTask.FromResult(batch);
        });
        sender.Setup(s => s.SendMessagesAsync(It.IsAny<ServiceBusMessageBatch>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessageBatch, CancellationToken>((b, _) => batchesSent.Add([.. batches[b]])).Returns(Task.CompletedTask);
    }

    private ServiceBusMessageSender Sender() => new(client.Object, blobs.Object, new FakeTimeProvider(Now));

    [Fact]
    public async Task GivenAnEnvelope_WhenSent_ThenTheIdempotencyKeyIsTheMessageIdForDuplicateDetection()
    {
        await Sender().SendAsync(QueueNames.OrderEvents, Envelope("e-1"), CancellationToken.None);

        client.Verify(c => c.CreateSender(QueueNames.OrderEvents));
        var message = Assert.Single(sent);
        Assert.Equal("key:e-1", message.MessageId);
        Assert.Equal("corr:e-1", message.CorrelationId);
        Assert.Equal("test.message", message.Subject);
        Assert.Equal("o-1", message.ApplicationProperties[BrokerMessages.KeyPrefix + "order"]);
        Assert.Equal(default, message.ScheduledEnqueueTime);
    }

    [Fact]
    public async Task GivenTheSameEnvelopeSentTwice_WhenSent_ThenBothMessagesCarryTheSameId()
    {
        await Sender().SendAsync(QueueNames.OrderEvents, Envelope("e-2"), CancellationToken.None);
        await Sender().SendAsync(QueueNames.OrderEvents, Envelope("e-2") with { Id = "another-delivery" }, CancellationToken.None);

        Assert.Equal(sent[0].MessageId, sent[1].MessageId);
    }

    [Fact]
    public async Task GivenADelay_WhenSent_ThenTheMessageIsScheduledThatFarFromNow()
    {
        await Sender().SendAsync(QueueNames.InventoryCommands, Envelope("e-3"), CancellationToken.None, TimeSpan.FromMinutes(15));

        Assert.Equal(Now.AddMinutes(15), Assert.Single(sent).ScheduledEnqueueTime);
    }

    [Fact]
    public async Task GivenAPayloadTooLargeForAMessage_WhenSent_ThenItGoesToABlobFirstAndTheMessageNamesIt()
    {
        var large = new string('x', BrokerMessages.MaxInlineBytes + 1);

        await Sender().SendAsync(QueueNames.PosBatches, Envelope("e-4", payload: large), CancellationToken.None);

        blobs.Verify(b => b.PutIfAbsentAsync(ContainerNames.LargePayloads, "pos-batches/e-4",
            It.Is<ReadOnlyMemory<byte>>(c => c.Length == large.Length), It.IsAny<string>(), It.IsAny<CancellationToken>(), null), Times.Once);
        var message = Assert.Single(sent);
        Assert.Equal("pos-batches/e-4", message.ApplicationProperties[BrokerMessages.PayloadBlobProperty]);
        Assert.True(message.Body.ToMemory().Length < BrokerMessages.MaxInlineBytes);
        Assert.Null(BrokerMessages.ToEnvelope(new BrokerMessage(message.MessageId, null, null, "application/json", message.Body.ToString(),
            new Dictionary<string, object>())).Payload);
    }

    [Fact]
    public async Task GivenThePickupDeadlineAsADelayedCommand_WhenTheAppSendsIt_ThenNothingGoesToServiceBusBecauseTheDurableTimerIsTheDeadline()
    {
        var due = Now.AddDays(3);
        var deadline = StoreActions.ExpirePickup("o-9", new PickupDeadline("s-1", due), Now);
        var app = new WorkflowMessageSender(Sender());

        await app.SendAsync(QueueNames.OrderWorkflow, deadline, CancellationToken.None, due - Now);
        await app.SendAsync(QueueNames.OrderWorkflow, StoreActions.Cancel("o-9", "associate", null, Now), CancellationToken.None);

        Assert.Equal("order-command:o-9:cancel:o-9", Assert.Single(sent).MessageId);
    }

    [Fact]
    public async Task GivenEnvelopesDecidedTogether_WhenSentAll_ThenTheyGoInOneBatchEachWithItsOwnId()
    {
        await Sender().SendAllAsync(QueueNames.ChannelAvailability, [Envelope("e-5"), Envelope("e-6"), Envelope("e-7")], CancellationToken.None);

        Assert.Equal(["key:e-5", "key:e-6", "key:e-7"], Assert.Single(batchesSent).Select(m => m.MessageId));
        Assert.Empty(sent);
    }

    [Fact]
    public async Task GivenMoreEnvelopesThanABatchHolds_WhenSentAll_ThenEachFullBatchGoesOutAndTheRestFollowInOrder()
    {
        batchHolds = 2;

        await Sender().SendAllAsync(QueueNames.ChannelAvailability, [.. Enumerable.Range(1, 5).Select(i => Envelope($"b-{i}"))], CancellationToken.None);

        Assert.Equal([2, 2, 1], batchesSent.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"key:b-{i}"), batchesSent.SelectMany(b => b).Select(m => m.MessageId));
    }

    [Fact]
    public async Task GivenAnEnvelopeNoBatchCanHold_WhenSentAll_ThenItFailsNamingTheEnvelopeAndSendsNothingAfterIt()
    {
        batchHolds = 0;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Sender().SendAllAsync(QueueNames.OrderEvents, [Envelope("e-8"), Envelope("e-9")], CancellationToken.None));

        Assert.Contains("e-8", failure.Message);
        Assert.Empty(batchesSent);
    }

    [Fact]
    public async Task GivenAPickupDeadlineAmongEnvelopesSentTogether_WhenTheAppSendsThem_ThenOnlyTheOthersGoToServiceBus()
    {
        var deadline = StoreActions.ExpirePickup("o-10", new PickupDeadline("s-1", Now.AddDays(3)), Now);
        var cancel = StoreActions.Cancel("o-10", "associate", null, Now);

        await new WorkflowMessageSender(Sender()).SendAllAsync(QueueNames.OrderWorkflow, [deadline, cancel], CancellationToken.None);

        Assert.Equal([cancel.IdempotencyKey], Assert.Single(batchesSent).Select(m => m.MessageId));
    }
}

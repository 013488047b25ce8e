using System.Text.Json;
using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Tests;

public sealed class BrokerMessagesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static Envelope Sample(string idempotencyKey = "order-command:o-1:c-1", string? causation = "cause-1", string? payload = "{\"a\":1}") => new(
        "env-1", MessageTypes.OrderCommand, idempotencyKey, "corr-1", causation,
        new Dictionary<string, string> { [BusinessKeys.Order] = "o-1", [BusinessKeys.Store] = "S-12" },
        Now.AddMinutes(-1), "orders", payload, Headers: new Dictionary<string, string> { ["traceparent"] = "00-abc-def-01" });

    [Fact]
    public void GivenEnvelope_WhenMapped_ThenTheIdempotencyKeyIsTheMessageId()
    {
        var message = BrokerMessages.ToBroker(Sample(), Now);

        Assert.Equal("order-command:o-1:c-1", message.MessageId);
    }

    [Fact]
    public void GivenTwoSendsOfOneEnvelopeWithDifferentIds_WhenMapped_ThenTheMessageIdsAreEqual()
    {
        var first = BrokerMessages.ToBroker(Sample() with { Id = "a" }, Now);
        var second = BrokerMessages.ToBroker(Sample() with { Id = "b" }, Now.AddMinutes(3));

        Assert.Equal(first.MessageId, second.MessageId);
    }

    [Fact]
    public void GivenIdempotencyKeyLongerThanTheBrokerAllows_WhenMapped_ThenTheMessageIdIsAStableHashWithinTheLimit()
    {
        var key = "pick:" + new string('x', 300);

        var first = BrokerMessages.ToBroker(Sample(key), Now).MessageId;
        var second = BrokerMessages.ToBroker(Sample(key), Now).MessageId;

        Assert.Equal(first, second);
        Assert.True(first.Length <= BrokerMessages.MaxMessageIdLength);
        Assert.StartsWith("sha256:", first);
        Assert.NotEqual(first, BrokerMessages.ToBroker(Sample(key + "y"), Now).MessageId);
    }

    [Fact]
    public void GivenOperatorReplay_WhenMapped_ThenTheMessageIdNamesTheReplaySoDuplicateDetectionLetsItThrough()
    {
        var replay = ShopifyEnvelopes.MarkReplay(Sample(), "deadletter:dl-7");

        var id = BrokerMessages.ToBroker(replay, Now).MessageId;

        Assert.Equal("order-command:o-1:c-1|replay:deadletter:dl-7", id);
        Assert.NotEqual(BrokerMessages.ToBroker(Sample(), Now).MessageId, id);
    }

    [Fact]
    public void GivenIdempotencyKeyOfExactlyTheLimit_WhenMapped_ThenItIsKeptAsItIs()
    {
        var key = new string('k', BrokerMessages.MaxMessageIdLength);

        Assert.Equal(key, BrokerMessages.ToBroker(Sample(key), Now).MessageId);
    }

    [Fact]
    public void GivenEnvelope_WhenMapped_ThenCorrelationSubjectAndContentTypeComeFromIt()
    {
        var message = BrokerMessages.ToBroker(Sample(), Now);

        Assert.Equal("corr-1", message.CorrelationId);
        Assert.Equal(MessageTypes.OrderCommand, message.Subject);
        Assert.Equal("application/json", message.ContentType);
    }

    [Fact]
    public void GivenEnvelope_WhenMapped_ThenApplicationPropertiesCarryTypeSourceIdCausationAndBusinessKeys()
    {
        var properties = BrokerMessages.ToBroker(Sample(), Now).ApplicationProperties;

        Assert.Equal(MessageTypes.OrderCommand, properties["type"]);
        Assert.Equal("orders", properties["source"]);
        Assert.Equal("env-1", properties["envelopeId"]);
        Assert.Equal("cause-1", properties["causationId"]);
        Assert.Equal("o-1", properties["key.order"]);
        Assert.Equal("S-12", properties["key.store"]);
        Assert.False(properties.ContainsKey("payloadBlob"));
    }

    [Fact]
    public void GivenEnvelopeWithoutCausation_WhenMapped_ThenNoCausationPropertyIsSet()
    {
        var properties = BrokerMessages.ToBroker(Sample(causation: null), Now).ApplicationProperties;

        Assert.False(properties.ContainsKey("causationId"));
    }

    [Fact]
    public void GivenEnvelopeWithSpilledPayload_WhenMapped_ThenTheBlobIsNamedInTheProperties()
    {
        var properties = BrokerMessages.ToBroker(Sample(payload: null) with { PayloadBlob = "order-events/env-1" }, Now).ApplicationProperties;

        Assert.Equal("order-events/env-1", properties["payloadBlob"]);
    }

    [Fact]
    public void GivenDelay_WhenMapped_ThenTheMessageIsScheduledThatFarFromNow()
    {
        var message = BrokerMessages.ToBroker(Sample(), Now, TimeSpan.FromDays(3));

        Assert.Equal(Now.AddDays(3), message.ScheduledEnqueueTime);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(-5)]
    public void GivenNoPositiveDelay_WhenMapped_ThenTheMessageIsNotScheduled(int? seconds)
    {
        var delay = seconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;

        Assert.Null(BrokerMessages.ToBroker(Sample(), Now, delay).ScheduledEnqueueTime);
    }

    [Fact]
    public void GivenMappedEnvelope_WhenReadBack_ThenEveryFieldSurvives()
    {
        var original = Sample();

        var read = BrokerMessages.ToEnvelope(BrokerMessages.ToBroker(original, Now));

        Assert.Equal(original.Id, read.Id);
        Assert.Equal(original.Type, read.Type);
        Assert.Equal(original.IdempotencyKey, read.IdempotencyKey);
        Assert.Equal(original.CorrelationId, read.CorrelationId);
        Assert.Equal(original.CausationId, read.CausationId);
        Assert.Equal(original.Keys, read.Keys);
        Assert.Equal(original.OccurredAt, read.OccurredAt);
        Assert.Equal(original.Source, read.Source);
        Assert.Equal(original.Payload, read.Payload);
        Assert.Equal(original.PayloadBlob, read.PayloadBlob);
        Assert.Equal(original.Headers, read.Headers);
    }

    [Fact]
    public void GivenEnvelope_WhenMapped_ThenTheBodyIsTheEnvelopeJsonTheLocalQueuesCarry()
    {
        var envelope = Sample();

        var body = BrokerMessages.ToBroker(envelope, Now).Body;

        Assert.Equal(JsonSerializer.Serialize(envelope, RetailFunctions.Storage.QueueMessageSender.Json), body);
        Assert.Equal(envelope.Id, RetailFunctions.Storage.QueueMessageSender.Deserialize(body).Id);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"hello\":\"world\"}")]
    public void GivenBodyThatIsNotAnEnvelope_WhenRead_ThenJsonExceptionNamesTheMessage(string body)
    {
        var message = new BrokerMessage("m-9", null, null, "application/json", body, new Dictionary<string, object>());

        var error = Assert.ThrowsAny<JsonException>(() => BrokerMessages.ToEnvelope(message));

        if (body.StartsWith('{')) Assert.Contains("m-9", error.Message);
    }

    [Fact]
    public void GivenUnreadableBody_WhenTriedToRead_ThenThereIsNoEnvelopeAndNoException()
    {
        var message = new BrokerMessage("m-9", null, null, "application/json", "{oops", new Dictionary<string, object>());

        Assert.Null(BrokerMessages.TryReadEnvelope(message));
        Assert.Equal("env-1", BrokerMessages.TryReadEnvelope(BrokerMessages.ToBroker(Sample(), Now))?.Id);
    }

    [Fact]
    public void GivenSmallPayload_WhenChecked_ThenItTravelsInline()
    {
        Assert.False(BrokerMessages.NeedsBlob(Sample()));
    }

    [Fact]
    public void GivenPayloadOverTheLimit_WhenChecked_ThenItGoesToABlob()
    {
        var big = Sample(payload: new string('x', BrokerMessages.MaxInlineBytes));

        Assert.True(BrokerMessages.NeedsBlob(big));
        Assert.Equal("order-events/env-1", BrokerMessages.BlobNameFor("order-events", big));
    }

    [Fact]
    public void GivenOversizedEnvelopeWithoutPayload_WhenChecked_ThenThereIsNothingToSpill()
    {
        var keys = Enumerable.Range(0, 20_000).ToDictionary(i => $"k{i}", i => "vvvvvvvvvv");

        Assert.False(BrokerMessages.NeedsBlob(Sample(payload: null) with { Keys = keys }));
    }
}

using System.Text.Json;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>Envelopes decided together (one order decision's events) travel in as few queue messages as hold them.</summary>
public sealed class EnvelopesSentTogetherTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static Envelope EnvelopeWith(string id, string payload = "p", string shop = "s") => new(id, "test.message", id, id, null,
        new Dictionary<string, string> { ["shop"] = shop }, DateTimeOffset.UtcNow, "test", payload);

    private static string Text(Envelope envelope) => JsonSerializer.Serialize(envelope, QueueMessageSender.Json);

    private async Task<List<List<string>>> ReceiveAllAsync(string queue)
    {
        var messages = new List<List<string>>();
        while (true)
        {
            var received = (await _account.Queue(queue).ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (received.Length == 0) return messages;
            messages.AddRange(received.Select(m => QueueMessageSender.Read(m.Body.ToString()).Envelopes.Select(e => e.Id).ToList()));
        }
    }

    private async Task<string> NewQueueAsync()
    {
        var queue = $"together-{Guid.NewGuid():N}"[..24];
        await _account.Queue(queue).CreateAsync();
        return queue;
    }

    [Fact]
    public async Task GivenAQuietQueue_WhenADecisionsEnvelopesAreSentTogether_ThenTheyAreOneMessage()
    {
        var queue = await NewQueueAsync();
        IMessageSender sender = new QueueMessageSender(_account, new BlobStore(_account));

        await sender.SendAllAsync(queue, [.. Enumerable.Range(0, 6).Select(i => EnvelopeWith($"e-{i}"))], CancellationToken.None);

        var messages = await ReceiveAllAsync(queue);
        Assert.Equal(["e-0", "e-1", "e-2", "e-3", "e-4", "e-5"], Assert.Single(messages));
    }

    [Fact]
    public async Task GivenMoreEnvelopesThanAMessageHolds_ThenTheyAreCutIntoMessagesThatFitAndNoneIsLost()
    {
        var written = new List<string>();
        var group = new QueueGroupCommit(body =>
        {
            lock (written) written.Add(body);
            return Task.CompletedTask;
        }, maxInFlight: 1, maxBytes: 64 * 1024, maxEnvelopes: 4);

        await group.SendTogetherAsync([.. Enumerable.Range(0, 10).Select(i => Text(EnvelopeWith($"e-{i}")))]).WaitAsync(TimeSpan.FromSeconds(30));

        var messages = written.Select(b => QueueMessageSender.Read(b).Envelopes.Select(e => e.Id).ToList()).ToList();
        Assert.Equal([4, 4, 2], messages.Select(m => m.Count));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e-{i}"), messages.SelectMany(m => m));
    }

    [Fact]
    public async Task GivenEnvelopesLargerTogetherThanAMessage_ThenEachMessageStaysWithinTheByteLimit()
    {
        var written = new List<string>();
        var group = new QueueGroupCommit(body =>
        {
            lock (written) written.Add(body);
            return Task.CompletedTask;
        }, maxInFlight: 4, maxBytes: 8 * 1024);

        await group.SendTogetherAsync([.. Enumerable.Range(0, 6).Select(i => Text(EnvelopeWith($"e-{i}", new string('x', 3000))))])
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(written.Count > 1);
        Assert.All(written, body => Assert.True(System.Text.Encoding.UTF8.GetByteCount(body) <= 8 * 1024, $"{body.Length} bytes"));
        Assert.Equal(6, written.Sum(b => QueueMessageSender.Read(b).Envelopes.Count));
    }

    [Fact]
    public async Task GivenAWriteOfTheDecisionFails_ThenTheSendFails()
    {
        var group = new QueueGroupCommit(_ => throw new InvalidOperationException("storage refused the message"), maxEnvelopes: 2);

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            group.SendTogetherAsync([.. Enumerable.Range(0, 3).Select(i => Text(EnvelopeWith($"e-{i}")))]).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("refused", failed.Message);
    }

    [Fact]
    public async Task GivenEnvelopesOfTwoShops_ThenEachMessageHoldsOneShopsEnvelopes()
    {
        var queue = await NewQueueAsync();
        IMessageSender sender = new QueueMessageSender(_account, new BlobStore(_account));

        await sender.SendAllAsync(queue, [EnvelopeWith("a-1", shop: "a"), EnvelopeWith("b-1", shop: "b"), EnvelopeWith("a-2", shop: "a")],
            CancellationToken.None);

        var messages = await ReceiveAllAsync(queue);
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.SequenceEqual(["a-1", "a-2"]));
        Assert.Contains(messages, m => m.SequenceEqual(["b-1"]));
    }

    [Fact]
    public async Task GivenAPayloadTooLargeForAMessage_WhenSentTogether_ThenItTravelsAsABlobReferenceBesideTheOthers()
    {
        var queue = await NewQueueAsync();
        var blobs = new BlobStore(_account);
        IMessageSender sender = new QueueMessageSender(_account, blobs);
        var large = new string('y', QueueMessageSender.MaxInlineBytes + 1024);

        await sender.SendAllAsync(queue, [EnvelopeWith("small"), EnvelopeWith($"large-{Guid.NewGuid():N}", large)], CancellationToken.None);

        var received = (await _account.Queue(queue).ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
        var envelopes = QueueMessageSender.Read(Assert.Single(received).Body.ToString()).Envelopes;
        Assert.Equal(2, envelopes.Count);
        var reference = Assert.Single(envelopes, e => e.PayloadBlob is not null);
        Assert.Null(reference.Payload);
        Assert.Equal(large, await EnvelopePayloads.TextAsync(reference, blobs, CancellationToken.None));
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>Envelopes that travel together in one queue message: how they are grouped, and how a worker settles them.</summary>
public sealed class GroupedMessagesTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static Envelope EnvelopeWith(string payload, string id) => new(id, "test.message", id, id, null,
        new Dictionary<string, string> { ["shop"] = "s" }, DateTimeOffset.UtcNow, "test", payload);

    private static string Text(Envelope envelope) => JsonSerializer.Serialize(envelope, QueueMessageSender.Json);

    [Fact]
    public async Task GivenAWriteIsUnderWay_WhenMoreEnvelopesArrive_ThenTheyGoOutTogetherInTheNextMessage()
    {
        var written = new List<string>();
        var firstWrite = new TaskCompletionSource();
        var group = new QueueGroupCommit(async body =>
        {
            lock (written) written.Add(body);
            if (written.Count == 1) await firstWrite.Task;
        }, maxInFlight: 1);

        var first = group.SendAsync(Text(EnvelopeWith("p", "e-0")));
        var waiting = Enumerable.Range(1, 5).Select(i => group.SendAsync(Text(EnvelopeWith("p", $"e-{i}")))).ToList();
        Assert.Single(written);
        Assert.False(first.IsCompleted);
        Assert.All(waiting, t => Assert.False(t.IsCompleted));

        firstWrite.SetResult();
        await Task.WhenAll(waiting.Append(first)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, written.Count);
        Assert.False(EnvelopeBatch.IsBatch(written[0]));
        Assert.Equal("e-0", QueueMessageSender.Read(written[0]).Envelopes.Single().Id);
        var second = QueueMessageSender.Read(written[1]);
        Assert.True(EnvelopeBatch.IsBatch(written[1]));
        Assert.Equal(["e-1", "e-2", "e-3", "e-4", "e-5"], second.Envelopes.Select(e => e.Id));
        Assert.Equal(0, second.Attempts);
    }

    [Fact]
    public async Task GivenAGroupsWriteFails_ThenOnlyItsOwnSendersSeeTheFailure()
    {
        var calls = 0;
        var firstWrite = new TaskCompletionSource();
        var group = new QueueGroupCommit(async body =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await firstWrite.Task;
                return;
            }
            throw new InvalidOperationException("storage refused the message");
        }, maxInFlight: 1);

        var first = group.SendAsync(Text(EnvelopeWith("p", "a")));
        var second = group.SendAsync(Text(EnvelopeWith("p", "b")));
        var third = group.SendAsync(Text(EnvelopeWith("p", "c")));
        firstWrite.SetResult();

        await first.WaitAsync(TimeSpan.FromSeconds(30));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("refused", refused.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => third.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task GivenTheGroupIsFull_ThenTheRestWaitsForTheNextMessage()
    {
        var written = new ConcurrentQueue<string>();
        var firstWrite = new TaskCompletionSource();
        var group = new QueueGroupCommit(async body =>
        {
            written.Enqueue(body);
            if (written.Count == 1) await firstWrite.Task;
        }, maxInFlight: 1, maxBytes: 64 * 1024, maxEnvelopes: 3);

        var sends = Enumerable.Range(0, 8).Select(i => group.SendAsync(Text(EnvelopeWith("p", $"e-{i}")))).ToList();
        firstWrite.SetResult();
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));

        var groups = written.Select(b => QueueMessageSender.Read(b).Envelopes.Select(e => e.Id).ToList()).ToList();
        Assert.Equal([1, 3, 3, 1], groups.Select(g => g.Count));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"e-{i}"), groups.SelectMany(g => g));
    }

    [Fact]
    public async Task GivenManySendersAtOnce_ThenEveryEnvelopeIsStoredOnceInFewerMessages()
    {
        var queue = $"group-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var sender = new QueueMessageSender(_account, new BlobStore(_account));

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => sender.SendAsync(queue, EnvelopeWith("p", $"m-{i:D3}"), CancellationToken.None))));

        var ids = new List<string>();
        var messages = 0;
        while (true)
        {
            var received = (await _account.Queue(queue).ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (received.Length == 0) break;
            messages += received.Length;
            ids.AddRange(received.SelectMany(m => QueueMessageSender.Read(m.Body.ToString()).Envelopes.Select(e => e.Id)));
        }
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"m-{i:D3}"), ids.Order(StringComparer.Ordinal));
        Assert.True(messages < 200, $"200 envelopes sent at once took {messages} messages");
    }

    [Fact]
    public async Task GivenAGroupWithAFailingAndAPoisonEnvelope_ThenTheRestAreDoneOnceAndOnlyTheFailedOneComesBack()
    {
        var queue = $"grouped-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var texts = new[] { "ok-1", "flaky", "poison", "ok-2", "broken" }.Select(id => Text(EnvelopeWith(id, id))).ToList();
        await _account.Queue(queue).SendMessageAsync(EnvelopeBatch.Format(texts));

        var deadLetters = new TableDeadLetterStore(_account, new BlobStore(_account));
        var processor = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        var handled = new ConcurrentQueue<(string Id, long Attempt)>();
        var options = new QueueWorkerOptions(4, 3, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = processor.RunAsync(queue, (m, _) =>
        {
            var id = m.Envelope.Id;
            handled.Enqueue((id, m.DequeueCount));
            return id switch
            {
                "poison" => Task.FromResult<HandlerOutcome>(new HandlerOutcome.Poison("cannot ever be read")),
                "flaky" when m.DequeueCount == 1 => throw new TimeoutException("downstream slow"),
                "broken" => throw new InvalidOperationException("downstream said no"),
                _ => Task.FromResult<HandlerOutcome>(new HandlerOutcome.Completed("ok")),
            };
        }, options, stop.Token);

        while (!stop.IsCancellationRequested)
        {
            var parked = (await deadLetters.ListAsync(100, CancellationToken.None)).Where(d => d.Queue == queue).ToList();
            var depth = (await _account.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (parked.Count == 2 && depth == 0) break;
            await Task.Delay(200);
        }
        await stop.CancelAsync();
        await run;

        var letters = (await deadLetters.ListAsync(100, CancellationToken.None)).Where(d => d.Queue == queue).OrderBy(d => d.Envelope.Id).ToList();
        Assert.Equal(["broken", "poison"], letters.Select(d => d.Envelope.Id));
        Assert.Equal(3, letters[0].AttemptCount);
        Assert.Contains("downstream said no", letters[0].Reason);
        Assert.Equal("cannot ever be read", letters[1].Reason);
        Assert.Equal(1, handled.Count(h => h.Id == "ok-1"));
        Assert.Equal(1, handled.Count(h => h.Id == "ok-2"));
        Assert.Equal(1, handled.Count(h => h.Id == "poison"));
        Assert.Equal([1L, 2L], handled.Where(h => h.Id == "flaky").Select(h => h.Attempt).Order());
        Assert.Equal([1L, 2L, 3L], handled.Where(h => h.Id == "broken").Select(h => h.Attempt).Order());
    }

    [Fact]
    public async Task GivenGroupsOfManyEnvelopes_ThenNoMoreHandlersRunAtOnceThanTheBatchSize()
    {
        var queue = $"capped-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        for (var g = 0; g < 3; g++)
            await _account.Queue(queue).SendMessageAsync(EnvelopeBatch.Format(Enumerable.Range(0, 20).Select(i => Text(EnvelopeWith("p", $"g{g}-{i}"))).ToList()));
        await _account.Queue(queue).SendMessageAsync(Text(EnvelopeWith("p", "alone")));

        var processor = new QueueProcessor(_account, new TableDeadLetterStore(_account, new BlobStore(_account)), TimeProvider.System,
            NullLogger<QueueProcessor>.Instance);
        var running = 0;
        var most = 0;
        var handled = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = processor.RunAsync(queue, async (m, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await Task.Delay(20, ct);
            Interlocked.Decrement(ref running);
            handled.AddOrUpdate(m.Envelope.Id, 1, (_, n) => n + 1);
            return new HandlerOutcome.Completed("ok");
        }, new QueueWorkerOptions(4, 3, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)), stop.Token);

        while (handled.Count < 61 && !stop.IsCancellationRequested) await Task.Delay(100);
        while ((await _account.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && !stop.IsCancellationRequested) await Task.Delay(100);
        await stop.CancelAsync();
        await run;

        Assert.Equal(61, handled.Count);
        Assert.All(handled.Values, n => Assert.Equal(1, n));
        Assert.InRange(most, 1, 4);
    }

    [Fact]
    public async Task GivenAQueueWhoseHandlersMostlyWait_ThenMoreThanABatchRunAtOnceButNoMoreThanItsAllowance()
    {
        var queue = $"waiting-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        await _account.Queue(queue).SendMessageAsync(EnvelopeBatch.Format(Enumerable.Range(0, 30).Select(i => Text(EnvelopeWith("p", $"w-{i}"))).ToList()));

        var processor = new QueueProcessor(_account, new TableDeadLetterStore(_account, new BlobStore(_account)), TimeProvider.System,
            NullLogger<QueueProcessor>.Instance);
        var running = 0;
        var most = 0;
        var handled = 0;
        var twelveAtOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var options = new QueueWorkerOptions(4, 3, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)) { ConcurrentHandlers = 12 };
        var run = processor.RunAsync(queue, async (m, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            if (now >= 12) twelveAtOnce.TrySetResult();
            // Each waits until twelve wait together: with a batch's allowance of four this would never happen.
            await twelveAtOnce.Task.WaitAsync(ct);
            Interlocked.Decrement(ref running);
            Interlocked.Increment(ref handled);
            return new HandlerOutcome.Completed("ok");
        }, options, stop.Token);

        await twelveAtOnce.Task.WaitAsync(stop.Token);
        while (Volatile.Read(ref handled) < 30 && !stop.IsCancellationRequested) await Task.Delay(100);
        await stop.CancelAsync();
        await run;

        Assert.Equal(30, Volatile.Read(ref handled));
        Assert.Equal(12, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}

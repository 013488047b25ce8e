using Microsoft.Extensions.Logging.Abstractions;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>Queues, blobs and the worker loop against a real Azurite.</summary>
public sealed class MessagingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
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

    [Fact]
    public async Task APayloadOverTheQueueLimitTravelsAsABlobReference()
    {
        var queue = $"spill-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var sender = new QueueMessageSender(_account, new BlobStore(_account));
        var payload = new string('x', 200 * 1024);
        await sender.SendAsync(queue, EnvelopeWith(payload, "big-1"), CancellationToken.None);

        var message = (await _account.Queue(queue).ReceiveMessageAsync()).Value;
        Assert.True(message.Body.ToMemory().Length < QueueMessageSender.MaxInlineBytes);
        var envelope = QueueMessageSender.Deserialize(message.Body.ToString());
        Assert.Null(envelope.Payload);
        Assert.Equal($"{queue}/big-1", envelope.PayloadBlob);
        var stored = await new BlobStore(_account).ReadAsync(ContainerNames.LargePayloads, envelope.PayloadBlob!, CancellationToken.None);
        Assert.Equal(payload.Length, stored.Length);
    }

    [Fact]
    public async Task AMessageThatKeepsFailingIsDeadLetteredAfterMaxDequeueCountAndTheQueueMovesOn()
    {
        var queue = $"poison-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var sender = new QueueMessageSender(_account, new BlobStore(_account));
        await sender.SendAsync(queue, EnvelopeWith("bad", "always-fails"), CancellationToken.None);
        await sender.SendAsync(queue, EnvelopeWith("good", "succeeds"), CancellationToken.None);

        var deadLetters = new TableDeadLetterStore(_account, new BlobStore(_account));
        var processor = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        var handled = new List<string>();
        var options = new QueueWorkerOptions(4, 3, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = processor.RunAsync(queue, (m, _) =>
        {
            lock (handled) handled.Add(m.Envelope.Id);
            if (m.Envelope.Payload == "bad") throw new InvalidOperationException("downstream said no");
            return Task.FromResult<HandlerOutcome>(new HandlerOutcome.Completed("ok"));
        }, options, stop.Token);

        while (!stop.IsCancellationRequested)
        {
            var parked = (await deadLetters.ListAsync(100, CancellationToken.None)).Where(d => d.Queue == queue).ToList();
            if (parked.Count == 1)
            {
                Assert.Equal("always-fails", parked[0].Envelope.Id);
                Assert.Equal(3, parked[0].AttemptCount);
                Assert.Contains("downstream said no", parked[0].Reason);
                Assert.Equal(typeof(InvalidOperationException).FullName, parked[0].ExceptionType);
                break;
            }
            await Task.Delay(200);
        }
        await stop.CancelAsync();
        await run;
        Assert.Equal(1, handled.Count(h => h == "succeeds"));
        Assert.Equal(3, handled.Count(h => h == "always-fails"));
        Assert.Equal(0, (await _account.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task GivenOneMessageIsSlow_WhenMoreArriveBehindIt_ThenTheyAreHandledWhileItIsStillRunning()
    {
        var queue = $"slow-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var sender = new QueueMessageSender(_account, new BlobStore(_account));
        await sender.SendAsync(queue, EnvelopeWith("slow", "slow-1"), CancellationToken.None);

        var processor = new QueueProcessor(_account, new TableDeadLetterStore(_account, new BlobStore(_account)), TimeProvider.System,
            NullLogger<QueueProcessor>.Instance);
        var slowStarted = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var quick = 0;
        var options = new QueueWorkerOptions(4, 3, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = processor.RunAsync(queue, async (m, ct) =>
        {
            if (m.Envelope.Payload == "slow")
            {
                slowStarted.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
            else Interlocked.Increment(ref quick);
            return new HandlerOutcome.Completed("ok");
        }, options, stop.Token);

        await slowStarted.Task.WaitAsync(stop.Token);
        for (var i = 0; i < 10; i++) await sender.SendAsync(queue, EnvelopeWith("quick", $"quick-{i}"), CancellationToken.None);
        while (Volatile.Read(ref quick) < 10 && !stop.IsCancellationRequested) await Task.Delay(100);

        Assert.Equal(10, Volatile.Read(ref quick));
        Assert.False(release.Task.IsCompleted);
        release.SetResult();
        while ((await _account.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && !stop.IsCancellationRequested) await Task.Delay(100);
        await stop.CancelAsync();
        await run;
        Assert.Equal(0, (await _account.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task CatalogResolvesAliasesBarcodesAndCanonicalSkus()
    {
        var catalog = new TableCatalogStore(_account);
        await catalog.UpsertItemAsync(new CatalogItem("BLU-SHIRT-M", "Blue shirt M", "012345678905", "EA", 49m,
            [new SkuAlias("pos", AliasKinds.Item, "SKU-4471")]), CancellationToken.None);
        await catalog.UpsertItemAsync(new CatalogItem("BLU-SHIRT-M", null, null, null, null,
            [new SkuAlias("shopify", AliasKinds.Variant, "9007199254740993")]), CancellationToken.None);

        Assert.Equal("BLU-SHIRT-M", await catalog.ResolveSkuAsync("pos", AliasKinds.Item, "SKU-4471", CancellationToken.None));
        Assert.Equal("BLU-SHIRT-M", await catalog.ResolveSkuAsync("shopify", AliasKinds.Variant, "9007199254740993", CancellationToken.None));
        Assert.Equal("BLU-SHIRT-M", await catalog.ResolveSkuAsync("pos", AliasKinds.Barcode, "00012345678905", CancellationToken.None));
        Assert.Equal("BLU-SHIRT-M", await catalog.ResolveSkuAsync("pos", AliasKinds.Sku, "BLU-SHIRT-M", CancellationToken.None));
        Assert.Null(await catalog.ResolveSkuAsync("pos", AliasKinds.Item, "SKU-9999", CancellationToken.None));

        var item = await catalog.GetItemAsync("BLU-SHIRT-M", CancellationToken.None);
        Assert.NotNull(item);
        Assert.Equal("Blue shirt M", item.Title);
        Assert.Equal(2, item.Aliases.Count);
        Assert.Equal(49m, item.Price);

        await catalog.UpsertLocationAsync(new Location("STORE-9", "Main St", 51.5, -0.12, [new LocationAlias("pos", "9"), new LocationAlias("shopify", "655441491")]), CancellationToken.None);
        Assert.Equal("STORE-9", await catalog.ResolveLocationAsync("pos", "9", CancellationToken.None));
        Assert.Equal("STORE-9", await catalog.ResolveLocationAsync("shopify", "655441491", CancellationToken.None));
        Assert.Null(await catalog.ResolveLocationAsync("pos", "655441491", CancellationToken.None));
    }

    [Fact]
    public async Task DeliveriesPastTheRetentionAreForgottenAndRecentOnesKept()
    {
        var log = new TableDeliveryLog(_account);
        var shop = $"purge-{Guid.NewGuid():N}.myshopify.com";
        var now = DateTimeOffset.UtcNow;
        await log.RecordAsync(new Pipeline.Ports.DeliveryRecord(shop, "old-1", "old-event", "orders/create", "done", "a", now.AddDays(-9), now.AddDays(-9)), CancellationToken.None);
        await log.RecordAsync(new Pipeline.Ports.DeliveryRecord(shop, "new-1", null, "orders/create", "done", "b", now, now), CancellationToken.None);

        var purged = await log.PurgeAsync(now.AddDays(-7), CancellationToken.None);
        Assert.True(purged >= 2, $"both rows of the old delivery (webhook id and event id) should go; purged {purged}");
        Assert.Null(await log.FindAsync(shop, "old-1", "old-event", CancellationToken.None));
        Assert.NotNull(await log.FindAsync(shop, "new-1", null, CancellationToken.None));
    }

    [Fact]
    public async Task GivenAMessageTakenOverOnItsLastDelivery_WhenTheFirstWorkersKeepAliveFails_ThenItIsNotDeadLettered()
    {
        var queue = $"lastgo-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var sender = new QueueMessageSender(_account, new BlobStore(_account));
        await sender.SendAsync(queue, EnvelopeWith("slow", "last-1"), CancellationToken.None);
        var deadLetters = new TableDeadLetterStore(_account, new BlobStore(_account));
        // One delivery allowed: a failure of the first worker's attempt would dead-letter the message at once. The
        // workers do not renew, so the message lapses to the second one while the first still holds it.
        var options = new QueueWorkerOptions(1, 1, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100)) { RenewLeases = false };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var takenOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fastCompleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var slow = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        using var slowStop = new CancellationTokenSource();
        var slowRun = slow.RunAsync(queue, async (m, ct) =>
        {
            try
            {
                await takenOver.Task.WaitAsync(ct);
                await m.KeepAlive(ct);
                return new HandlerOutcome.Completed("slow");
            }
            finally
            {
                slowSettled.TrySetResult();
            }
        }, options, slowStop.Token);
        var fast = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        var fastRun = fast.RunAsync(queue, async (m, ct) =>
        {
            takenOver.TrySetResult();
            await slowSettled.Task.WaitAsync(ct);
            fastCompleted.TrySetResult();
            return new HandlerOutcome.Completed("fast");
        }, options, stop.Token);

        await fastCompleted.Task.WaitAsync(stop.Token);
        while (!stop.IsCancellationRequested && (await _account.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            await Task.Delay(50);
        await stop.CancelAsync();
        await slowStop.CancelAsync();
        await Task.WhenAll(slowRun, fastRun);
        Assert.DoesNotContain(await deadLetters.ListAsync(100, CancellationToken.None), d => d.Queue == queue);
    }

    [Fact]
    public async Task GivenAHandlerWorksPastTheVisibilityTimeout_ThenNoOtherConsumerReceivesItsMessage()
    {
        var queue = $"held-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var sender = new QueueMessageSender(_account, new BlobStore(_account));
        await sender.SendAsync(queue, EnvelopeWith("slow", "held-1"), CancellationToken.None);
        var deadLetters = new TableDeadLetterStore(_account, new BlobStore(_account));
        var options = new QueueWorkerOptions(1, 5, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var slow = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        var slowRun = slow.RunAsync(queue, async (m, ct) =>
        {
            received.Enqueue($"slow:{m.DequeueCount}");
            first.TrySetResult();
            // Three visibility timeouts: unrenewed, the message would be visible again twice over by the end.
            await Task.Delay(TimeSpan.FromSeconds(6), ct);
            return new HandlerOutcome.Completed("slow");
        }, options, stop.Token);
        await first.Task.WaitAsync(stop.Token);
        var other = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        var otherRun = other.RunAsync(queue, (m, _) =>
        {
            received.Enqueue($"other:{m.DequeueCount}");
            return Task.FromResult<HandlerOutcome>(new HandlerOutcome.Completed("other"));
        }, options, stop.Token);

        while (!stop.IsCancellationRequested && (await _account.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            await Task.Delay(100);
        await stop.CancelAsync();
        await Task.WhenAll(slowRun, otherRun);
        Assert.Equal(new[] { "slow:1" }, received.ToArray());
    }

    [Fact]
    public async Task AWorkerWhoseMessageWasTakenOverKeepsWorking()
    {
        var queue = $"takeover-{Guid.NewGuid():N}"[..20];
        await _account.Queue(queue).CreateAsync();
        var sender = new QueueMessageSender(_account, new BlobStore(_account));
        await sender.SendAsync(queue, EnvelopeWith("slow", "slow-1"), CancellationToken.None);

        var deadLetters = new TableDeadLetterStore(_account, new BlobStore(_account));
        var slow = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        var fast = new QueueProcessor(_account, deadLetters, TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        // Renewals that do not get through (a stalled worker): the message lapses to the fast worker.
        var options = new QueueWorkerOptions(1, 5, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100)) { RenewLeases = false };
        var handledBySlow = new List<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        // The slow worker holds the message until the fast one has taken it over after its visibility lapsed, so the
        // slow worker's pop receipt is stale when it tries to delete, however slowly either worker is scheduled.
        var fastDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowRun = slow.RunAsync(queue, async (m, ct) =>
        {
            lock (handledBySlow) handledBySlow.Add(m.Envelope.Id);
            if (m.Envelope.Id == "slow-1") await fastDone.Task.WaitAsync(ct);
            return new HandlerOutcome.Completed("slow");
        }, options, stop.Token);
        while (!stop.IsCancellationRequested && !HandledBySlow("slow-1")) await Task.Delay(50);
        using var fastStop = new CancellationTokenSource();
        var fastRun = fast.RunAsync(queue, (m, _) =>
        {
            fastDone.TrySetResult();
            return Task.FromResult<HandlerOutcome>(new HandlerOutcome.Completed("fast"));
        }, options, fastStop.Token);
        await fastDone.Task.WaitAsync(TimeSpan.FromSeconds(90));
        await fastStop.CancelAsync();
        await fastRun;

        // The slow worker's delete fails on the stale receipt; it must still take the next message.
        await sender.SendAsync(queue, EnvelopeWith("next", "next-1"), CancellationToken.None);
        while (!stop.IsCancellationRequested && !HandledBySlow("next-1")) await Task.Delay(50);
        Assert.False(slowRun.IsCompleted, "the worker loop stopped after losing a message to another consumer");

        Assert.Contains("next-1", handledBySlow);
        await stop.CancelAsync();
        await slowRun;

        bool HandledBySlow(string id)
        {
            lock (handledBySlow) return handledBySlow.Contains(id);
        }
    }
}

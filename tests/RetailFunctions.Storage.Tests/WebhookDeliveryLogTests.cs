using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// The delivery log around the webhook handler on a real Azurite: a new delivery is claimed by adding its rows (no
/// lookup first) and recorded when done; a finished delivery's webhook or event id drops the repeat; a claim that
/// never finished lets the redelivery run. The deliveries use a topic without effects, so only the log is exercised.
/// </summary>
public sealed class WebhookDeliveryLogTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Topic = "shop/update";
    private readonly StorageRoundTrips _requests = new();
    private StorageAccount _account = null!;
    private readonly string _shop = $"log-{Guid.NewGuid():N}.myshopify.com";

    public async Task InitializeAsync()
    {
        _account = StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false);
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private TableDeliveryLog Log => new(_account);

    // Only the log and the raw archive are reached by a topic that has no handler.
    private ShopifyWebhookHandler Handler() =>
        new(Log, new BlobStore(_account), null!, null!, null!, null!, null!, PilotGate.AllOn(TimeProvider.System), TimeProvider.System);

    private ReceivedMessage Delivery(string webhookId, string eventId) =>
        new(ShopifyEnvelopes.Create(new Dictionary<string, string>
        {
            [ShopifyHeaders.Topic] = Topic,
            [ShopifyHeaders.ShopDomain] = _shop,
            [ShopifyHeaders.WebhookId] = webhookId,
            [ShopifyHeaders.EventId] = eventId,
        }, """{"id": 1}""", null, DateTimeOffset.UtcNow, 0), QueueNames.ShopifyWebhooks, 1, DateTimeOffset.UtcNow);

    private static string Summary(HandlerOutcome outcome) => Assert.IsType<HandlerOutcome.Completed>(outcome).Summary;

    [Fact]
    public async Task GivenANewDelivery_WhenItIsHandled_ThenTheLogIsWrittenTwiceAndNeverRead()
    {
        _requests.Reset();

        var outcome = await Handler().HandleAsync(Delivery("wh-new", "ev-new"), CancellationToken.None);

        Assert.StartsWith("recorded", Summary(outcome));
        Assert.Equal(0, _requests["GET Deliveries"]);
        Assert.Equal([2, 2], _requests.Batches("Deliveries"));
        Assert.Equal(2, _requests.Total);
        Assert.StartsWith("recorded", (await Log.FindAsync(_shop, "wh-new", "ev-new", CancellationToken.None))?.Outcome);
    }

    [Fact]
    public async Task GivenAHandledDelivery_WhenItsWebhookComesAgain_ThenItIsDroppedAsADuplicate()
    {
        await Handler().HandleAsync(Delivery("wh-1", "ev-1"), CancellationToken.None);

        var again = await Handler().HandleAsync(Delivery("wh-1", "ev-1"), CancellationToken.None);

        Assert.StartsWith("duplicate of delivery wh-1 (recorded", Summary(again));
    }

    [Fact]
    public async Task GivenAHandledDelivery_WhenItsEventComesUnderAnotherWebhook_ThenItIsDroppedAsADuplicate()
    {
        await Handler().HandleAsync(Delivery("wh-2", "ev-2"), CancellationToken.None);

        var again = await Handler().HandleAsync(Delivery("wh-2-other-subscription", "ev-2"), CancellationToken.None);

        Assert.StartsWith("duplicate of delivery wh-2 (recorded", Summary(again));
    }

    [Fact]
    public async Task GivenAClaimThatNeverFinished_WhenTheDeliveryComesAgain_ThenItIsProcessedAndRecorded()
    {
        var claim = new DeliveryRecord(_shop, "wh-3", "ev-3", Topic, "", "archive", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        Assert.Null(await Log.ClaimAsync(claim, CancellationToken.None));
        Assert.Null(await Log.FindAsync(_shop, "wh-3", "ev-3", CancellationToken.None));

        var retried = await Handler().HandleAsync(Delivery("wh-3", "ev-3"), CancellationToken.None);

        Assert.StartsWith("recorded", Summary(retried));
        Assert.StartsWith("recorded", (await Log.FindAsync(_shop, "wh-3", "ev-3", CancellationToken.None))?.Outcome);
        Assert.StartsWith("recorded", (await Log.FindAsync(_shop, "wh-3", null, CancellationToken.None))?.Outcome);
    }

    [Fact]
    public async Task GivenDeliveriesClaimedWhileAnotherClaimIsBeingWritten_WhenTheyAreClaimed_ThenTheyAreWrittenTogetherInOneTransaction()
    {
        var log = Log;
        _requests.Reset();
        var hold = _requests.HoldNextBatch("Deliveries");
        var first = log.ClaimAsync(Claim("wh-5-0", "ev-5-0"), CancellationToken.None);
        await hold.Reached.Task;

        var waiting = Enumerable.Range(1, 30).Select(i => log.ClaimAsync(Claim($"wh-5-{i}", $"ev-5-{i}"), CancellationToken.None)).ToList();
        hold.Released.SetResult();

        Assert.All(await Task.WhenAll(waiting.Prepend(first)), Assert.Null);
        Assert.Equal([2, 60], _requests.Batches("Deliveries"));
        Assert.Equal(0, _requests["GET Deliveries"]);
        foreach (var i in new[] { 0, 1, 30 })
            Assert.True(await RowExistsAsync($"w:wh-5-{i}") && await RowExistsAsync($"e:ev-5-{i}"), $"delivery {i}");
    }

    [Fact]
    public async Task GivenARepeatAmongNewDeliveriesClaimedTogether_WhenItsEventIsFoundLogged_ThenOnlyItAnswersTheFinishedDeliveryAndLeavesNoRow()
    {
        var log = Log;
        var now = DateTimeOffset.UtcNow;
        await log.RecordAsync(new DeliveryRecord(_shop, "wh-6", "ev-6", Topic, "recorded: done", "archive", now, now), CancellationToken.None);
        var hold = _requests.HoldNextBatch("Deliveries");
        var first = log.ClaimAsync(Claim("wh-6-a", "ev-6-a"), CancellationToken.None);
        await hold.Reached.Task;

        var together = new[] { Claim("wh-6-b", "ev-6-b"), Claim("wh-6-again", "ev-6"), Claim("wh-6-c", "ev-6-c") }
            .Select(c => log.ClaimAsync(c, CancellationToken.None)).ToList();
        hold.Released.SetResult();

        Assert.Null(await first);
        var answers = await Task.WhenAll(together);
        Assert.Null(answers[0]);
        Assert.Equal(("wh-6", "recorded: done"), (answers[1]?.WebhookId, answers[1]?.Outcome));
        Assert.Null(answers[2]);
        // A caller's rows are added together or not at all: the repeat left no claim under its new webhook id.
        Assert.False(await RowExistsAsync("w:wh-6-again"));
        Assert.True(await RowExistsAsync("w:wh-6-b") && await RowExistsAsync("e:ev-6-c"));
    }

    private DeliveryRecord Claim(string webhookId, string eventId) =>
        new(_shop, webhookId, eventId, Topic, "", "archive", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    /// <summary>Whether the log holds the row, claimed or finished, read past the counted clients.</summary>
    private async Task<bool> RowExistsAsync(string row) =>
        (await new Azure.Data.Tables.TableClient(azurite.ConnectionString, TableNames.Deliveries)
            .GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(TableKeys.Escape(_shop), row)).HasValue;

    [Fact]
    public async Task GivenARecordedDelivery_WhenItIsClaimedAgain_ThenTheClaimAnswersTheFinishedDeliveryAndChangesNothing()
    {
        var now = DateTimeOffset.UtcNow;
        var done = new DeliveryRecord(_shop, "wh-4", "ev-4", Topic, "recorded: done", "archive", now, now);
        await Log.RecordAsync(done, CancellationToken.None);

        var seen = await Log.ClaimAsync(done with { WebhookId = "wh-4-again", Outcome = "" }, CancellationToken.None);

        Assert.Equal(("wh-4", "recorded: done"), (seen?.WebhookId, seen?.Outcome));
        Assert.Null(await Log.FindAsync(_shop, "wh-4-again", null, CancellationToken.None));
    }
}

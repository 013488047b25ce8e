using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Scheduling;

namespace RetailFunctions.Pipeline.Tests;

public sealed class CronScheduleTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero); // a Monday

    [Theory]
    [InlineData("0 0 * * * *", "2026-11-23T13:00:00+00:00")]
    [InlineData("*/15 * * * * *", "2026-11-23T12:00:15+00:00")]
    [InlineData("0 30 2 * * *", "2026-11-24T02:30:00+00:00")]
    [InlineData("0 0 3 * * 0", "2026-11-29T03:00:00+00:00")]
    [InlineData("0 0 0 1 1 *", "2027-01-01T00:00:00+00:00")]
    [InlineData("0 5,35 9-17 * * 1-5", "2026-11-23T12:05:00+00:00")]
    public void NextOccurrenceFollowsTheFunctionsTimerFormat(string cron, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected), CronSchedule.Parse(cron).Next(Noon));

    [Theory]
    [InlineData("0 0 * * *")]
    [InlineData("0 61 * * * *")]
    [InlineData("0 0 25 * * *")]
    [InlineData("0 */0 * * * *")]
    [InlineData("a b c d e f")]
    public void InvalidExpressionsAreRefusedWithTheField(string cron) =>
        Assert.Throws<FormatException>(() => CronSchedule.Parse(cron));
}

public sealed class ExceptionLifecycleTests
{
    [Theory]
    [InlineData("open", "acknowledge", "acknowledged")]
    [InlineData("open", "resolve", "resolved")]
    [InlineData("acknowledged", "resolve", "resolved")]
    public void AllowedMoves(string from, string action, string to) => Assert.Equal((to, (string?)null), ExceptionLifecycle.Apply(from, action));

    [Theory]
    [InlineData("resolved", "resolve", "an exception that is resolved cannot be resolved")]
    [InlineData("resolved", "acknowledge", "an exception that is resolved cannot be acknowledged")]
    [InlineData("acknowledged", "acknowledge", "an exception that is acknowledged cannot be acknowledged")]
    [InlineData("open", "delete", "unknown action 'delete': acknowledge or resolve")]
    public void RefusedMovesSayWhy(string from, string action, string reason) => Assert.Equal(((string?)null, reason), ExceptionLifecycle.Apply(from, action));
}

public sealed class ReplayRulesTests
{
    private static DeadLetter Letter(string id, string queue, string reason) => new(id, queue, reason, null, 5,
        new Envelope(id, "t", id, id, null, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, "s", "{}"), DateTimeOffset.UnixEpoch);

    [Fact]
    public void ASelectionNeedsASelector() => Assert.True(new DeadLetterSelection(null, null, null, false, false).IsEmpty);

    [Fact]
    public void SelectorsCombine()
    {
        var selection = new DeadLetterSelection(null, "channel-availability", "422", false, false);
        Assert.True(selection.Matches(Letter("a", "channel-availability", "web: 422 Unprocessable")));
        Assert.False(selection.Matches(Letter("b", "shopify-webhooks", "web: 422 Unprocessable")));
        Assert.False(selection.Matches(Letter("c", "channel-availability", "timeout")));
        Assert.True(new DeadLetterSelection(["c"], null, null, false, false).Matches(Letter("c", "q", "x")));
    }

    [Theory]
    [InlineData("shopify/shop.example/2026/11/20/w1.json", true)]
    [InlineData("shopify/shop.example/2026/11/23/w2.json", false)]
    [InlineData("shopify/shop.example/2026/11/18/w3.json", false)]
    [InlineData("shopify/shop.example/not-a-date/w4.json", false)]
    public void ArchiveDaysAreSelectedByRange(string name, bool within) =>
        Assert.Equal(within, ShopifyEnvelopes.ArchivedWithin(name, "shopify/shop.example/",
            new DateTimeOffset(2026, 11, 19, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero)));

    [Fact]
    public void ArchivedHeadersRoundTripThroughBlobMetadata()
    {
        var headers = new Dictionary<string, string>
        {
            [ShopifyHeaders.Topic] = "orders/create", [ShopifyHeaders.ShopDomain] = "s.myshopify.com",
            [ShopifyHeaders.WebhookId] = "w-1", [ShopifyHeaders.EventId] = "e-1",
        };
        var envelope = ShopifyEnvelopes.Create(headers, "{}", null, DateTimeOffset.UnixEpoch, 0);
        var metadata = ShopifyEnvelopes.ArchiveMetadata(envelope);
        Assert.All(metadata.Keys, k => Assert.Matches("^[a-z_]+$", k));
        var back = ShopifyEnvelopes.HeadersFromArchive(metadata)!;
        Assert.Equal("orders/create", back[ShopifyHeaders.Topic]);
        Assert.Equal("e-1", back[ShopifyHeaders.EventId]);
        Assert.Null(ShopifyEnvelopes.HeadersFromArchive(new Dictionary<string, string> { ["shopify_topic"] = "x" }));
    }
}

public sealed class FailureClassTests
{
    [Theory]
    [InlineData("PayloadException", "orders/create payload invalid at id: missing", "invalid_payload")]
    [InlineData("ChannelPushException", "web refused the update of X at Y: 422 Unprocessable Entity after 1 attempt", "downstream_rejection")]
    [InlineData("RetailFunctions.Pipeline.Ports.ChannelPushException", "failed 5 times; last error: web: 429 Too Many Requests after 3 retries", "throttled")]
    [InlineData("ChannelPushException", "web: circuit open after repeated failures; will retry", "downstream_unavailable")]
    [InlineData("System.TimeoutException", "failed 5 times; last error: timed out", "timeout")]
    [InlineData(null, "batch record 123 not found", "invalid_master_data")]
    [InlineData("System.NullReferenceException", "failed 5 times", "bug")]
    public void FailuresAreClassifiedForOperators(string? exceptionType, string reason, string expected) =>
        Assert.Equal(expected, RetailFunctions.Pipeline.Telemetry.PipelineTelemetry.Classify(exceptionType, reason));
}

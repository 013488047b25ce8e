using Azure.Core;
using Azure.Core.Pipeline;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Storage;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// Backlog work (a web order's bookkeeping) waits for one of a bounded number of storage slots; anything else (a till
/// sale, a channel push, an HTTP caller) goes straight on, also when it shares a write with backlog work.
/// </summary>
public sealed class BacklogWorkTests
{
    /// <summary>A transport that holds every request until released, and counts those it holds.</summary>
    private sealed class HeldRequests : HttpMessageHandler
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _arrived = [];

        public IReadOnlyList<string> Arrived
        {
            get { lock (_arrived) return [.. _arrived]; }
        }

        public void Release() => _release.SetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_arrived) _arrived.Add(request.RequestUri!.AbsolutePath.Trim('/'));
            await _release.Task.WaitAsync(cancellationToken);
            return new HttpResponseMessage(System.Net.HttpStatusCode.NoContent);
        }
    }

    private sealed class TestClientOptions : ClientOptions;

    private static HttpPipeline PipelineThrough(BacklogGate gate, HeldRequests transport) =>
        HttpPipelineBuilder.Build(new TestClientOptions { Transport = new HttpClientTransport(new HttpClient(transport)), Retry = { MaxRetries = 0 } },
            perCallPolicies: [], perRetryPolicies: [gate], responseClassifier: new ResponseClassifier());

    private static async Task SendAsync(HttpPipeline pipeline, string name, bool backlog)
    {
        BacklogWork.Set(backlog);
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri($"http://127.0.0.1:1/{name}"));
        await pipeline.SendAsync(message, CancellationToken.None);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(10, timeout.Token);
    }

    [Fact]
    public async Task GivenTheGateIsFullOfBacklogCalls_ThenAnotherBacklogCallWaitsAndACallThatIsNotBacklogGoesStraightOn()
    {
        var transport = new HeldRequests();
        var pipeline = PipelineThrough(new BacklogGate(width: 2), transport);

        var backlog = new[] { SendAsync(pipeline, "backlog-1", true), SendAsync(pipeline, "backlog-2", true), SendAsync(pipeline, "backlog-3", true) };
        await WaitUntilAsync(() => transport.Arrived.Count == 2);
        var tillSale = SendAsync(pipeline, "till-sale", false);
        await WaitUntilAsync(() => transport.Arrived.Contains("till-sale"));

        Assert.Equal(3, transport.Arrived.Count);
        Assert.DoesNotContain("backlog-3", transport.Arrived);

        transport.Release();
        await Task.WhenAll(backlog.Append(tillSale)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("backlog-3", transport.Arrived);
    }

    [Fact]
    public async Task GivenAQueueHandlerRuns_ThenOnlyWebOrdersAndOrderEventsAreBacklogWork_AndTheMarkEndsWithTheHandler()
    {
        static async Task<bool> HandlingAsync(string queue)
        {
            BacklogWork.Enter(queue);
            await Task.Yield();
            return await Task.Run(() => BacklogWork.IsCurrent);
        }

        Assert.True(await HandlingAsync(QueueNames.ShopifyWebhooks));
        Assert.True(await HandlingAsync(QueueNames.OrderEvents));
        Assert.False(await HandlingAsync(QueueNames.PosBatches));
        Assert.False(await HandlingAsync(QueueNames.ChannelAvailability));
        Assert.False(BacklogWork.IsCurrent);
    }

    [Fact]
    public async Task GivenAQueueMessageSharedWithATillSale_ThenItIsSentAsNotBacklog_AndOneOfBacklogAloneAsBacklog()
    {
        var sentAsBacklog = new List<bool>();
        var firstWrite = new TaskCompletionSource();
        var group = new QueueGroupCommit(async _ =>
        {
            lock (sentAsBacklog) sentAsBacklog.Add(BacklogWork.IsCurrent);
            if (sentAsBacklog.Count == 1) await firstWrite.Task;
        }, maxInFlight: 1, maxEnvelopes: 2);

        Task SendAs(bool backlog, int n)
        {
            BacklogWork.Set(backlog);
            return group.SendAsync($"{{\"n\":{n}}}");
        }

        // The first message is a web order's alone; a till sale's envelope and a web order's wait and share the next
        // message; the last two web orders' share the one after.
        var sends = new List<Task> { SendAs(true, 0) };
        sends.Add(SendAs(false, 1));
        sends.Add(SendAs(true, 2));
        sends.Add(SendAs(true, 3));
        sends.Add(SendAs(true, 4));
        firstWrite.SetResult();
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));

        lock (sentAsBacklog) Assert.Equal([true, false, true], sentAsBacklog);
    }
}

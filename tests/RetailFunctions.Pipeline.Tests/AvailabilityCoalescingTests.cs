using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The availability worker against a ledger whose sales land at set instants of a virtual clock: every wait of the
/// worker moves that clock, so what it pushes depends only on when the sales land, never on thread scheduling.
/// </summary>
public class AvailabilityCoalescingTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Cap = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PushLatency = TimeSpan.FromMilliseconds(30);

    /// <summary>A clock that jumps to the end of every wait at once; the worker is the only one waiting on it.</summary>
    private sealed class VirtualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;

        public void MoveTo(DateTimeOffset at)
        {
            if (at > _now) _now = at;
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime > TimeSpan.Zero) _now += dueTime;
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new Fired();
        }

        private sealed class Fired : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    /// <summary>500 on hand (version 1, already pushed) and one unit sold at each instant given.</summary>
    private sealed class Ledger(VirtualClock clock, IReadOnlyList<DateTimeOffset> sales) : IInventoryStore
    {
        private long _pushedVersion = 1;
        public DateTimeOffset MarkedAt { get; private set; } = DateTimeOffset.MinValue;

        private int SoldBy(DateTimeOffset at) => sales.Count(s => s <= at);

        public StockLevel LevelAt(DateTimeOffset at) => new("SKU-1", "WH-1", 500m - SoldBy(at), 0m, 0m, 1 + SoldBy(at));

        /// <summary>The sale that sends the next availability message: the first one after the last mark.</summary>
        public DateTimeOffset? NextNudge() => sales.Where(s => s > MarkedAt).Order().Cast<DateTimeOffset?>().FirstOrDefault();

        public int Reads { get; private set; }

        public Task<LocationStock?> GetLocationStockAsync(string sku, string location, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult<LocationStock?>(new LocationStock(LevelAt(clock.GetUtcNow()), StockPolicy.None, _pushedVersion, null, null));
        }

        public Task<bool> MarkPushedAsync(string sku, string location, long version, decimal available, DateTimeOffset at,
            CancellationToken cancellationToken)
        {
            if (version != LevelAt(clock.GetUtcNow()).Version) return Task.FromResult(false);
            (_pushedVersion, MarkedAt) = (version, clock.GetUtcNow());
            return Task.FromResult(true);
        }

        public StripedLock Writers { get; } = new();
        public StockRows? LastWritten(string sku) => null;
        public Task<StockRows> LoadAsync(StockKey key, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<StockRows?> TrySaveAsync(StockKey key, StockRows loaded, StockChange change, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<IReadOnlyList<LocationStock>> GetStockAsync(string sku, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<bool> RecordObservationAsync(string sku, string location, string channel, DateTimeOffset observedAt, decimal? available,
            CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task SetPolicyAsync(string sku, string location, StockPolicy policy, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<Reservation?> GetReservationAsync(string sku, string reservationId, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<MovementPage> GetMovementsAsync(string sku, string? location, int pageSize, string? continuationToken,
            CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed record Push(DateTimeOffset At, long Version, decimal Available);

    /// <summary>A web store that takes a while to answer, so sales can land while a push is on its way.</summary>
    private sealed class WebStore(VirtualClock clock) : IChannelPublisher
    {
        public List<Push> Pushes { get; } = [];
        public string Channel => "web";

        public Task<string> PushAsync(AvailabilityUpdate update, CancellationToken cancellationToken)
        {
            clock.Advance(PushLatency);
            Pushes.Add(new Push(clock.GetUtcNow(), update.Version, update.Available));
            return Task.FromResult($"v{update.Version}");
        }
    }

    private sealed class Alerts : IAlertStore
    {
        public Task RaiseAsync(LowStockAlert alert, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<IReadOnlyList<LowStockAlert>> ListAsync(int max, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private sealed class Sender : IMessageSender
    {
        public Queue<Envelope> Sent { get; } = new();

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            if (queue == QueueNames.ChannelAvailability) Sent.Enqueue(envelope);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Runs the worker as the queue would: the first sale after a mark sends a message at its instant, and a message
    /// the worker sends itself is taken next. Returns what reached the web store.
    /// </summary>
    private static async Task<(List<Push> Pushes, StockLevel Final, int Reads)> RunAsync(IReadOnlyList<DateTimeOffset> sales, bool sayVersion = false)
    {
        var clock = new VirtualClock(Start);
        var ledger = new Ledger(clock, sales);
        var store = new WebStore(clock);
        var sender = new Sender();
        var handler = new AvailabilityHandler(ledger, [store], new Alerts(), sender, PilotGate.AllOn(TimeProvider.System),
            new InventoryOptions(null, InventoryOptions.DefaultOversellChannels, PushCoalesceWindow: Window, PushCoalesceCap: Cap), clock);
        for (var messages = 0; messages < 1000; messages++)
        {
            Envelope envelope;
            if (sender.Sent.TryDequeue(out var sent)) envelope = sent;
            else if (ledger.NextNudge() is { } sale)
            {
                clock.MoveTo(sale);
                envelope = AvailabilityEnvelopes.Create("SKU-1", "WH-1", sale, $"sale-{sale.UtcTicks}",
                    version: sayVersion ? ledger.LevelAt(sale).Version : null);
            }
            else return (store.Pushes, ledger.LevelAt(DateTimeOffset.MaxValue), ledger.Reads);
            var received = new ReceivedMessage(envelope, QueueNames.ChannelAvailability, 1, null);
            Assert.IsType<HandlerOutcome.Completed>(await handler.HandleAsync(received, CancellationToken.None));
        }
        throw new InvalidOperationException("the worker never caught up with the sales");
    }

    private static List<DateTimeOffset> Sales(int count, TimeSpan every, TimeSpan after = default) =>
        [.. Enumerable.Range(0, count).Select(i => Start + after + every * i)];

    [Fact]
    public async Task GivenABurstInsideOneWindow_WhenItSettles_ThenOnePushCarriesTheLatestLevel()
    {
        var (pushes, final, _) = await RunAsync(Sales(100, TimeSpan.FromMilliseconds(0.5), TimeSpan.FromMilliseconds(10)));

        var push = Assert.Single(pushes);
        Assert.Equal((final.Version, 400m), (push.Version, push.Available));
        // The last sale lands at +59.5 ms; the first quiet window that follows it ends two windows after the first sale.
        Assert.Equal(Start + TimeSpan.FromMilliseconds(10) + 2 * Window + PushLatency, push.At);
    }

    [Fact]
    public async Task GivenASaleThatStandsStill_WhenItIsPushed_ThenTheReadThatSawItSettleIsTheFigurePushedWithoutReadingAgain()
    {
        var (pushes, final, reads) = await RunAsync(Sales(1, TimeSpan.Zero, TimeSpan.FromMilliseconds(10)));

        var push = Assert.Single(pushes);
        Assert.Equal((final.Version, 499m), (push.Version, push.Available));
        // One read when the message arrives and one a window later that finds the level unchanged: that one is pushed.
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task GivenAMessageThatSaysWhichVersionItsSaleLeft_WhenTheLevelStandsStill_ThenOneReadAWindowAfterTheSaleIsPushed()
    {
        var (pushes, final, reads) = await RunAsync(Sales(1, TimeSpan.Zero, TimeSpan.FromMilliseconds(10)), sayVersion: true);

        var push = Assert.Single(pushes);
        Assert.Equal((final.Version, 499m), (push.Version, push.Available));
        Assert.Equal(Start + TimeSpan.FromMilliseconds(10) + Window + PushLatency, push.At);
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task GivenABurstWhoseMessagesSayTheirVersion_WhenItSettles_ThenOnePushCarriesTheLatestLevelNoLaterThanWithout()
    {
        var sales = Sales(100, TimeSpan.FromMilliseconds(0.5), TimeSpan.FromMilliseconds(10));
        var (pushes, final, _) = await RunAsync(sales, sayVersion: true);

        var push = Assert.Single(pushes);
        Assert.Equal((final.Version, 400m), (push.Version, push.Available));
        Assert.Equal(Start + TimeSpan.FromMilliseconds(10) + 2 * Window + PushLatency, push.At);
    }

    [Fact]
    public async Task GivenTwoBurstsWithAPauseLongerThanTheWindow_ThenEachBurstIsOnePush()
    {
        var every = TimeSpan.FromMilliseconds(2);
        var (pushes, final, _) = await RunAsync([.. Sales(30, every), .. Sales(30, every, after: TimeSpan.FromSeconds(2))]);

        Assert.Equal([470m, 440m], pushes.Select(p => p.Available));
        Assert.Equal(final.Version, pushes[^1].Version);
    }

    [Fact]
    public async Task GivenASteadyStreamOfSales_ThenItPushesOncePerCapAndEverySaleReachesTheStoreWellWithinASecond()
    {
        // A sale every 40 ms for 10 s: the stock never stands still for the 100 ms window.
        var sales = Sales(250, TimeSpan.FromMilliseconds(40));
        var (pushes, final, _) = await RunAsync(sales);

        var span = sales[^1] - sales[0];
        Assert.InRange(pushes.Count, (int)(span / (Cap + Window + PushLatency)), 1 + (int)(span / Cap));
        Assert.Equal((final.Version, 250m), (pushes[^1].Version, pushes[^1].Available));
        // Each sale is in a push no later than the cap, one window and one push after it landed.
        var slowest = sales.Select((at, i) => pushes.First(p => p.Version >= i + 2).At - at).Max();
        Assert.True(slowest <= Cap + Window + 2 * PushLatency, $"a sale took {slowest.TotalMilliseconds} ms to reach the store");
    }

    [Fact]
    public async Task GivenAStreamLongerThanTheWorkerHoldsAMessage_ThenANewMessageCarriesOnAndTheLatestLevelIsPushed()
    {
        var (pushes, final, _) = await RunAsync(Sales(1000, TimeSpan.FromMilliseconds(20)));

        Assert.Equal(final.Version, pushes[^1].Version);
        Assert.True(pushes.Count <= 1 + (int)(TimeSpan.FromMilliseconds(20 * 999) / Cap), $"{pushes.Count} pushes");
    }
}

using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The availability push takes the figure from the rows this process's ledger last wrote (a read of the location is a
/// range query, served by scanning on the emulator); when another instance has changed them since, the push's mark
/// fails its tag check, the kept rows are forgotten, and the latest figure is read and pushed.
/// </summary>
public class AvailabilityKeptFigureTests
{
    /// <summary>A ledger holding a stored figure, and the rows this process kept (forgotten on a failed mark, as the table store does).</summary>
    private sealed class Ledger(LocationStock stored, LocationStock? kept) : IInventoryStore
    {
        private LocationStock? _kept = kept;
        public int Reads { get; private set; }

        public StockRows? LastWritten(string sku) => _kept is { } k
            ? new StockRows(sku, new Dictionary<string, StockLocationRows>
            {
                [k.Level.Location] = new(k.Level, $"tag-{k.Level.Version}", k.Policy, "policy-tag", k.PushedVersion, k.LastPushedAvailable, k.PushedAt),
            }, new Dictionary<string, StockReservationRow?>(), new Dictionary<string, string?>())
            : null;

        public Task<LocationStock?> GetLocationStockAsync(string sku, string location, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult<LocationStock?>(stored);
        }

        /// <summary>A write of this process that moves the level while the first push is under way: stored and kept alike.</summary>
        public LocationStock? MovedHereDuringThePush { get; init; }

        public Task<bool> MarkPushedAsync(string sku, string location, long version, decimal available, DateTimeOffset at, CancellationToken cancellationToken)
        {
            if (MovedHereDuringThePush is { } moved && stored != moved)
            {
                // As the table store answers: the kept level is newer than the version pushed, so nothing is marked.
                (stored, _kept) = (moved, moved);
                return Task.FromResult(false);
            }
            var current = version == stored.Level.Version;
            if (!current) _kept = null;
            return Task.FromResult(current);
        }

        public StripedLock Writers { get; } = new();
        public Task<StockRows> LoadAsync(StockKey key, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<StockRows?> TrySaveAsync(StockKey key, StockRows loaded, StockChange change, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<IReadOnlyList<LocationStock>> GetStockAsync(string sku, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> RecordObservationAsync(string sku, string location, string channel, DateTimeOffset observedAt, decimal? available,
            CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task SetPolicyAsync(string sku, string location, StockPolicy policy, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<Reservation?> GetReservationAsync(string sku, string reservationId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<MovementPage> GetMovementsAsync(string sku, string? location, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private sealed class WebStore : IChannelPublisher
    {
        public List<AvailabilityUpdate> Pushed { get; } = [];
        public string Channel => "web";

        public Task<string> PushAsync(AvailabilityUpdate update, CancellationToken cancellationToken)
        {
            Pushed.Add(update);
            return Task.FromResult($"v{update.Version}");
        }
    }

    private sealed class Alerts : IAlertStore
    {
        public Task RaiseAsync(LowStockAlert alert, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<IReadOnlyList<LowStockAlert>> ListAsync(int max, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class Sender : IMessageSender
    {
        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null) => Task.CompletedTask;
    }

    private static LocationStock Stock(decimal onHand, long version, long pushed) =>
        new(new StockLevel("SKU-1", "WH-1", onHand, 0m, 0m, version), StockPolicy.None, pushed, null, null);

    private static async Task<WebStore> PushAsync(Ledger ledger, long version)
    {
        var channel = new WebStore();
        var handler = new AvailabilityHandler(ledger, [channel], new Alerts(), new Sender(), PilotGate.AllOn(TimeProvider.System),
            new InventoryOptions(null, InventoryOptions.DefaultOversellChannels), TimeProvider.System);
        var message = AvailabilityEnvelopes.Create("SKU-1", "WH-1", DateTimeOffset.UtcNow, "test", version: version);
        await handler.HandleAsync(new ReceivedMessage(message, QueueNames.ChannelAvailability, 1, null), CancellationToken.None);
        return channel;
    }

    [Fact]
    public async Task GivenAChangeThisProcessJustWrote_WhenItsAvailabilityIsPushed_ThenTheKeptFigureIsPushedWithoutReadingTheLocation()
    {
        var ledger = new Ledger(stored: Stock(12m, 7, 6), kept: Stock(12m, 7, 6));

        var channel = await PushAsync(ledger, version: 7);

        var pushed = Assert.Single(channel.Pushed);
        Assert.Equal((7L, 12m), (pushed.Version, pushed.Available));
        Assert.Equal(0, ledger.Reads);
    }

    [Fact]
    public async Task GivenKeptRowsAnotherInstanceChangedSince_WhenTheirFigureIsPushed_ThenTheMarkFailsAndTheLatestFigureIsReadAndPushed()
    {
        var ledger = new Ledger(stored: Stock(11m, 8, 6), kept: Stock(12m, 7, 6));

        var channel = await PushAsync(ledger, version: 7);

        Assert.Equal([(7L, 12m), (8L, 11m)], channel.Pushed.Select(p => (p.Version, p.Available)));
        Assert.Equal(1, ledger.Reads);
    }

    [Fact]
    public async Task GivenALevelThisProcessMovesWhileItIsPushed_WhenTheNextRoundPushesTheNewFigure_ThenItTooIsTakenFromTheKeptRows()
    {
        var ledger = new Ledger(stored: Stock(12m, 7, 6), kept: Stock(12m, 7, 6)) { MovedHereDuringThePush = Stock(11m, 8, 6) };

        var channel = await PushAsync(ledger, version: 7);

        Assert.Equal([(7L, 12m), (8L, 11m)], channel.Pushed.Select(p => (p.Version, p.Available)));
        Assert.Equal(0, ledger.Reads);
    }

    [Fact]
    public async Task GivenNothingKeptForTheSku_WhenItsAvailabilityIsPushed_ThenTheLocationIsRead()
    {
        var ledger = new Ledger(stored: Stock(9m, 4, 3), kept: null);

        var channel = await PushAsync(ledger, version: 4);

        Assert.Equal((4L, 9m), (Assert.Single(channel.Pushed).Version, channel.Pushed[0].Available));
        Assert.Equal(1, ledger.Reads);
    }

    [Fact]
    public async Task GivenKeptRowsAlreadyPushedButOlderThanTheChangeTheMessageNames_WhenHandled_ThenTheLatestFigureIsReadAndPushed()
    {
        // This process pushed and marked version 7; another instance's change made version 8 and sent this message.
        var ledger = new Ledger(stored: Stock(10m, 8, 7), kept: Stock(9m, 7, 7));

        var channel = await PushAsync(ledger, version: 8);

        Assert.Equal((8L, 10m), (Assert.Single(channel.Pushed).Version, channel.Pushed[0].Available));
        Assert.True(ledger.Reads >= 1);
    }

    [Fact]
    public async Task GivenAMessageNamingNoVersion_WhenHandled_ThenTheLocationIsReadNotTakenFromKeptRows()
    {
        var ledger = new Ledger(stored: Stock(10m, 8, 7), kept: Stock(9m, 7, 7));
        var channel = new WebStore();
        var handler = new AvailabilityHandler(ledger, [channel], new Alerts(), new Sender(), PilotGate.AllOn(TimeProvider.System),
            new InventoryOptions(null, InventoryOptions.DefaultOversellChannels), TimeProvider.System);

        await handler.HandleAsync(new ReceivedMessage(AvailabilityEnvelopes.Create("SKU-1", "WH-1", DateTimeOffset.UtcNow, "test"),
            QueueNames.ChannelAvailability, 1, null), CancellationToken.None);

        Assert.Equal((8L, 10m), (Assert.Single(channel.Pushed).Version, channel.Pushed[0].Available));
    }
}

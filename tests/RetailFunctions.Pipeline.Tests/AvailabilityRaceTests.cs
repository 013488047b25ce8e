using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Two consumers push the same location's availability. The slow one read version 9 and its push reaches the channel
/// after the fast one pushed and marked version 10: the channel shows version 9's figure. The slow one's mark fails
/// (the level moved) and it must push the latest level again, not take the other's mark as proof the channel is current.
/// </summary>
public class AvailabilityRaceTests
{
    private sealed class Inventory : IInventoryStore
    {
        public List<LocationStock> Reads { get; } = [];
        private int _read;

        public Task<LocationStock?> GetLocationStockAsync(string sku, string location, CancellationToken cancellationToken) =>
            Task.FromResult<LocationStock?>(Reads[Math.Min(_read++, Reads.Count - 1)]);

        public Task<bool> MarkPushedAsync(string sku, string location, long version, decimal available, DateTimeOffset at, CancellationToken cancellationToken) =>
            Task.FromResult(version == Reads[^1].Level.Version);

        public StripedLock Writers { get; } = new();
        public StockRows? LastWritten(string sku) => null;
        public Task<StockRows> LoadAsync(StockKey key, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<StockRows?> TrySaveAsync(StockKey key, StockRows loaded, StockChange change, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<IReadOnlyList<LocationStock>> GetStockAsync(string sku, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> RecordObservationAsync(string sku, string location, string channel, DateTimeOffset observedAt, decimal? available, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
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

    [Fact]
    public async Task AnOlderPushThatLandedAfterANewerOne_IsFollowedByThePushOfTheLatestLevel()
    {
        var inventory = new Inventory();
        // Read version 9 (19 available); when we come to mark it, version 10 (14) is the level and another consumer marked it pushed.
        inventory.Reads.AddRange([Stock(19m, 9, 8), Stock(14m, 10, 10)]);
        var channel = new WebStore();
        var handler = new AvailabilityHandler(inventory, [channel], new Alerts(), new Sender(), PilotGate.AllOn(TimeProvider.System),
            new InventoryOptions(null, InventoryOptions.DefaultOversellChannels), TimeProvider.System);

        var message = new ReceivedMessage(AvailabilityEnvelopes.Create("SKU-1", "WH-1", DateTimeOffset.UtcNow, "test"), "channel-availability", 1, null);
        Assert.IsType<HandlerOutcome.Completed>(await handler.HandleAsync(message, CancellationToken.None));

        Assert.Equal([9L, 10L], channel.Pushed.Select(p => p.Version));
        Assert.Equal(14m, channel.Pushed[^1].Available);
    }

    [Fact]
    public async Task ALevelTheChannelsAlreadyHave_IsNotPushedAgain()
    {
        var inventory = new Inventory();
        inventory.Reads.Add(Stock(14m, 10, 10));
        var channel = new WebStore();
        var handler = new AvailabilityHandler(inventory, [channel], new Alerts(), new Sender(), PilotGate.AllOn(TimeProvider.System),
            new InventoryOptions(null, InventoryOptions.DefaultOversellChannels), TimeProvider.System);

        await handler.HandleAsync(new ReceivedMessage(AvailabilityEnvelopes.Create("SKU-1", "WH-1", DateTimeOffset.UtcNow, "test"), "channel-availability", 1, null),
            CancellationToken.None);
        Assert.Empty(channel.Pushed);
    }

    [Fact]
    public async Task GivenARedeliveredMessage_WhenTheChannelsAreBelievedCurrent_ThenTheLatestLevelIsPushedAgain()
    {
        // The first consumer pushed version 9 and died before marking it; the channel may show 9 although 10 is marked.
        var inventory = new Inventory();
        inventory.Reads.Add(Stock(14m, 10, 10));
        var channel = new WebStore();
        var handler = new AvailabilityHandler(inventory, [channel], new Alerts(), new Sender(), PilotGate.AllOn(TimeProvider.System),
            new InventoryOptions(null, InventoryOptions.DefaultOversellChannels), TimeProvider.System);

        await handler.HandleAsync(new ReceivedMessage(AvailabilityEnvelopes.Create("SKU-1", "WH-1", DateTimeOffset.UtcNow, "test"), "channel-availability", 2, null),
            CancellationToken.None);

        var pushed = Assert.Single(channel.Pushed);
        Assert.Equal((10L, 14m), (pushed.Version, pushed.Available));
    }
}

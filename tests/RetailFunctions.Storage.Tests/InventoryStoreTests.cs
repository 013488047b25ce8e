using System.Collections.Concurrent;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>The stock ledger against a real Azurite: exactly-once movements under concurrency, ETags, paging.</summary>
public sealed class InventoryStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TableInventoryStore _store = null!;
    // A second store stands for a second runtime instance: its writers are not queued behind ours, so the two
    // collide on ETags and the ledger must still be exact.
    private TableInventoryStore _otherInstance = null!;
    // The ledger's write path over each store (the aggregate runner with the group commit).
    private StockGroupCommit _ledger = null!;
    private StockGroupCommit _otherLedger = null!;

    public async Task InitializeAsync()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        _store = new TableInventoryStore(account);
        _otherInstance = new TableInventoryStore(account);
        (_ledger, _otherLedger) = (new StockGroupCommit(_store), new StockGroupCommit(_otherInstance));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<InventoryResult> Apply(StockMovement movement) => _ledger.ExecuteAsync(new InventoryCommand.RecordMovement(movement), CancellationToken.None);

    private async Task<StockLevel> Level(string sku, string location = "STORE-1") =>
        (await _store.GetStockAsync(sku, CancellationToken.None)).Single(s => s.Level.Location == location).Level;

    private static StockMovement Move(string sku, MovementKind kind, decimal quantity, string key, string location = "STORE-1") =>
        new(sku, location, kind, quantity, key, "tester", "test", "test-event", DateTimeOffset.UtcNow, new DateOnly(2026, 11, 20));

    [Fact]
    public async Task GivenAWriteWhoseNudgeWasLost_WhenItsCommandIsRedelivered_ThenTheOwedPushIsNudgedAgainAndAPushedOneIsNot()
    {
        var sku = $"NDG-{Guid.NewGuid():N}";
        var nudges = new Nudges();
        var service = new InventoryService(_store, nudges, PilotGate.AllOn(TimeProvider.System), TimeProvider.System);
        var receipt = new InventoryCommand.RecordMovement(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"));
        await service.ExecuteAsync(receipt, CancellationToken.None);
        // The delivery that wrote it died before its nudge was sent: forget that one.
        nudges.Sent.Clear();

        var again = await service.ExecuteAsync(receipt, CancellationToken.None);

        Assert.Equal(CommandOutcome.AlreadyApplied, again.Outcome);
        Assert.Equal(["STORE-1"], nudges.Sent.Select(e => e.Key(BusinessKeys.Location)));

        var level = await Level(sku);
        Assert.True(await _store.MarkPushedAsync(sku, "STORE-1", level.Version, 10m, DateTimeOffset.UtcNow, CancellationToken.None));
        nudges.Sent.Clear();
        await service.ExecuteAsync(receipt, CancellationToken.None);
        Assert.Empty(nudges.Sent);
    }

    [Fact]
    public async Task GivenAReservationWhoseNudgeWasLost_WhenTheReserveIsRedelivered_ThenTheOwedPushIsNudgedAgain()
    {
        var sku = $"NDR-{Guid.NewGuid():N}";
        var nudges = new Nudges();
        var service = new InventoryService(_store, nudges, PilotGate.AllOn(TimeProvider.System), TimeProvider.System);
        await service.ExecuteAsync(new InventoryCommand.RecordMovement(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt")), CancellationToken.None);
        var received = await Level(sku);
        Assert.True(await _store.MarkPushedAsync(sku, "STORE-1", received.Version, 10m, DateTimeOffset.UtcNow, CancellationToken.None));
        var reserve = new InventoryCommand.Reserve(sku, "STORE-1", "web", 2m, $"{sku}-r1", "order 1", null, MayOversell: false, DateTimeOffset.UtcNow);
        Assert.Equal(CommandOutcome.Applied, (await service.ExecuteAsync(reserve, CancellationToken.None)).Outcome);
        // The delivery that reserved died before its nudge was sent; later changes find the push owed and send none.
        nudges.Sent.Clear();
        var later = new InventoryCommand.Reserve(sku, "STORE-1", "web", 1m, $"{sku}-r2", "order 2", null, MayOversell: false, DateTimeOffset.UtcNow);
        Assert.Equal(CommandOutcome.Applied, (await service.ExecuteAsync(later, CancellationToken.None)).Outcome);
        Assert.Empty(nudges.Sent);

        var again = await service.ExecuteAsync(reserve, CancellationToken.None);

        Assert.Equal(CommandOutcome.NoOp, again.Outcome);
        Assert.Equal(["STORE-1"], nudges.Sent.Select(e => e.Key(BusinessKeys.Location)));
    }

    private sealed class Nudges : IMessageSender
    {
        public ConcurrentQueue<Envelope> Sent { get; } = new();

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            if (queue == QueueNames.ChannelAvailability) Sent.Enqueue(envelope);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task GivenACount_WhenATillSaleRungUpBeforeItIsUploadedAfterIt_ThenTheStoredCountIsNotChangedAgain()
    {
        var sku = $"CNT-{Guid.NewGuid():N}";
        var counted = DateTimeOffset.UtcNow;
        await Apply(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt") with { OccurredAt = counted.AddHours(-3) });
        await Apply(Move(sku, MovementKind.CycleCount, 7m, $"{sku}-count") with { OccurredAt = counted });

        await _otherLedger.ExecuteAsync(new InventoryCommand.RecordMovement(
            Move(sku, MovementKind.Sale, 1m, $"{sku}-till-sale") with { OccurredAt = counted.AddHours(-1) }), CancellationToken.None);

        var level = await Level(sku);
        Assert.Equal(7m, level.OnHand);
        Assert.Equal(counted, level.CountedAt);
    }

    [Fact]
    public async Task GivenManyConcurrentWriters_WhenEachAppliesItsOwnMovement_ThenNoneIsLost()
    {
        var sku = $"HOT-{Guid.NewGuid():N}";
        await Apply(Move(sku, MovementKind.Receipt, 100m, $"{sku}-receipt"));
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            (i % 2 == 0 ? _ledger : _otherLedger).ExecuteAsync(
            new InventoryCommand.RecordMovement(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale-{i}")), CancellationToken.None)));
        Assert.All(results, r => Assert.Equal(CommandOutcome.Applied, r.Outcome));
        var level = await Level(sku);
        Assert.Equal(76m, level.OnHand);
        Assert.Equal(25, level.Version);
    }

    [Fact]
    public async Task GivenTheSameMovementDeliveredConcurrently_ThenItIsAppliedExactlyOnce()
    {
        var sku = $"DUP-{Guid.NewGuid():N}";
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            (i % 2 == 0 ? _ledger : _otherLedger).ExecuteAsync(
            new InventoryCommand.RecordMovement(Move(sku, MovementKind.Sale, 2m, $"{sku}-same-key")), CancellationToken.None)));
        Assert.Equal(1, results.Count(r => r.Outcome == CommandOutcome.Applied));
        Assert.Equal(11, results.Count(r => r.Outcome == CommandOutcome.AlreadyApplied));
        Assert.Equal(-2m, (await Level(sku)).OnHand);
        Assert.Single((await _store.GetMovementsAsync(sku, null, 100, null, CancellationToken.None)).Movements);
    }

    [Fact]
    public async Task LevelsAreKeptPerLocationAndHistoryPagesInOrder()
    {
        var sku = $"MULTI/{Guid.NewGuid():N}#x"; // characters tables forbid in keys must still work
        for (var i = 0; i < 5; i++)
            await Apply(Move(sku, MovementKind.Receipt, 1.5m, $"{sku}-r{i}", "STORE-A"));
        await Apply(Move(sku, MovementKind.CycleCount, 4m, $"{sku}-count", "STORE-A"));
        await Apply(Move(sku, MovementKind.Receipt, 9m, $"{sku}-b", "STORE-B"));

        var levels = (await _store.GetStockAsync(sku, CancellationToken.None)).ToDictionary(s => s.Level.Location, s => s.Level);
        Assert.Equal(4m, levels["STORE-A"].OnHand);
        Assert.Equal(9m, levels["STORE-B"].OnHand);

        var first = await _store.GetMovementsAsync(sku, "STORE-A", 4, null, CancellationToken.None);
        Assert.Equal(4, first.Movements.Count);
        Assert.NotNull(first.ContinuationToken);
        var rest = await _store.GetMovementsAsync(sku, "STORE-A", 4, first.ContinuationToken, CancellationToken.None);
        var all = first.Movements.Concat(rest.Movements).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], all.Select(m => m.Sequence));
        Assert.Equal(MovementKind.CycleCount, all[^1].Movement.Kind);
        Assert.Equal(4m, all[^1].OnHandAfter);
        Assert.Equal(new DateOnly(2026, 11, 20), all[0].Movement.BusinessDay);
    }

    [Fact]
    public async Task GivenTenUnits_WhenFortyCheckoutsRace_ThenExactlyTenReservationsSucceed()
    {
        var sku = $"RACE-{Guid.NewGuid():N}";
        await Apply(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"));
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? _ledger : _otherLedger).ExecuteAsync(
            new InventoryCommand.Reserve(sku, "STORE-1", "web", 1m, $"checkout-{i}", $"cart {i}", null, MayOversell: false, DateTimeOffset.UtcNow),
            CancellationToken.None)));
        Assert.Equal(10, results.Count(r => r.Outcome == CommandOutcome.Applied));
        Assert.Equal(30, results.Count(r => r.Outcome == CommandOutcome.Refused));
        var level = await Level(sku);
        Assert.Equal((10m, 10m, 0m), (level.OnHand, level.Reserved, level.Available));
    }

    [Fact]
    public async Task ATransferMovesStockThroughInTransitAndRefusesReceivingMoreThanShipped()
    {
        var sku = $"XFER-{Guid.NewGuid():N}";
        await Apply(Move(sku, MovementKind.Receipt, 8m, $"{sku}-receipt", "WH-1"));
        var shipped = await _ledger.ExecuteAsync(new InventoryCommand.ShipTransfer(sku, "WH-1", "STORE-2", 5m, $"{sku}-ship", "mgr", "restock store", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(CommandOutcome.Applied, shipped.Outcome);
        Assert.Equal((3m, 0m), ((await Level(sku, "WH-1")).OnHand, (await Level(sku, "WH-1")).InTransit));
        Assert.Equal((0m, 5m), ((await Level(sku, "STORE-2")).OnHand, (await Level(sku, "STORE-2")).InTransit));

        var tooMuch = await _ledger.ExecuteAsync(new InventoryCommand.ReceiveTransfer(sku, "WH-1", "STORE-2", 6m, $"{sku}-recv-6", "clerk", "arrived", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(CommandOutcome.Refused, tooMuch.Outcome);
        var received = await _ledger.ExecuteAsync(new InventoryCommand.ReceiveTransfer(sku, "WH-1", "STORE-2", 5m, $"{sku}-recv", "clerk", "arrived", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(CommandOutcome.Applied, received.Outcome);
        Assert.Equal((5m, 0m), ((await Level(sku, "STORE-2")).OnHand, (await Level(sku, "STORE-2")).InTransit));
    }

    [Fact]
    public async Task TheOutboxAsksForOnePushPerBurstAndMarkingPushedNeverHidesANewerChange()
    {
        var sku = $"PUSH-{Guid.NewGuid():N}";
        var first = await Apply(Move(sku, MovementKind.Receipt, 10m, $"{sku}-r"));
        Assert.Equal(["STORE-1"], first.PushNeeded);
        var second = await Apply(Move(sku, MovementKind.Sale, 1m, $"{sku}-s1"));
        Assert.Empty(second.PushNeeded); // a push is already owed: no second nudge

        Assert.False(await _store.MarkPushedAsync(sku, "STORE-1", 1, 10m, DateTimeOffset.UtcNow, CancellationToken.None)); // version 2 exists
        Assert.True(await _store.MarkPushedAsync(sku, "STORE-1", 2, 9m, DateTimeOffset.UtcNow, CancellationToken.None));
        var stock = (await _store.GetStockAsync(sku, CancellationToken.None)).Single();
        Assert.Equal((2L, 9m), (stock.PushedVersion, stock.LastPushedAvailable));

        var third = await Apply(Move(sku, MovementKind.Sale, 1m, $"{sku}-s2"));
        Assert.Equal(["STORE-1"], third.PushNeeded); // clean again: this change needs a push
    }

    [Fact]
    public async Task GivenAChunkOfMoreMovementsThanOneTransactionHolds_WhenWrittenTogether_ThenEachIsAppliedOnceInOrder()
    {
        var sku = $"GRP-{Guid.NewGuid():N}";
        await Apply(Move(sku, MovementKind.Receipt, 500m, $"{sku}-receipt"));
        var sales = Enumerable.Range(0, 120).Select(i => (InventoryCommand)new InventoryCommand.RecordMovement(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale-{i}")))
            .Append(new InventoryCommand.RecordMovement(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale-7")))
            .ToList();

        var results = await _ledger.ExecuteAllAsync(sales, CancellationToken.None);

        Assert.Equal(120, results.Count(r => r.Outcome == CommandOutcome.Applied));
        Assert.Equal(CommandOutcome.AlreadyApplied, results[^1].Outcome);
        Assert.Equal(380m, (await Level(sku)).OnHand);
        Assert.Equal(499m, results[0].Levels.Single().OnHand);
        Assert.Equal(380m, results[119].Levels.Single().OnHand);
        var history = await _store.GetMovementsAsync(sku, "STORE-1", 1000, null, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 121).Select(i => (long)i), history.Movements.Select(m => m.Sequence));
    }

    [Fact]
    public async Task GivenAChunkAlreadyApplied_WhenItIsDeliveredAgainPartlyOnAnotherInstance_ThenNothingChanges()
    {
        var sku = $"REDO-{Guid.NewGuid():N}";
        await Apply(Move(sku, MovementKind.Receipt, 50m, $"{sku}-receipt"));
        var chunk = Enumerable.Range(0, 30).Select(i => (InventoryCommand)new InventoryCommand.RecordMovement(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale-{i}"))).ToList();
        await _ledger.ExecuteAllAsync(chunk.Take(10).ToList(), CancellationToken.None);

        var again = await _otherLedger.ExecuteAllAsync(chunk, CancellationToken.None);

        Assert.Equal(10, again.Count(r => r.Outcome == CommandOutcome.AlreadyApplied));
        Assert.Equal(20, again.Count(r => r.Outcome == CommandOutcome.Applied));
        Assert.Equal(20m, (await Level(sku)).OnHand);
        var third = await _ledger.ExecuteAllAsync(chunk, CancellationToken.None);
        Assert.All(third, r => Assert.Equal(CommandOutcome.AlreadyApplied, r.Outcome));
        Assert.Equal(20m, (await Level(sku)).OnHand);
    }

    [Fact]
    public async Task GivenAReservationReleasedBeforeItWasMade_WhenTheReserveArrivesInAGroup_ThenItHoldsNothing()
    {
        var sku = $"LATE-{Guid.NewGuid():N}";
        await Apply(Move(sku, MovementKind.Receipt, 5m, $"{sku}-receipt"));
        await _otherLedger.ExecuteAsync(new InventoryCommand.Release(sku, "late-1", "cancelled", DateTimeOffset.UtcNow), CancellationToken.None);

        var results = await _ledger.ExecuteAllAsync([
            new InventoryCommand.Reserve(sku, "STORE-1", "web", 1m, "late-1", "cart late", null, MayOversell: false, DateTimeOffset.UtcNow),
            new InventoryCommand.Reserve(sku, "STORE-1", "web", 2m, "on-time-1", "cart on time", null, MayOversell: false, DateTimeOffset.UtcNow),
        ], CancellationToken.None);

        Assert.Equal([CommandOutcome.NoOp, CommandOutcome.Applied], results.Select(r => r.Outcome));
        Assert.Equal((5m, 2m), ((await Level(sku)).OnHand, (await Level(sku)).Reserved));
    }

    [Fact]
    public async Task GivenAStateKeptFromTheLastWrite_WhenAnotherInstanceWritesInBetween_ThenNoUpdateIsLost()
    {
        var sku = $"KEPT-{Guid.NewGuid():N}";
        await Apply(Move(sku, MovementKind.Receipt, 100m, $"{sku}-receipt"));
        for (var i = 0; i < 10; i++)
        {
            await Apply(Move(sku, MovementKind.Sale, 1m, $"{sku}-here-{i}"));
            await _otherLedger.ExecuteAsync(new InventoryCommand.RecordMovement(Move(sku, MovementKind.Sale, 2m, $"{sku}-there-{i}")), CancellationToken.None);
        }
        Assert.Equal(70m, (await Level(sku)).OnHand);
        Assert.Equal(21L, (await Level(sku)).Version);
    }
}

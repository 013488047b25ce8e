using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// The ledger on the aggregate runner against a real Azurite, counting the store's loads (one partition query each)
/// and saves (one transaction each): what a write returned is reused, and no answer rests on a stale copy.
/// </summary>
public sealed class StockLedgerRoundTripTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>One runtime instance: its store (counted) and its ledger.</summary>
    private sealed class Instance
    {
        public Instance(StorageAccount account)
        {
            Store = new Counted(new TableInventoryStore(account));
            Ledger = new StockGroupCommit(Store);
        }

        public Counted Store { get; }
        public StockGroupCommit Ledger { get; }

        public Task<InventoryResult> Run(InventoryCommand command) => Ledger.ExecuteAsync(command, CancellationToken.None);
    }

    private sealed class Counted(IInventoryStore inner) : IInventoryStore
    {
        private int _loads;
        private int _saves;
        public int Loads => _loads;
        public int Saves => _saves;

        public void Reset() => (_loads, _saves) = (0, 0);

        public Task<StockRows> LoadAsync(StockKey key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            return inner.LoadAsync(key, cancellationToken);
        }

        public Task<StockRows?> TrySaveAsync(StockKey key, StockRows loaded, StockChange change, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _saves);
            return inner.TrySaveAsync(key, loaded, change, cancellationToken);
        }

        public StripedLock Writers => inner.Writers;
        public StockRows? LastWritten(string sku) => inner.LastWritten(sku);
        public Task<IReadOnlyList<LocationStock>> GetStockAsync(string sku, CancellationToken cancellationToken) => inner.GetStockAsync(sku, cancellationToken);
        public Task<LocationStock?> GetLocationStockAsync(string sku, string location, CancellationToken cancellationToken) =>
            inner.GetLocationStockAsync(sku, location, cancellationToken);
        public Task<bool> MarkPushedAsync(string sku, string location, long version, decimal available, DateTimeOffset at, CancellationToken cancellationToken) =>
            inner.MarkPushedAsync(sku, location, version, available, at, cancellationToken);
        public Task<bool> RecordObservationAsync(string sku, string location, string channel, DateTimeOffset observedAt, decimal? available,
            CancellationToken cancellationToken) => inner.RecordObservationAsync(sku, location, channel, observedAt, available, cancellationToken);
        public Task SetPolicyAsync(string sku, string location, StockPolicy policy, CancellationToken cancellationToken) =>
            inner.SetPolicyAsync(sku, location, policy, cancellationToken);
        public Task<Reservation?> GetReservationAsync(string sku, string reservationId, CancellationToken cancellationToken) =>
            inner.GetReservationAsync(sku, reservationId, cancellationToken);
        public Task<MovementPage> GetMovementsAsync(string sku, string? location, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
            inner.GetMovementsAsync(sku, location, pageSize, continuationToken, cancellationToken);
    }

    private static InventoryCommand Move(string sku, MovementKind kind, decimal quantity, string key) =>
        new InventoryCommand.RecordMovement(new StockMovement(sku, "STORE-1", kind, quantity, key, "tester", "test", "test-event", DateTimeOffset.UtcNow));

    private static InventoryCommand Reserve(string sku, string id, decimal quantity) =>
        new InventoryCommand.Reserve(sku, "STORE-1", "web", quantity, id, $"order {id}", null, MayOversell: false, DateTimeOffset.UtcNow);

    [Fact]
    public async Task GivenASkuThisInstanceJustWrote_WhenTheNextMovementArrives_ThenItIsWrittenWithoutReadingFirst()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        var here = new Instance(_account);
        await here.Run(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"));
        Assert.Equal((1, 1), (here.Store.Loads, here.Store.Saves));
        here.Store.Reset();

        var sale = await here.Run(Move(sku, MovementKind.Sale, 1m, $"{sku}-sale"));

        Assert.Equal(CommandOutcome.Applied, sale.Outcome);
        Assert.Equal((0, 1), (here.Store.Loads, here.Store.Saves));
        Assert.Equal(9m, (await here.Store.GetStockAsync(sku, CancellationToken.None)).Single().Level.OnHand);
    }

    [Fact]
    public async Task GivenAnOrderLine_WhenItIsReservedAndThenFulfilled_ThenTheLedgerReadsOnceAndWritesTwice()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        await new Instance(_account).Run(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"));
        var here = new Instance(_account);

        var reserved = await here.Run(Reserve(sku, $"{sku}-line-1", 2m));
        var fulfilled = await here.Run(new InventoryCommand.Consume(sku, $"{sku}-line-1", "picker", DateTimeOffset.UtcNow, "STORE-1", 2m));

        Assert.Equal([CommandOutcome.Applied, CommandOutcome.Applied], new[] { reserved.Outcome, fulfilled.Outcome });
        Assert.Equal((1, 2), (here.Store.Loads, here.Store.Saves));
        var level = (await here.Store.GetStockAsync(sku, CancellationToken.None)).Single().Level;
        Assert.Equal((8m, 0m), (level.OnHand, level.Reserved));
    }

    [Fact]
    public async Task GivenACommandAppliedByAnotherInstance_WhenItIsDeliveredAgain_ThenTheOneReadAnswersItAndNothingIsWritten()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        var receipt = Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt");
        await new Instance(_account).Run(receipt);
        var here = new Instance(_account);

        var again = await here.Run(receipt);

        Assert.Equal(CommandOutcome.AlreadyApplied, again.Outcome);
        Assert.Equal((1, 0), (here.Store.Loads, here.Store.Saves));
    }

    [Fact]
    public async Task GivenKeptRowsThatAnotherInstanceMadeStale_WhenAReserveWouldBeRefusedOnThem_ThenItIsDecidedAgainOnAFreshRead()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        var (here, there) = (new Instance(_account), new Instance(_account));
        await here.Run(Move(sku, MovementKind.Receipt, 1m, $"{sku}-receipt-1"));
        await there.Run(Move(sku, MovementKind.Receipt, 5m, $"{sku}-receipt-2"));
        here.Store.Reset();

        var reserved = await here.Run(Reserve(sku, $"{sku}-line-1", 3m));

        Assert.Equal(CommandOutcome.Applied, reserved.Outcome);
        Assert.Equal((1, 1), (here.Store.Loads, here.Store.Saves));
    }

    [Fact]
    public async Task GivenAPolicySetByAnotherInstance_WhenAReserveIsDecidedOnKeptRows_ThenTheWriteFailsAndTheNewPolicyJudgesIt()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        var (here, there) = (new Instance(_account), new Instance(_account));
        await here.Run(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"));
        await there.Store.SetPolicyAsync(sku, "STORE-1", new StockPolicy(new Dictionary<string, decimal> { ["web"] = 8m }, null), CancellationToken.None);

        var reserved = await here.Run(Reserve(sku, $"{sku}-line-1", 5m));

        Assert.Equal(CommandOutcome.Refused, reserved.Outcome);
        Assert.Equal(2m, reserved.Available);
        var level = (await here.Store.GetStockAsync(sku, CancellationToken.None)).Single().Level;
        Assert.Equal((10m, 0m), (level.OnHand, level.Reserved));
    }

    [Fact]
    public async Task GivenAReleaseThatNamesNoLocation_WhenItRuns_ThenTheReservationsLocationIsLoadedWithItAndTheHoldIsReturned()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        var there = new Instance(_account);
        await there.Run(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"));
        await there.Run(Reserve(sku, $"{sku}-line-1", 4m));
        var here = new Instance(_account);

        var released = await here.Run(new InventoryCommand.Release(sku, $"{sku}-line-1", "cancelled", DateTimeOffset.UtcNow));

        Assert.Equal(CommandOutcome.Applied, released.Outcome);
        Assert.Equal((10m, 0m), (released.Levels.Single().OnHand, released.Levels.Single().Reserved));
        Assert.Equal((1, 1), (here.Store.Loads, here.Store.Saves));
    }

    [Fact]
    public async Task GivenRoutingJustReadTheSkusStock_WhenTheOrderReservesThere_ThenTheReservationIsWrittenWithoutReadingAgain()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        await new Instance(_account).Run(Move(sku, MovementKind.Receipt, 10m, $"{sku}-receipt"));
        var here = new Instance(_account);
        var routed = await here.Store.GetStockAsync(sku, CancellationToken.None);

        var reserved = await here.Run(Reserve(sku, $"{sku}-line-1", 3m));

        Assert.Equal(10m, routed.Single().Level.OnHand);
        Assert.Equal(CommandOutcome.Applied, reserved.Outcome);
        Assert.Equal((0, 1), (here.Store.Loads, here.Store.Saves));
        var level = (await here.Store.GetStockAsync(sku, CancellationToken.None)).Single().Level;
        Assert.Equal((10m, 3m), (level.OnHand, level.Reserved));
    }

    [Fact]
    public async Task GivenStockReadBeforeAnotherInstanceReservedTheLastUnits_WhenThisInstanceReserves_ThenItIsRefusedOnAFreshReadAndNothingIsOversold()
    {
        var sku = $"RT-{Guid.NewGuid():N}";
        var (here, there) = (new Instance(_account), new Instance(_account));
        await there.Run(Move(sku, MovementKind.Receipt, 2m, $"{sku}-receipt"));
        await here.Store.GetStockAsync(sku, CancellationToken.None);
        await there.Run(Reserve(sku, $"{sku}-line-1", 2m));

        var reserved = await here.Run(Reserve(sku, $"{sku}-line-2", 1m));

        Assert.Equal(CommandOutcome.Refused, reserved.Outcome);
        Assert.Equal(1, here.Store.Loads);
        var level = (await here.Store.GetStockAsync(sku, CancellationToken.None)).Single().Level;
        Assert.Equal((2m, 2m), (level.OnHand, level.Reserved));
    }
}

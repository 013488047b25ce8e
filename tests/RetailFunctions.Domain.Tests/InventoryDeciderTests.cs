using RetailFunctions.Domain.Inventory;
using static RetailFunctions.Domain.Inventory.InventoryCommand;

namespace RetailFunctions.Domain.Tests;

public sealed class InventoryDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private const string Sku = "BLU-SHIRT-M";

    private static InventorySlice Slice(decimal onHand = 10m, decimal reserved = 0m, Reservation? reservation = null, decimal webSafety = 0m) => new(
        new Dictionary<string, StockLevel> { ["STORE-1"] = new(Sku, "STORE-1", onHand, reserved, 0m, 3) },
        reservation,
        new Dictionary<string, StockPolicy> { ["STORE-1"] = new(new Dictionary<string, decimal> { ["web"] = webSafety }, 2m) });

    private static Reserve ReserveOf(decimal quantity, bool mayOversell = false) =>
        new(Sku, "STORE-1", "web", quantity, "res-1", "order 1001", Now.AddMinutes(30), mayOversell, Now);

    private static Reservation Active(decimal quantity) =>
        new("res-1", Sku, "STORE-1", "web", quantity, ReservationStatus.Active, Now, Now.AddMinutes(30), "order 1001");

    [Fact]
    public void GivenStock_WhenReserved_ThenReservedRisesAndOnHandStays()
    {
        var apply = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(ReserveOf(4m), Slice()));
        var level = Assert.Single(apply.Levels);
        Assert.Equal((10m, 4m, 4), (level.OnHand, level.Reserved, (int)level.Version));
        Assert.Equal(ReservationStatus.Active, apply.Reservation!.Status);
        Assert.Empty(apply.Movements);
    }

    [Fact]
    public void GivenTooLittleAvailable_WhenWebReserves_ThenRefusedWithWhatIsAvailable()
    {
        var refuse = Assert.IsType<InventoryDecision.Refuse>(InventoryDecider.Decide(ReserveOf(3m), Slice(onHand: 10m, reserved: 6m, webSafety: 2m)));
        Assert.Equal(2m, refuse.Available);
        Assert.Contains("only 2", refuse.Reason);
    }

    [Fact]
    public void GivenChannelThatMayOversell_WhenReservingBeyondStock_ThenAccepted() =>
        Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(ReserveOf(30m, mayOversell: true), Slice()));

    [Fact]
    public void GivenExistingReservation_WhenReservedAgain_ThenNoOp() =>
        Assert.IsType<InventoryDecision.NoOp>(InventoryDecider.Decide(ReserveOf(1m), Slice(reservation: Active(1m))));

    [Fact]
    public void GivenActiveReservation_WhenReleased_ThenStockIsAvailableAgain()
    {
        var apply = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(new Release(Sku, "res-1", "order cancelled", Now), Slice(reserved: 4m, reservation: Active(4m))));
        Assert.Equal(0m, apply.Levels[0].Reserved);
        Assert.Equal(10m, apply.Levels[0].OnHand);
        Assert.Equal(ReservationStatus.Released, apply.Reservation!.Status);
    }

    [Fact]
    public void GivenActiveReservation_WhenConsumed_ThenItLeavesOnHandAsASale()
    {
        var apply = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(new Consume(Sku, "res-1", "picker", Now), Slice(reserved: 4m, reservation: Active(4m))));
        Assert.Equal((6m, 0m), (apply.Levels[0].OnHand, apply.Levels[0].Reserved));
        var sale = Assert.Single(apply.Movements);
        Assert.Equal((MovementKind.Sale, 4m), (sale.Kind, sale.Quantity));
    }

    [Fact]
    public void GivenNoReservation_WhenReleaseArrivesFirst_ThenATombstoneMakesTheLaterReserveANoOp()
    {
        var release = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(new Release(Sku, "res-1", "cancelled", Now), Slice()));
        Assert.Empty(release.Levels);
        Assert.Equal(ReservationStatus.Released, release.Reservation!.Status);
        Assert.IsType<InventoryDecision.NoOp>(InventoryDecider.Decide(ReserveOf(1m), Slice(reservation: release.Reservation)));
    }

    [Fact]
    public void GivenNoReservation_WhenConsumedWithFallback_ThenTheSaleIsStillRecorded()
    {
        var apply = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(new Consume(Sku, "res-1", "picker", Now, "STORE-1", 2m), Slice()));
        Assert.Equal(8m, apply.Levels[0].OnHand);
        Assert.Equal(ReservationStatus.Consumed, apply.Reservation!.Status);
    }

    [Theory]
    [InlineData(ReservationStatus.Released)]
    [InlineData(ReservationStatus.Consumed)]
    [InlineData(ReservationStatus.Expired)]
    public void GivenEndedReservation_WhenEndedAgain_ThenNoOp(ReservationStatus status)
    {
        var ended = Active(2m) with { Status = status };
        Assert.IsType<InventoryDecision.NoOp>(InventoryDecider.Decide(new Release(Sku, "res-1", "again", Now), Slice(reservation: ended)));
        Assert.IsType<InventoryDecision.NoOp>(InventoryDecider.Decide(new Consume(Sku, "res-1", "picker", Now, "STORE-1", 2m), Slice(reservation: ended)));
    }

    [Fact]
    public void GivenReservationNotYetDue_WhenExpiryChecked_ThenNoOp_AndWhenDue_ThenExpired()
    {
        Assert.IsType<InventoryDecision.NoOp>(InventoryDecider.Decide(new Expire(Sku, "res-1", Now.AddMinutes(10)), Slice(reserved: 2m, reservation: Active(2m))));
        var expired = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(new Expire(Sku, "res-1", Now.AddMinutes(31)), Slice(reserved: 2m, reservation: Active(2m))));
        Assert.Equal(ReservationStatus.Expired, expired.Reservation!.Status);
        Assert.Equal(0m, expired.Levels[0].Reserved);
    }

    [Fact]
    public void GivenTransfer_WhenShippedAndReceived_ThenStockMovesThroughInTransit()
    {
        var slice = new InventorySlice(new Dictionary<string, StockLevel> { ["A"] = new(Sku, "A", 10m, 0m, 0m, 1) }, null, new Dictionary<string, StockPolicy>());
        var shipped = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(new ShipTransfer(Sku, "A", "B", 4m, "t-1", "mgr", "rebalance", Now), slice));
        var levels = shipped.Levels.ToDictionary(l => l.Location);
        Assert.Equal((6m, 0m), (levels["A"].OnHand, levels["A"].InTransit));
        Assert.Equal((0m, 4m), (levels["B"].OnHand, levels["B"].InTransit));

        var atB = new InventorySlice(new Dictionary<string, StockLevel> { ["B"] = levels["B"] }, null, new Dictionary<string, StockPolicy>());
        var received = Assert.IsType<InventoryDecision.Apply>(InventoryDecider.Decide(new ReceiveTransfer(Sku, "A", "B", 4m, "t-1-in", "clerk", "rebalance", Now), atB));
        Assert.Equal((4m, 0m), (received.Levels[0].OnHand, received.Levels[0].InTransit));
        Assert.Equal(MovementKind.TransferIn, received.Movements[0].Kind);
    }

    [Fact]
    public void GivenNothingInTransit_WhenReceivingTransfer_ThenRefused() =>
        Assert.Contains("in transit", Assert.IsType<InventoryDecision.Refuse>(
            InventoryDecider.Decide(new ReceiveTransfer(Sku, "A", "STORE-1", 1m, "t-2", "clerk", "x", Now), Slice())).Reason);

    [Fact]
    public void GivenSameLocation_WhenTransferring_ThenRefused() =>
        Assert.IsType<InventoryDecision.Refuse>(InventoryDecider.Decide(new ShipTransfer(Sku, "A", "A", 1m, "t-3", "mgr", "x", Now), Slice()));

    [Fact]
    public void AvailableToPromiseSubtractsReservedAndTheChannelsSafetyStock()
    {
        var level = new StockLevel(Sku, "STORE-1", 10m, 3m, 0m, 1);
        var policy = new StockPolicy(new Dictionary<string, decimal> { ["web"] = 2m }, null);
        Assert.Equal(5m, Availability.ForChannel(level, policy, "web"));
        Assert.Equal(7m, Availability.ForChannel(level, policy, "pos"));
        Assert.Equal(0m, Availability.ForChannel(level with { OnHand = 4m }, policy, "web"));
    }
}

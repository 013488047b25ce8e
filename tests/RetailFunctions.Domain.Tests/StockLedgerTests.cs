using RetailFunctions.Domain.Inventory;

namespace RetailFunctions.Domain.Tests;

public sealed class StockLedgerTests
{
    private static StockMovement Move(MovementKind kind, decimal quantity) =>
        new("SKU-1", "STORE-1", kind, quantity, $"key-{Guid.NewGuid():N}", "tester", "test", "test", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(MovementKind.Sale, 3, 7)]
    [InlineData(MovementKind.TransferOut, 3, 7)]
    [InlineData(MovementKind.Damage, 3, 7)]
    [InlineData(MovementKind.Return, 3, 13)]
    [InlineData(MovementKind.Cancellation, 3, 13)]
    [InlineData(MovementKind.Receipt, 3, 13)]
    [InlineData(MovementKind.TransferIn, 3, 13)]
    [InlineData(MovementKind.ReturnDamaged, 3, 10)]
    [InlineData(MovementKind.Adjustment, -4, 6)]
    [InlineData(MovementKind.CycleCount, 4, 4)]
    public void GivenTenOnHand_WhenMovementApplied_ThenOnHandFollowsItsKind(MovementKind kind, int quantity, int expected)
    {
        var before = StockLevel.Empty("SKU-1", "STORE-1") with { OnHand = 10m, Version = 5 };
        var after = StockLedger.Apply(before, Move(kind, quantity));
        Assert.Equal(expected, after.OnHand);
        Assert.Equal(6, after.Version);
    }

    [Fact]
    public void GivenACountAtTen_WhenATillSaleRungUpBeforeItArrivesAfterIt_ThenTheCountIsNotChangedAgainButALaterSaleIs()
    {
        var ten = DateTimeOffset.Parse("2026-11-20T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var level = StockLevel.Empty("SKU-1", "STORE-1") with { OnHand = 9m };

        level = StockLedger.Apply(level, Move(MovementKind.CycleCount, 5m) with { OccurredAt = ten });
        level = StockLedger.Apply(level, Move(MovementKind.Sale, 1m) with { OccurredAt = ten.AddHours(-1) });
        Assert.Equal((5m, ten), (level.OnHand, level.CountedAt));

        level = StockLedger.Apply(level, Move(MovementKind.CycleCount, 8m) with { OccurredAt = ten.AddHours(-2) });
        Assert.Equal((5m, ten), (level.OnHand, level.CountedAt));

        level = StockLedger.Apply(level, Move(MovementKind.Sale, 1m) with { OccurredAt = ten.AddHours(1) });
        Assert.Equal(4m, level.OnHand);
    }

    [Fact]
    public void GivenWeighedGoods_WhenSoldByWeight_ThenNoPrecisionIsLost()
    {
        var level = StockLevel.Empty("APPLE", "STORE-1") with { OnHand = 10.000m };
        level = StockLedger.Apply(level, Move(MovementKind.Sale, 0.42m));
        level = StockLedger.Apply(level, Move(MovementKind.Sale, 0.137m));
        Assert.Equal(9.443m, level.OnHand);
    }

    [Fact]
    public void AvailableIsNeverShownBelowZero()
    {
        var level = StockLevel.Empty("SKU-1", "STORE-1") with { OnHand = 1m, Reserved = 3m };
        Assert.Equal(0m, level.Available);
        Assert.Equal(2m, (level with { OnHand = 5m }).Available);
    }

    [Theory]
    [InlineData(MovementKind.Sale, 0, "a Sale needs a positive quantity")]
    [InlineData(MovementKind.Receipt, -1, "a Receipt needs a positive quantity")]
    [InlineData(MovementKind.Adjustment, 0, "an adjustment of zero changes nothing")]
    [InlineData(MovementKind.CycleCount, -2, "a counted quantity cannot be negative")]
    public void GivenNonsenseQuantity_ThenMovementIsRefusedWithItsReason(MovementKind kind, int quantity, string reason) =>
        Assert.Equal(reason, StockLedger.Refusal(Move(kind, quantity)));

    [Fact]
    public void GivenMovementWithoutIdempotencyKey_ThenRefused() =>
        Assert.Equal("idempotency key is required", StockLedger.Refusal(Move(MovementKind.Sale, 1) with { IdempotencyKey = "" }));

    [Fact]
    public void ACycleCountAndAZeroCountAreAccepted()
    {
        Assert.Null(StockLedger.Refusal(Move(MovementKind.CycleCount, 0)));
        Assert.Null(StockLedger.Refusal(Move(MovementKind.Adjustment, -3)));
    }

    [Fact]
    public void OnHandIsTheSumOfMovementsForAnySequence()
    {
        var random = new Random(20261123);
        var kinds = Enum.GetValues<MovementKind>().Where(k => k != MovementKind.CycleCount).ToArray();
        for (var run = 0; run < 200; run++)
        {
            var level = StockLevel.Empty("SKU-1", "STORE-1");
            decimal expected = 0;
            for (var i = 0; i < 50; i++)
            {
                var kind = kinds[random.Next(kinds.Length)];
                var quantity = Math.Round((decimal)random.NextDouble() * 10m, 3) + 0.001m;
                if (kind == MovementKind.Adjustment && random.Next(2) == 0) quantity = -quantity;
                var movement = Move(kind, quantity);
                expected += StockLedger.OnHandDelta(level, movement);
                level = StockLedger.Apply(level, movement);
            }
            Assert.Equal(expected, level.OnHand);
            Assert.Equal(50, level.Version);
        }
    }
}

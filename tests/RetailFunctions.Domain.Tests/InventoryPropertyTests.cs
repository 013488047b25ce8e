using RetailFunctions.Domain.Inventory;
using static RetailFunctions.Domain.Inventory.InventoryCommand;

namespace RetailFunctions.Domain.Tests;

/// <summary>
/// For any interleaving of reserve, release, consume, sell, return and count on one SKU and location, replaying the
/// decisions the way storage does gives: on hand = the sum of the movements' effects, reserved = the sum of active
/// reservations, and available never negative for a channel that may not oversell.
/// </summary>
public sealed class InventoryPropertyTests
{
    private const string Sku = "SKU-P";
    private const string Location = "STORE-P";

    [Fact]
    public void AnyInterleavingKeepsTheLedgerConsistentAndNeverOversellsTheWeb()
    {
        var random = new Random(424242);
        for (var run = 0; run < 300; run++)
        {
            var level = StockLevel.Empty(Sku, Location);
            var reservations = new Dictionary<string, Reservation>();
            var movements = new List<(StockMovement Movement, decimal Delta)>();
            var at = DateTimeOffset.UnixEpoch;
            for (var step = 0; step < 80; step++)
            {
                at = at.AddMinutes(1);
                var id = $"r{random.Next(12)}";
                InventoryCommand command = random.Next(7) switch
                {
                    0 => new Reserve(Sku, Location, "web", random.Next(1, 5), id, "order", at.AddMinutes(random.Next(1, 20)), MayOversell: false, at),
                    1 => new Release(Sku, id, "cancelled", at),
                    2 => new Consume(Sku, id, "picker", at, Location, random.Next(1, 3)),
                    3 => new Expire(Sku, id, at),
                    4 => new RecordMovement(Move(MovementKind.Sale, random.Next(1, 3), at)),
                    5 => new RecordMovement(Move(MovementKind.Receipt, random.Next(1, 6), at)),
                    _ => new RecordMovement(Move(MovementKind.CycleCount, random.Next(0, 15), at)),
                };
                var slice = new InventorySlice(new Dictionary<string, StockLevel> { [Location] = level },
                    reservations.GetValueOrDefault(id), new Dictionary<string, StockPolicy>());
                if (InventoryDecider.Decide(command, slice) is not InventoryDecision.Apply apply) continue;

                var before = level;
                foreach (var m in apply.Movements)
                    movements.Add((m, StockLedger.OnHandDelta(before, m)));
                if (apply.Levels.FirstOrDefault(l => l.Location == Location) is { } after) level = after;
                if (apply.Reservation is { } r) reservations[r.ReservationId] = r;

                if (command is Reserve)
                    Assert.True(level.OnHand - level.Reserved >= 0m || before.OnHand - before.Reserved < 0m,
                        $"run {run} step {step}: a web reservation drove available below zero");
            }
            Assert.Equal(movements.Sum(m => m.Delta), level.OnHand);
            Assert.Equal(reservations.Values.Where(r => r.Status == ReservationStatus.Active).Sum(r => r.Quantity), level.Reserved);
        }
    }

    private static StockMovement Move(MovementKind kind, decimal quantity, DateTimeOffset at) =>
        new(Sku, Location, kind, quantity, $"m-{Guid.NewGuid():N}", "tester", "property", "test", at);
}

using RetailFunctions.Domain.Inventory;

namespace RetailFunctions.Domain.Tests;

/// <summary>A group of one SKU's commands decided together gives each the answer it would get alone, in order.</summary>
public sealed class InventoryGroupTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static InventoryGroup Group(decimal onHand) => new("SKU-1",
        new Dictionary<string, StockLevel> { ["WH-1"] = new("SKU-1", "WH-1", onHand, 0m, 0m, 3) },
        new Dictionary<string, StockPolicy>(), new Dictionary<string, Reservation?>());

    private static InventoryCommand.Reserve Reserve(string id, decimal quantity) =>
        new("SKU-1", "WH-1", "web", quantity, id, $"cart {id}", null, MayOversell: false, At);

    private static InventoryDecision DecideAndEvolve(InventoryGroup group, InventoryCommand command, string? reservationId)
    {
        var decision = group.Decide(command, reservationId);
        if (decision is InventoryDecision.Apply apply) group.Evolve(command, apply);
        return decision;
    }

    [Fact]
    public void GivenTwoUnits_WhenThreeCheckoutsAreDecidedTogether_ThenTheThirdIsRefusedOnWhatTheFirstTwoLeft()
    {
        var group = Group(2m);
        var decisions = new[] { Reserve("a", 1m), Reserve("b", 1m), Reserve("c", 1m) }
            .Select(c => DecideAndEvolve(group, c, c.ReservationId)).ToList();

        Assert.IsType<InventoryDecision.Apply>(decisions[0]);
        Assert.IsType<InventoryDecision.Apply>(decisions[1]);
        Assert.Equal(0m, Assert.IsType<InventoryDecision.Refuse>(decisions[2]).Available);
        Assert.Equal((2m, 2m, 5L), (group.Levels["WH-1"].OnHand, group.Levels["WH-1"].Reserved, group.Levels["WH-1"].Version));
    }

    [Fact]
    public void GivenASaleInTheGroup_WhenTheSameSaleComesAgain_ThenItIsADuplicate()
    {
        var group = Group(5m);
        var sale = new InventoryCommand.RecordMovement(new StockMovement("SKU-1", "WH-1", MovementKind.Sale, 1m, "pos:1:line:1:sale", "till", "sale", "pos", At));
        DecideAndEvolve(group, sale, null);

        Assert.True(group.IsDuplicate(sale));
        Assert.Equal(4m, group.Levels["WH-1"].OnHand);
    }

    [Fact]
    public void GivenAReservationMadeInTheGroup_WhenItIsReleasedInTheSameGroup_ThenTheReleaseSeesIt()
    {
        var group = Group(5m);
        DecideAndEvolve(group, Reserve("a", 2m), "a");
        var released = DecideAndEvolve(group, new InventoryCommand.Release("SKU-1", "a", "cart abandoned", At), "a");

        Assert.Equal(ReservationStatus.Released, Assert.IsType<InventoryDecision.Apply>(released).Reservation!.Status);
        Assert.Equal(0m, group.Levels["WH-1"].Reserved);
    }
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Loyalty;
using static RetailFunctions.Domain.Loyalty.LoyaltyCommand;

namespace RetailFunctions.Domain.Tests;

/// <summary>Loyalty records move with a customer merge: the absorbed profile's spend counts toward the survivor's tier, and its orders' returns reverse there.</summary>
public sealed class LoyaltyMergeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly LoyaltyProgram Program = LoyaltyProgram.Default;

    private static LoyaltySlice Run(LoyaltySlice slice, LoyaltyCommand command) => LoyaltyDecider.Evolve(slice, LoyaltyDecider.Decide(command, slice, Program));

    private static LoyaltySlice Bought(string customer, string order, decimal net) =>
        Run(new LoyaltySlice(LoyaltyAccount.Open(customer), null), new Accrue(customer, order, Channels.Pos, new Money(net, "EUR"), $"k-{order}", Now));

    /// <summary>Absorbed moves into survivor the way the service runs a transfer: out of one ledger, into the other.</summary>
    private static (LoyaltySlice Absorbed, LoyaltySlice Survivor, LoyaltyEvent.TransferredOut Out) Merge(LoyaltySlice absorbed, LoyaltySlice survivor,
        string transferId = "m1", long? max = null, IReadOnlyList<SpendEntry>? spend = null)
    {
        var from = absorbed.Account.CustomerId;
        var to = survivor.Account.CustomerId;
        var events = LoyaltyDecider.Decide(new TransferOut(from, transferId, to, max, Now, spend), absorbed with { Order = null }, Program);
        var moved = Assert.IsType<LoyaltyEvent.TransferredOut>(Assert.Single(events));
        var after = LoyaltyDecider.Evolve(absorbed with { Order = null }, events);
        return (after, Run(survivor with { Order = null }, new TransferIn(to, transferId, from, moved.Lots, Now, moved.Spend)), moved);
    }

    [Fact]
    public void GivenTheAbsorbedProfilesSpend_WhenMerged_ThenItCountsTowardTheSurvivorsTier()
    {
        var absorbed = Bought("B", "ob", 400m);
        var survivor = Bought("A", "oa", 300m);
        Assert.Equal("member", Program.TierFor(survivor.Account.RollingSpend(Now, Program.SpendWindowDays)));

        var (left, merged, _) = Merge(absorbed, survivor);

        Assert.Equal(700m, merged.Account.RollingSpend(Now, Program.SpendWindowDays));
        Assert.Equal("silver", Program.TierFor(merged.Account.RollingSpend(Now, Program.SpendWindowDays)));
        Assert.Equal(0m, left.Account.RollingSpend(Now, Program.SpendWindowDays));
        Assert.Equal(700L, merged.Account.Balance);
    }

    [Fact]
    public void GivenAnOrderBoughtOnTheAbsorbedProfile_WhenReturnedAfterTheMerge_ThenItsPointsAreReversedOnTheSurvivor()
    {
        var absorbed = Bought("B", "ob", 400m);
        var accrual = absorbed.Order!;
        var (_, merged, _) = Merge(absorbed, Bought("A", "oa", 300m));

        var returned = Run(merged with { Order = null }, new Reverse("A", "ob", "r1", new Money(100m, "EUR"), "k-r1", Now.AddDays(1), accrual));

        Assert.Equal(600L, returned.Account.Balance);
        Assert.Equal((100m, 100L, true), (returned.Order!.ReturnedNet, returned.Order.ReversedPoints, returned.Order.Accrued));
        Assert.Equal(600m, returned.Account.RollingSpend(Now.AddDays(1), Program.SpendWindowDays));
        // The next return of the same order reverses against what the survivor now holds, not the absorbed's stale record.
        var again = Run(returned, new Reverse("A", "ob", "r2", new Money(300m, "EUR"), "k-r2", Now.AddDays(2), accrual));
        Assert.Equal(300L, again.Account.Balance);
    }

    [Fact]
    public void GivenAReturnHeldOnTheSurvivorForWantOfTheAccrual_WhenTheNextReturnBringsIt_ThenBothAreReversed()
    {
        var absorbed = Bought("B", "ob", 400m);
        var (_, merged, _) = Merge(absorbed, Bought("A", "oa", 300m));
        var held = Run(merged with { Order = null }, new Reverse("A", "ob", "r1", new Money(100m, "EUR"), "k-r1", Now));
        Assert.Equal(700L, held.Account.Balance);

        var reversed = Run(held, new Reverse("A", "ob", "r2", new Money(100m, "EUR"), "k-r2", Now, absorbed.Order));

        Assert.Equal(500L, reversed.Account.Balance);
    }

    [Fact]
    public void GivenAMerge_WhenReversed_ThenTheSpendThatCameInGoesBackAndTheSurvivorsOwnStays()
    {
        var (left, merged, moved) = Merge(Bought("B", "ob", 400m), Bought("A", "oa", 300m));

        var (back, restored, _) = Merge(merged, left, "m1:reversal", moved.Lots.Sum(l => l.Remaining), moved.Spend);

        Assert.Equal(300m, back.Account.RollingSpend(Now, Program.SpendWindowDays));
        Assert.Equal(400m, restored.Account.RollingSpend(Now, Program.SpendWindowDays));
        Assert.Equal((300L, 400L), (back.Account.Balance, restored.Account.Balance));
    }
}

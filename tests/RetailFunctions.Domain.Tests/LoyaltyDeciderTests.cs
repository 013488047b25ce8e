using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using static RetailFunctions.Domain.Loyalty.LoyaltyCommand;

namespace RetailFunctions.Domain.Tests;

public sealed class LoyaltyDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly LoyaltyProgram Program = LoyaltyProgram.Default with
    {
        Rates = new Dictionary<string, decimal> { ["*/*"] = 1m, ["*/silver"] = 1.25m, ["*/gold"] = 1.5m, ["web/*"] = 2m },
    };

    private static readonly LoyaltySlice Empty = new(LoyaltyAccount.Open("C1"), null);

    private static Money Eur(decimal amount) => new(amount, "EUR");

    private static LoyaltySlice Run(LoyaltySlice slice, LoyaltyCommand command, DateTimeOffset? at = null) =>
        LoyaltyDecider.Evolve(slice, LoyaltyDecider.Decide(command, slice, Program));

    /// <summary>The slice as storage would load it for the next command on an order.</summary>
    private static LoyaltySlice For(LoyaltySlice slice, string? orderId) => slice with { Order = slice.Order?.OrderId == orderId ? slice.Order : null };

    private static LoyaltySlice Bought(decimal net, string channel = Channels.Pos, string order = "o1", DateTimeOffset? at = null) =>
        Run(Empty, new Accrue("C1", order, channel, Eur(net), $"k-{order}", at ?? Now));

    [Fact]
    public void GivenAPurchase_WhenAccrued_ThenPointsAreTheFlooredNetTimesTheChannelRate()
    {
        var events = LoyaltyDecider.Decide(new Accrue("C1", "o1", Channels.Pos, Eur(99.99m), "k1", Now), Empty, Program);
        var accrued = Assert.IsType<LoyaltyEvent.Accrued>(Assert.Single(events));
        Assert.Equal((99L, "member", 1m), (accrued.Points, accrued.Tier, accrued.Rate));
        Assert.Equal(200L, Assert.IsType<LoyaltyEvent.Accrued>(LoyaltyDecider.Decide(new Accrue("C1", "o1", Channels.Web, Eur(100m), "k1", Now), Empty, Program)[0]).Points);
    }

    [Fact]
    public void GivenAnOrderAlreadyAccrued_WhenAnotherEventOfItArrives_ThenNoEvents() =>
        Assert.Empty(LoyaltyDecider.Decide(new Accrue("C1", "o1", Channels.Pos, Eur(100m), "k-other", Now), Bought(100m), Program));

    [Fact]
    public void GivenAnotherCurrency_WhenAccrued_ThenRefusedNamingTheCurrency() =>
        Assert.Equal("currency", Assert.Throws<Refused>(() => LoyaltyDecider.Decide(new Accrue("C1", "o1", Channels.Pos, new Money(10m, "USD"), "k", Now), Empty, Program)).Field);

    [Fact]
    public void GivenSpendPastATierThreshold_WhenAccrued_ThenTheTierChangesAndTheNextPurchaseEarnsItsRate()
    {
        var slice = Bought(600m);
        Assert.Equal("silver", Program.TierFor(slice.Account.RollingSpend(Now, Program.SpendWindowDays)));
        var events = LoyaltyDecider.Decide(new Accrue("C1", "o2", Channels.Pos, Eur(100m), "k2", Now.AddDays(1)), For(slice, "o2"), Program);
        Assert.Equal(125L, Assert.IsType<LoyaltyEvent.Accrued>(events[0]).Points);
        Assert.Contains(LoyaltyDecider.Decide(new Accrue("C1", "o1", Channels.Pos, Eur(600m), "k", Now), Empty, Program), e => e is LoyaltyEvent.TierChanged { To: "silver" });
    }

    [Fact]
    public void GivenSpendOlderThanTheWindow_WhenTheTierIsRead_ThenItHasFallenBack()
    {
        var slice = Bought(600m, at: Now.AddDays(-400));
        Assert.Equal("member", Program.TierFor(slice.Account.RollingSpend(Now, Program.SpendWindowDays)));
    }

    [Fact]
    public void GivenAPartialReturn_WhenReversed_ThenPointsComeBackInProportionAndTwoHalvesReverseExactlyTheWhole()
    {
        var slice = Bought(99m); // 99 points
        slice = Run(slice, new Reverse("C1", "o1", "r1", Eur(33m), "k-r1", Now));
        Assert.Equal(66L, slice.Account.Balance);
        slice = Run(slice, new Reverse("C1", "o1", "r2", Eur(66m), "k-r2", Now));
        Assert.Equal(0L, slice.Account.Balance);
        Assert.Equal(99L, slice.Order!.ReversedPoints);
        Assert.Equal(0L, Assert.IsType<LoyaltyEvent.Reversed>(LoyaltyDecider.Decide(new Reverse("C1", "o1", "r3", Eur(10m), "k-r3", Now), slice, Program)[0]).Points);
    }

    [Fact]
    public void GivenAReturnBeforeItsPurchase_WhenThePurchaseArrives_ThenTheHeldReturnIsReversedAtOnce()
    {
        var slice = Run(Empty, new Reverse("C1", "o1", "r1", Eur(50m), "k-r1", Now));
        Assert.IsType<LoyaltyEvent.ReturnHeld>(LoyaltyDecider.Decide(new Reverse("C1", "o1", "r1", Eur(50m), "k", Now), Empty, Program)[0]);
        slice = Run(slice, new Accrue("C1", "o1", Channels.Pos, Eur(100m), "k-o1", Now));
        Assert.Equal(50L, slice.Account.Balance);
        Assert.Equal(50m, slice.Account.RollingSpend(Now, 365));
    }

    [Fact]
    public void GivenPointsAlreadySpent_WhenTheOrderIsReturned_ThenTheBalanceGoesNegativeAndTheNextAccrualPaysItBack()
    {
        var slice = Bought(100m);
        slice = Run(slice, new Redeem("C1", "red-1", 100, Channels.Web, null, Now));
        slice = Run(slice, new Reverse("C1", "o1", "r1", Eur(100m), "k-r1", Now));
        Assert.Equal(-100L, slice.Account.Balance);
        Assert.Equal(0L, LoyaltyDecider.Spendable(slice.Account, Now));
        slice = Run(For(slice, "o2"), new Accrue("C1", "o2", Channels.Pos, Eur(150m), "k-o2", Now));
        Assert.Equal(50L, slice.Account.Balance);
        Assert.Equal(50L, slice.Account.Lots.Sum(l => l.Remaining));
    }

    [Fact]
    public void GivenABalance_WhenMoreIsRedeemedThanItHolds_ThenRefusedAsAConflictOnPoints()
    {
        var refused = Assert.Throws<Refused>(() => LoyaltyDecider.Decide(new Redeem("C1", "red-1", 101, Channels.Pos, null, Now), Bought(100m), Program));
        Assert.Equal((RefusalKind.Conflict, "points"), (refused.Kind, refused.Field));
    }

    [Fact]
    public void GivenABalance_WhenRedeemed_ThenTheValueIsInTheProgramsCurrency()
    {
        var redeemed = Assert.IsType<LoyaltyEvent.Redeemed>(LoyaltyDecider.Decide(new Redeem("C1", "red-1", 40, Channels.Pos, "till-9", Now), Bought(100m), Program)[0]);
        Assert.Equal(new Money(0.40m, "EUR"), redeemed.Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void GivenANonPositiveRedemption_WhenDecided_ThenInvalid(long points) =>
        Assert.Equal(RefusalKind.Invalid, Assert.Throws<Refused>(() => LoyaltyDecider.Decide(new Redeem("C1", "r", points, Channels.Pos, null, Now), Bought(10m), Program)).Kind);

    [Fact]
    public void GivenLotsPastTheirExpiry_WhenExpired_ThenOnlyThoseLeaveAndTheyCannotBeSpentBeforeTheSweep()
    {
        var slice = Bought(100m, at: Now.AddDays(-400));
        slice = Run(For(slice, "o2"), new Accrue("C1", "o2", Channels.Pos, Eur(30m), "k-o2", Now));
        Assert.Equal(30L, LoyaltyDecider.Spendable(slice.Account, Now));
        slice = Run(slice, new Expire("C1", Now));
        Assert.Equal(30L, slice.Account.Balance);
        Assert.Empty(LoyaltyDecider.Decide(new Expire("C1", Now), slice, Program));
    }

    [Fact]
    public void GivenRedemptions_WhenPointsAreTaken_ThenTheOldestLotsGoFirst()
    {
        var slice = Bought(100m, at: Now.AddDays(-300));
        slice = Run(For(slice, "o2"), new Accrue("C1", "o2", Channels.Pos, Eur(100m), "k-o2", Now));
        slice = Run(slice, new Redeem("C1", "red", 100, Channels.Pos, null, Now));
        Assert.Equal(Now.AddDays(Program.ExpiryDays), Assert.Single(slice.Account.Lots).ExpiresAt);
    }

    [Theory]
    [InlineData("store-associate")]
    [InlineData("marketing")]
    [InlineData(null)]
    public void GivenARoleThatMayNotAdjust_WhenAdjusting_ThenForbidden(string? role) =>
        Assert.Equal(RefusalKind.Forbidden, Assert.Throws<Refused>(() => LoyaltyDecider.Decide(new Adjust("C1", 10, "goodwill", role, "x", "k", Now), Empty, Program)).Kind);

    [Fact]
    public void GivenAStoreManager_WhenAdjustingBeyondTheLimit_ThenForbiddenButTheCrmMay()
    {
        Assert.Equal("points", Assert.Throws<Refused>(() => LoyaltyDecider.Decide(new Adjust("C1", 5000, "goodwill", "store-manager", "m", "k", Now), Empty, Program)).Field);
        Assert.Equal(5000L, Run(Empty, new Adjust("C1", 5000, "goodwill", "crm", "c", "k", Now)).Account.Balance);
    }

    [Fact]
    public void GivenAnAdjustment_WhenItHasNoReasonOrWouldOverdraw_ThenRefused()
    {
        Assert.Equal("reason", Assert.Throws<Refused>(() => LoyaltyDecider.Decide(new Adjust("C1", 10, " ", "crm", "c", "k", Now), Empty, Program)).Field);
        Assert.Equal(RefusalKind.Conflict, Assert.Throws<Refused>(() => LoyaltyDecider.Decide(new Adjust("C1", -11, "correction", "crm", "c", "k", Now), Bought(10m), Program)).Kind);
    }

    [Fact]
    public void GivenPointsOnAnAbsorbedProfile_WhenTransferred_ThenTheLotsMoveWithTheirExpiry()
    {
        var source = Bought(100m);
        var events = LoyaltyDecider.Decide(new TransferOut("C2", "m1", "C1", null, Now), source, Program);
        var lots = Assert.IsType<LoyaltyEvent.TransferredOut>(Assert.Single(events)).Lots;
        Assert.Equal(0L, LoyaltyDecider.Evolve(source, events).Account.Balance);
        var target = Run(Empty, new TransferIn("C1", "m1", "C2", lots, Now));
        Assert.Equal(100L, target.Account.Balance);
        Assert.Equal(source.Account.Lots[0].ExpiresAt, target.Account.Lots[0].ExpiresAt);
        Assert.Empty(LoyaltyDecider.Decide(new TransferOut("C2", "m1", "C1", null, Now), LoyaltyDecider.Evolve(source, events), Program));
    }

    [Fact]
    public void GivenAnyMixOfCommands_ThenTheLotsAlwaysAddUpToThePositiveBalance()
    {
        var random = new Random(7);
        var slice = Empty;
        for (var i = 0; i < 500; i++)
        {
            LoyaltyCommand command = random.Next(4) switch
            {
                0 => new Accrue("C1", $"o{i}", Channels.Pos, Eur(random.Next(1, 300)), $"k{i}", Now.AddDays(i)),
                1 => new Reverse("C1", $"o{random.Next(i + 1)}", $"r{i}", Eur(random.Next(1, 200)), $"k{i}", Now.AddDays(i)),
                2 => new Redeem("C1", $"red{i}", random.Next(1, 200), Channels.Web, null, Now.AddDays(i)),
                _ => new Expire("C1", Now.AddDays(i)),
            };
            try { slice = Run(slice, command); }
            catch (Refused) { }
            Assert.Equal(Math.Max(0, slice.Account.Balance), slice.Account.Lots.Sum(l => l.Remaining));
            slice = slice with { Order = null };
        }
    }
}

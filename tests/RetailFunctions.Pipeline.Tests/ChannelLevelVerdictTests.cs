using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Tests;

public sealed class ChannelLevelVerdictTests
{
    private static readonly DateTimeOffset PushedAt = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static LocationStock Stock(decimal onHand = 10m, decimal reserved = 2m, long version = 5, long pushed = 5, decimal webSafety = 1m) =>
        new(new StockLevel("SKU", "WH-1", onHand, reserved, 0m, version),
            new StockPolicy(new Dictionary<string, decimal> { ["web"] = webSafety }, null), pushed, onHand - reserved, PushedAt);

    [Fact]
    public void GivenLedgerAuthority_WhenStoreAgrees_ThenNothingToDo() =>
        Assert.IsType<ChannelLevelVerdict.InAgreement>(ChannelLevelVerdict.Judge("ledger", Stock(), 7m, PushedAt.AddMinutes(1), true));

    [Fact]
    public void GivenLedgerAuthority_WhenStoreDisagreesWithNothingInFlight_ThenConflict()
    {
        var conflict = Assert.IsType<ChannelLevelVerdict.Conflict>(ChannelLevelVerdict.Judge("ledger", Stock(), 9m, PushedAt.AddMinutes(1), true));
        Assert.Equal((7m, 9m), (conflict.LedgerAvailable, conflict.Reported));
    }

    [Fact]
    public void GivenLedgerAuthority_WhenAPushIsPending_ThenTheDifferenceIsExpected() =>
        Assert.IsType<ChannelLevelVerdict.PushPending>(ChannelLevelVerdict.Judge("ledger", Stock(version: 6, pushed: 5), 9m, PushedAt.AddMinutes(1), true));

    [Fact]
    public void GivenLedgerAuthority_WhenTheReportPredatesOurLastPush_ThenItIsAnEchoAndIgnored() =>
        Assert.IsType<ChannelLevelVerdict.Stale>(ChannelLevelVerdict.Judge("ledger", Stock(), 3m, PushedAt.AddSeconds(-1), true));

    [Fact]
    public void GivenAnOlderReportThanOneSeen_ThenStaleWhateverTheAuthority()
    {
        Assert.IsType<ChannelLevelVerdict.Stale>(ChannelLevelVerdict.Judge("ledger", Stock(), 3m, PushedAt.AddHours(1), newestReport: false));
        Assert.IsType<ChannelLevelVerdict.Stale>(ChannelLevelVerdict.Judge("shopify", Stock(), 3m, PushedAt.AddHours(1), newestReport: false));
    }

    [Fact]
    public void GivenStoreAuthority_WhenItReportsAFigure_ThenTheLedgerIsCountedToMatchIt()
    {
        // 12 available online + 2 reserved + 1 web safety stock = 15 on hand
        var adopt = Assert.IsType<ChannelLevelVerdict.Adopt>(ChannelLevelVerdict.Judge("shopify", Stock(), 12m, PushedAt.AddMinutes(1), true));
        Assert.Equal(15m, adopt.OnHand);
        Assert.IsType<ChannelLevelVerdict.InAgreement>(ChannelLevelVerdict.Judge("shopify", Stock(), 7m, PushedAt.AddMinutes(1), true));
    }

    [Fact]
    public void AReportWithoutAFigureIsIgnored() =>
        Assert.IsType<ChannelLevelVerdict.Stale>(ChannelLevelVerdict.Judge("ledger", Stock(), null, PushedAt.AddMinutes(1), true));
}

using RetailFunctions.Domain.Rollout;

namespace RetailFunctions.Domain.Tests.Rollout;

public sealed class PilotSwitchboardTests
{
    private static PilotSwitchboard Board(string switches) => new(PilotFlows.ParseList(switches));

    [Fact]
    public void GivenNoSwitches_WhenAnyFlowIsAsked_ThenItIsOn()
    {
        foreach (var flow in Enum.GetValues<PilotFlow>())
            Assert.Equal(FlowMode.On, PilotSwitchboard.AllOn.ModeFor(flow, "STORE-1", "NORTH"));
    }

    [Fact]
    public void GivenChainRegionAndStoreSwitches_WhenAsked_ThenTheMostSpecificScopeWins()
    {
        var board = Board("chain:*=off; region:NORTH:*=shadow; store:STORE-A:*=on");

        Assert.Equal(FlowMode.On, board.ModeFor(PilotFlow.Journal, "STORE-A", "NORTH"));
        Assert.Equal(FlowMode.Shadow, board.ModeFor(PilotFlow.Journal, "STORE-B", "NORTH"));
        Assert.Equal(FlowMode.Off, board.ModeFor(PilotFlow.Journal, "STORE-C", "SOUTH"));
        Assert.Equal(FlowMode.Off, board.ModeFor(PilotFlow.Journal, null, null));
    }

    [Fact]
    public void GivenAFlowSwitchAndAnAllFlowsSwitchInOneScope_WhenAsked_ThenTheFlowSwitchWins()
    {
        var board = Board("store:STORE-A:*=on; store:STORE-A:availability-push=shadow");

        Assert.Equal(FlowMode.Shadow, board.ModeFor(PilotFlow.AvailabilityPush, "STORE-A", null));
        Assert.Equal(FlowMode.On, board.ModeFor(PilotFlow.TillStock, "STORE-A", null));
    }

    [Fact]
    public void GivenARegionFlowSwitchAndAStoreAllFlowsSwitch_WhenAsked_ThenTheStoreStillWins()
    {
        var board = Board("region:NORTH:journal=off; store:STORE-A:*=on");

        Assert.Equal(FlowMode.On, board.ModeFor(PilotFlow.Journal, "STORE-A", "NORTH"));
        Assert.Equal(FlowMode.Off, board.ModeFor(PilotFlow.Journal, "STORE-B", "NORTH"));
    }

    [Fact]
    public void GivenScopesWrittenInAnotherCase_WhenAsked_ThenTheyStillMatch()
    {
        var board = Board("Store:store-a:Journal=Shadow; REGION:north:*=off");

        Assert.Equal(FlowMode.Shadow, board.ModeFor(PilotFlow.Journal, "STORE-A", null));
        Assert.Equal(FlowMode.Off, board.ModeFor(PilotFlow.TillStock, "STORE-Z", "North"));
    }

    [Fact]
    public void GivenSettingsAndAnOperatorsChangeOfTheSameSwitch_WhenCombined_ThenTheChangeWins()
    {
        var settings = PilotFlows.ParseList("region:EAST:*=off; store:STORE-B:availability-push=shadow");
        var changes = PilotFlows.ParseList("region:EAST:*=on");

        var board = PilotSwitchboard.Combine(settings, changes);

        Assert.Equal(FlowMode.On, board.ModeFor(PilotFlow.WebOrders, "STORE-C", "EAST"));
        Assert.Equal(FlowMode.Shadow, board.ModeFor(PilotFlow.AvailabilityPush, "STORE-B", null));
        Assert.Equal(2, board.Switches.Count);
    }

    [Fact]
    public void GivenALocationWhoseIdHoldsAColon_WhenParsed_ThenTheFlowIsTheLastPart()
    {
        var parsed = PilotFlows.ParseSwitch("store:EU:BERLIN-1:till-stock=shadow");

        Assert.Equal(new PilotScope.Store("EU:BERLIN-1"), parsed.Scope);
        Assert.Equal(PilotFlow.TillStock, parsed.Flow);
        Assert.Equal(FlowMode.Shadow, parsed.Mode);
        Assert.Equal("store:EU:BERLIN-1:till-stock=shadow", parsed.ToString());
    }

    [Theory]
    [InlineData("store:A:journal", "no '=MODE'")]
    [InlineData("store:A:journal=maybe", "mode 'maybe'")]
    [InlineData("store:A:ledger=on", "flow 'ledger'")]
    [InlineData("shop:A:journal=on", "scope 'shop:A'")]
    [InlineData("store::journal=on", "scope 'store:'")]
    [InlineData("journal=on", "not SCOPE:FLOW=MODE")]
    public void GivenAMalformedSwitch_WhenParsed_ThenTheErrorNamesWhatIsWrong(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => PilotFlows.ParseSwitch(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GivenEveryFlowName_WhenParsedBack_ThenItIsTheSameFlow()
    {
        foreach (var flow in Enum.GetValues<PilotFlow>())
            Assert.Equal(flow, PilotFlows.ParseFlow(PilotFlows.Name(flow)));
        Assert.Null(PilotFlows.ParseFlow("*"));
    }

    [Fact]
    public void GivenAnEmptySetting_WhenParsed_ThenThereAreNoSwitches()
    {
        Assert.Empty(PilotFlows.ParseList(null));
        Assert.Empty(PilotFlows.ParseList("  ;  "));
    }
}

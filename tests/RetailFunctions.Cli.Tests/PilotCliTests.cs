using System.Text.Json;
using RetailFunctions.Cli.Commands;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Tests;

/// <summary>retail pilot and retail replay pos: what they refuse before calling the runtime, and how they print.</summary>
public class PilotCliTests
{
    [Fact]
    public async Task GivenAModeThatIsNotOffShadowOrOn_WhenPilotSet_ThenRefusedBeforeCallingTheRuntime()
    {
        var run = await Cli.RunAsync("pilot", "set", "store:STORE-1", "journal", "maybe", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("not off, shadow or on", run.Error);
    }

    [Fact]
    public async Task GivenAnUnreachableRuntime_WhenPilotShow_ThenExitTwo()
    {
        var run = await Cli.RunAsync("pilot", "show", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
    }

    [Fact]
    public async Task GivenABatchIdWithASlash_WhenReplayPos_ThenRefusedBeforeCallingTheRuntime()
    {
        var run = await Cli.RunAsync("replay", "pos", "a/b", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("not a batch id", run.Error);
    }

    [Fact]
    public void GivenSwitchesAndTheirHistory_WhenRendered_ThenEachSwitchAndWhoChangedItAreShown()
    {
        var switches = JsonDocument.Parse("""{"effective":["chain:*=off","store:STORE-A:*=on"],"settings":[],"changes":[]}""").RootElement;
        var history = JsonDocument.Parse("""
            [{"scope":"store:STORE-A","flow":"*","mode":"on","changedBy":"rollout-lead","changedAt":"2026-11-20T09:00:00+00:00","reason":"pilot store"}]
            """).RootElement.EnumerateArray().ToList();

        var text = Values.Plain(PilotView.Render(switches, history), 200);

        Assert.Contains("2 switch(es) in force", text);
        Assert.Contains("store:STORE-A:*=on", text);
        Assert.Contains("rollout-lead", text);
        Assert.Contains("pilot store", text);
    }

    [Fact]
    public void GivenNoSwitches_WhenRendered_ThenItSaysEveryFlowIsOn()
    {
        var switches = JsonDocument.Parse("""{"effective":[],"settings":[],"changes":[]}""").RootElement;
        Assert.Contains("every flow is on", Values.Plain(PilotView.Render(switches, []), 200));
    }

    [Fact]
    public void GivenAShadowReport_WhenRendered_ThenTheDifferenceIsShownPerSkuAndLocation()
    {
        var report = JsonDocument.Parse("""
            {"location":"STORE-B","skus":1,"differing":1,"unknownAtWebStore":0,
             "rows":[{"sku":"TEE","location":"STORE-B","wouldPush":7,"webStoreReports":9,"difference":-2,"comparedAt":"2026-11-20T09:00:00+00:00"}]}
            """).RootElement;

        var text = Values.Plain(PilotView.RenderShadow(report), 200);

        Assert.Contains("1 differ from the web store", text);
        Assert.Contains("TEE", text);
        Assert.Contains("-2", text);
    }
}

using Microsoft.Extensions.Time.Testing;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

public sealed class PilotGateTests
{
    private static readonly PilotOptions Options = new(PilotFlows.ParseList("store:STORE-1:journal=shadow"), TimeSpan.FromSeconds(2));

    [Fact]
    public async Task GivenTwoInstances_WhenAnOperatorChangesASwitchOnOne_ThenTheOtherAppliesItAfterOneRefreshInterval()
    {
        var store = new MemoryPilotStore();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-20T09:00:00Z"));
        var first = new PilotGate(store, null, Options, clock);
        var second = new PilotGate(store, null, Options, clock);
        Assert.Equal(FlowMode.Shadow, await second.ModeAsync(PilotFlow.Journal, "STORE-1", CancellationToken.None));

        await store.SaveSwitchAsync(new PilotSwitchChange(PilotFlows.ParseSwitch("store:STORE-1:journal=on"), "ops-lead", clock.GetUtcNow(), null),
            CancellationToken.None);
        first.Invalidate();

        Assert.Equal(FlowMode.On, await first.ModeAsync(PilotFlow.Journal, "STORE-1", CancellationToken.None));
        Assert.Equal(FlowMode.Shadow, await second.ModeAsync(PilotFlow.Journal, "STORE-1", CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(FlowMode.On, await second.ModeAsync(PilotFlow.Journal, "STORE-1", CancellationToken.None));
    }

    [Fact]
    public async Task GivenManyQuestionsWithinOneInterval_WhenAsked_ThenTheSwitchesAreReadOnce()
    {
        var store = new MemoryPilotStore();
        var clock = new FakeTimeProvider();
        var gate = new PilotGate(store, null, Options, clock);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => gate.ModeAsync(PilotFlow.TillStock, $"STORE-{i % 7}", CancellationToken.None).AsTask()));

        Assert.Equal(1, store.Reads);
    }

    [Fact]
    public async Task GivenAnOperatorsChange_WhenCombinedWithSettings_ThenTheLatestChangeOfTheSameSwitchWins()
    {
        var store = new MemoryPilotStore();
        var clock = new FakeTimeProvider();
        await store.SaveSwitchAsync(new PilotSwitchChange(PilotFlows.ParseSwitch("store:STORE-1:journal=off"), "a", clock.GetUtcNow(), null), CancellationToken.None);
        await store.SaveSwitchAsync(new PilotSwitchChange(PilotFlows.ParseSwitch("store:STORE-1:journal=on"), "b", clock.GetUtcNow().AddMinutes(1), null),
            CancellationToken.None);

        var gate = new PilotGate(store, null, Options, clock);

        Assert.Equal(FlowMode.On, await gate.ModeAsync(PilotFlow.Journal, "STORE-1", CancellationToken.None));
        Assert.Equal(2, (await store.HistoryAsync(10, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task GivenNoSwitches_WhenAsked_ThenEveryFlowIsOnWithoutReadingTheCatalog()
    {
        var gate = PilotGate.AllOn(TimeProvider.System);
        foreach (var flow in Enum.GetValues<PilotFlow>())
            Assert.Equal(FlowMode.On, await gate.ModeAsync(flow, "ANY", CancellationToken.None));
    }
}

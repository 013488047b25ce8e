using RetailFunctions.Pipeline.Aggregates;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The one load-decide-save loop every aggregate runs, against an in-memory store whose rows carry version tags: a
/// counter whose commands add to it, refused below zero, each applied once per key.
/// </summary>
public sealed class AggregateRunnerTests
{
    private sealed record Counter(long Value, IReadOnlyList<string> Applied, int? Tag);

    private sealed record Add(string Key, long Amount);

    /// <summary>One row per counter; a save must name the version it read. Rival writes can be slipped in before a save.</summary>
    private sealed class MemoryCounters : IAggregateStore<string, Counter, Counter>
    {
        private readonly Dictionary<string, Counter> _rows = new(StringComparer.Ordinal);
        private int _version;

        public int Loads { get; private set; }
        public int Saves { get; private set; }
        public Queue<Action> BeforeSave { get; } = new();

        public Task<Counter> LoadAsync(string key, CancellationToken cancellationToken)
        {
            Loads++;
            lock (_rows) return Task.FromResult(_rows.GetValueOrDefault(key) ?? new Counter(0, [], null));
        }

        public Task<Counter?> TrySaveAsync(string key, Counter loaded, Counter change, CancellationToken cancellationToken)
        {
            Saves++;
            if (BeforeSave.TryDequeue(out var rival)) rival();
            lock (_rows)
            {
                if (_rows.GetValueOrDefault(key)?.Tag != loaded.Tag) return Task.FromResult<Counter?>(null);
                return Task.FromResult<Counter?>(_rows[key] = change with { Tag = ++_version });
            }
        }

        public void Write(string key, Counter counter)
        {
            lock (_rows) _rows[key] = counter with { Tag = ++_version };
        }

        public Counter Row(string key)
        {
            lock (_rows) return _rows[key];
        }
    }

    /// <summary>The pure decider: a repeated key changes nothing, a result below zero is refused.</summary>
    private static Decision<Counter, string> Decide(Add command, Counter counter) =>
        counter.Applied.Contains(command.Key) ? Decision.Nothing<Counter, string>("already applied")
        : counter.Value + command.Amount < 0 ? Decision.Nothing<Counter, string>("refused")
        : Decision.Write(new Counter(counter.Value + command.Amount, [.. counter.Applied, command.Key], counter.Tag), "applied");

    private static Task<Ran<Counter, string>> Run(AggregateRunner<string, Counter, Counter> runner, Add command, Counter? assumed = null) =>
        runner.RunAsync("c1", "c1", counter => Decide(command, counter), CancellationToken.None, assumed);

    [Fact]
    public async Task GivenNoRow_WhenACommandRuns_ThenItIsLoadedDecidedAndSavedOnceAndTheSavedSliceCarriesTheNewTag()
    {
        var store = new MemoryCounters();
        var ran = await Run(new(store, maxAttempts: 3), new Add("k1", 5));

        Assert.Equal(("applied", true), (ran.Result, ran.Written));
        Assert.Equal((1, 1), (store.Loads, store.Saves));
        Assert.Equal(store.Row("c1"), ran.Slice);
        Assert.NotNull(ran.Slice.Tag);
    }

    [Fact]
    public async Task GivenARivalWritesBetweenReadAndSave_WhenTheSaveLoses_ThenTheRunnerReadsAgainAndDecidesOnWhatTheRivalWrote()
    {
        var store = new MemoryCounters();
        store.Write("c1", new Counter(10, [], null));
        store.BeforeSave.Enqueue(() => store.Write("c1", new Counter(3, ["rival"], null)));

        var ran = await Run(new(store, maxAttempts: 3), new Add("k1", -5));

        Assert.Equal(("refused", false), (ran.Result, ran.Written));
        Assert.Equal(3L, store.Row("c1").Value);
        Assert.Equal(2, store.Loads);
    }

    [Fact]
    public async Task GivenTheRowKeepsChanging_WhenEveryAttemptLoses_ThenItGivesUpAfterTheBoundWithAConcurrencyError()
    {
        var store = new MemoryCounters();
        for (var i = 0; i < 10; i++) store.BeforeSave.Enqueue(() => store.Write("c1", new Counter(1, [], null)));

        var error = await Assert.ThrowsAsync<AggregateConcurrencyException>(() => Run(new(store, maxAttempts: 4), new Add("k1", 1)));

        Assert.Equal("c1", error.Aggregate);
        Assert.Equal(4, store.Saves);
    }

    [Fact]
    public async Task GivenAnAssumedSliceThatIsCurrent_WhenTheCommandWrites_ThenNothingIsRead()
    {
        var store = new MemoryCounters();
        var first = await Run(new(store, maxAttempts: 3), new Add("k1", 5));

        var second = await Run(new(store, maxAttempts: 3), new Add("k2", 5), assumed: first.Slice);

        Assert.Equal(("applied", 10L), (second.Result, store.Row("c1").Value));
        Assert.Equal(1, store.Loads);
    }

    [Fact]
    public async Task GivenAStaleAssumedSlice_WhenItsDecisionWritesNothing_ThenTheAnswerIsDecidedAgainOnAFreshRead()
    {
        var store = new MemoryCounters();
        var stale = (await Run(new(store, maxAttempts: 3), new Add("k1", 1))).Slice;
        store.Write("c1", new Counter(50, ["k1", "top-up"], null));

        // On the stale copy (value 1) taking 20 would be refused; the current row (50) affords it.
        var ran = await Run(new(store, maxAttempts: 3), new Add("k2", -20), assumed: stale);

        Assert.Equal(("applied", 30L), (ran.Result, store.Row("c1").Value));
    }

    [Fact]
    public async Task GivenAStaleAssumedSlice_WhenItsDecisionWrites_ThenTheTagCheckFailsAndTheCommandIsDecidedOnceOnTheCurrentRow()
    {
        var store = new MemoryCounters();
        var stale = (await Run(new(store, maxAttempts: 3), new Add("k1", 1))).Slice;
        await Run(new(store, maxAttempts: 3), new Add("k2", 1));

        var ran = await Run(new(store, maxAttempts: 3), new Add("k2", 1), assumed: stale);

        Assert.Equal(("already applied", false), (ran.Result, ran.Written));
        Assert.Equal(2L, store.Row("c1").Value);
    }

    [Fact]
    public async Task GivenOneSerializedRunner_WhenManyCommandsRunAtOnce_ThenEachIsAppliedOnceWithoutLosingARace()
    {
        var store = new MemoryCounters();
        var runner = new AggregateRunner<string, Counter, Counter>(store, maxAttempts: 2, serialize: true);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => Run(runner, new Add($"k{i % 25}", 1)))));

        Assert.Equal(25, results.Count(r => r.Result == "applied"));
        Assert.Equal(25L, store.Row("c1").Value);
        Assert.Equal(25, store.Saves);
    }
}

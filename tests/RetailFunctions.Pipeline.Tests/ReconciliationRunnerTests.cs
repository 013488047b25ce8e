using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Pipeline.Settlements;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

public sealed class ReconciliationRunnerTests
{
    private static readonly DateOnly Day1 = new(2026, 11, 20);
    private static readonly DateOnly Day2 = Day1.AddDays(1);

    private static async IAsyncEnumerable<T> Stream<T>(IEnumerable<T> items)
    {
        foreach (var item in items) yield return item;
        await Task.CompletedTask;
    }

    private sealed class Sides : ITillRecordSource, ICapturedPaymentSource, ISettlementStore, IJournalTotalSource, IErpAcknowledgementSource, IStockCountSource
    {
        public List<MatchItem> Captured { get; } = [];
        public List<MatchItem> Settled { get; } = [];
        public List<StockCount> Counts { get; } = [];

        public IAsyncEnumerable<TillRecord> TillRecordsAsync(DateOnly businessDay, CancellationToken cancellationToken) => Stream<TillRecord>([]);
        public IAsyncEnumerable<MatchItem> CapturedPaymentsAsync(DateOnly day, CancellationToken ct) => Stream(Captured.Where(c => c.Day == day).OrderBy(c => c.Key, StringComparer.Ordinal));
        public IAsyncEnumerable<MatchItem> PaymentsAsync(DateOnly day, CancellationToken ct) => Stream(Settled.Where(c => c.Day == day).OrderBy(c => c.Key, StringComparer.Ordinal));
        public IAsyncEnumerable<MatchItem> JournalTotalsAsync(DateOnly day, CancellationToken ct) => Stream<MatchItem>([]);
        public IAsyncEnumerable<MatchItem> AcknowledgementsAsync(DateOnly day, CancellationToken ct) => Stream<MatchItem>([]);
        public IAsyncEnumerable<StockCount> CountsAsync(DateOnly day, CancellationToken ct) => Stream(Counts);
        public Task<int> UpsertAsync(IEnumerable<SettlementLine> lines, CancellationToken ct) => throw new NotSupportedException();
        public IAsyncEnumerable<SettlementLine> LinesAsync(DateOnly day, CancellationToken ct) => Stream<SettlementLine>([]);
    }

    /// <summary>The reconciliation store's contract in memory: reports, differences by run, carried items with their fate.</summary>
    private sealed class MemoryStore : IReconciliationStore
    {
        private readonly Dictionary<DateOnly, ReconciliationReport> _reports = [];
        private readonly SortedDictionary<string, StoredDifference> _differences = new(StringComparer.Ordinal);
        private readonly SortedDictionary<(ReconciliationArea, string), (MatchItem? Item, DateOnly? Cleared, DateOnly? Escalated)> _open = new();

        public Task SaveReportAsync(ReconciliationReport report, CancellationToken ct) { _reports[report.BusinessDay] = report; return Task.CompletedTask; }
        public Task<ReconciliationReport?> GetReportAsync(DateOnly day, CancellationToken ct) => Task.FromResult(_reports.GetValueOrDefault(day));
        public Task<IReadOnlyList<ReconciledDay>> ListReportsAsync(int max, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<ReconciledDay>>([.. _reports.Values.OrderByDescending(r => r.BusinessDay).Take(max)
                .Select(r => new ReconciledDay(r.BusinessDay, r.RunId, r.RanAt))]);

        public Task SaveDifferencesAsync(string runId, IReadOnlyList<ReconciliationDifference> differences, CancellationToken ct)
        {
            foreach (var d in differences) _differences[d.Id] = new StoredDifference(d, runId);
            return Task.CompletedTask;
        }

        public IAsyncEnumerable<StoredDifference> DifferencesAsync(DateOnly day, CancellationToken ct) =>
            Stream(_differences.Values.Where(d => d.Difference.BusinessDay == day).ToList());

        public Task DeleteDifferenceAsync(ReconciliationDifference d, CancellationToken ct) { _differences.Remove(d.Id); return Task.CompletedTask; }

        public IAsyncEnumerable<MatchItem> CarriedAsync(ReconciliationArea area, DateOnly day, CancellationToken ct) =>
            Stream(_open.Where(kv => kv.Key.Item1 == area && kv.Value.Item is { } i && i.Day < day
                    && !(kv.Value.Cleared < day) && !(kv.Value.Escalated < day))
                .Select(kv => kv.Value.Item!).OrderBy(i => i.Key, StringComparer.Ordinal).ToList());

        public Task SaveCarriedAsync(IReadOnlyList<CarriedChange> changes, CancellationToken ct)
        {
            foreach (var c in changes)
            {
                var current = _open.GetValueOrDefault((c.Area, c.Item.Key));
                _open[(c.Area, c.Item.Key)] = c.Outcome switch
                {
                    CarriedOutcome.Carried => current with { Item = c.Item },
                    CarriedOutcome.Cleared => current with { Cleared = c.On },
                    _ => current with { Escalated = c.On },
                };
            }
            return Task.CompletedTask;
        }

        public Task ForgetCarriedFromAsync(ReconciliationArea area, DateOnly day, CancellationToken ct)
        {
            foreach (var (key, value) in _open.Where(kv => kv.Key.Item1 == area).ToList())
            {
                if (value.Item?.Day == day) _open.Remove(key);
                else _open[key] = value with { Cleared = value.Cleared == day ? null : value.Cleared, Escalated = value.Escalated == day ? null : value.Escalated };
            }
            return Task.CompletedTask;
        }
    }

    private sealed class MemoryExceptions : IExceptionStore
    {
        public Dictionary<string, BusinessException> All { get; } = [];
        public int Raised { get; private set; }

        public Task RaiseAsync(BusinessException exception, CancellationToken ct)
        {
            if (All.TryAdd(exception.Id, exception)) Raised++;
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<BusinessException>> ListAsync(string? owner, string? status, int max, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<BusinessException>>(All.Values.ToList());

        public Task<BusinessException?> GetAsync(string owner, string id, CancellationToken ct) => Task.FromResult(All.GetValueOrDefault(id));

        public Task<(BusinessException? Exception, string? Refusal)> TransitionAsync(string owner, string id, string action, string by, string? note, DateTimeOffset at, CancellationToken ct)
        {
            if (!All.TryGetValue(id, out var e)) return Task.FromResult<(BusinessException?, string?)>((null, null));
            var (next, refusal) = ExceptionLifecycle.Apply(e.Status, action);
            if (next is null) return Task.FromResult<(BusinessException?, string?)>((e, refusal));
            All[id] = e with { Status = next, History = [.. e.History ?? [], new ExceptionAudit(at, by, action, note)] };
            return Task.FromResult<(BusinessException?, string?)>((All[id], null));
        }
    }

    private static (ReconciliationRunner Runner, Sides Sides, MemoryStore Store, MemoryExceptions Exceptions) Build(int maxExceptions = 1000, PilotGate? pilot = null)
    {
        var sides = new Sides();
        var store = new MemoryStore();
        var exceptions = new MemoryExceptions();
        var runner = new ReconciliationRunner(new ReconciliationSources(sides, sides, sides, sides, sides, sides), store, exceptions,
            pilot ?? PilotGate.AllOn(TimeProvider.System), new ReconciliationRunOptions(ReconciliationOptions.Default, maxExceptions), TimeProvider.System);
        return (runner, sides, store, exceptions);
    }

    private static MatchItem Capture(string id, decimal amount, DateOnly day, decimal? fee = null) => new(id, "web", "capture", amount, fee, "USD", day);
    private static MatchItem Settle(string id, decimal amount, DateOnly day, decimal fee = 0m) => new(id, "web", "charge", amount, fee, "USD", day, $"stripe:{id}");

    [Fact]
    public async Task GivenPlantedDifferences_WhenTheDayIsRunTwice_ThenTheSameReportAndEachExceptionOnce()
    {
        var (runner, sides, store, exceptions) = Build();
        sides.Captured.AddRange([Capture("p1", 10m, Day1, 0.59m), Capture("p2", 20m, Day1), Capture("p3", 30m, Day1)]);
        sides.Settled.AddRange([Settle("p1", 10m, Day1, 0.69m), Settle("p2", 20m, Day1), Settle("p9", 5m, Day1)]);
        sides.Counts.Add(new StockCount("SKU-1", "STORE-9", 3m, 5m, "count"));

        var first = await runner.RunAsync(Day1, CancellationToken.None);
        var second = await runner.RunAsync(Day1, CancellationToken.None);

        Assert.Equal(4, first.Summary.Differences);
        Assert.Equivalent(first.Summary, second.Summary);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(4, exceptions.Raised);
        Assert.Equal(["reconciliation-count-variance", "reconciliation-fee-mismatch", "reconciliation-missing-transaction", "reconciliation-timing"],
            exceptions.All.Values.Select(e => e.Reason).Order(StringComparer.Ordinal));
        Assert.All(exceptions.All.Values, e => Assert.Equal(ExceptionStatuses.Open, e.Status));
        Assert.Equal("inventory", exceptions.All.Values.Single(e => e.Reason.EndsWith("count-variance")).Owner);
        var report = await store.GetReportAsync(Day1, CancellationToken.None);
        Assert.Equal(second.RunId, report!.RunId);
    }

    [Fact]
    public async Task GivenATimingDifference_WhenThePaymentSettlesTheNextDay_ThenItsExceptionClosesItself()
    {
        var (runner, sides, _, exceptions) = Build();
        sides.Captured.Add(Capture("p1", 10m, Day1));
        await runner.RunAsync(Day1, CancellationToken.None);
        var timing = Assert.Single(exceptions.All.Values);
        Assert.Equal(("reconciliation-timing", ExceptionStatuses.Open), (timing.Reason, timing.Status));

        sides.Settled.Add(Settle("p1", 10m, Day2));
        var next = await runner.RunAsync(Day2, CancellationToken.None);

        Assert.Equal((0L, 1L), (next.Summary.Differences, next.Summary.Cleared));
        var closed = exceptions.All[timing.Id];
        Assert.Equal(ExceptionStatuses.Resolved, closed.Status);
        Assert.Contains("matched on 2026-11-21", closed.History!.Last().Note);
        Assert.Equal(ReconciliationRunner.Actor, closed.History!.Last().By);
    }

    [Fact]
    public async Task GivenADifferenceFixedByALateImport_WhenTheDayIsRunAgain_ThenItIsGoneAndItsExceptionResolved()
    {
        var (runner, sides, store, exceptions) = Build();
        sides.Captured.Add(Capture("p1", 10m, Day1));
        await runner.RunAsync(Day1, CancellationToken.None);

        sides.Settled.Add(Settle("p1", 10m, Day1));
        var again = await runner.RunAsync(Day1, CancellationToken.None);

        Assert.Equal(0, again.Summary.Differences);
        Assert.Empty(await ToList(store.DifferencesAsync(Day1, CancellationToken.None)));
        Assert.Equal(ExceptionStatuses.Resolved, Assert.Single(exceptions.All.Values).Status);
        Assert.Empty(await ToList(store.CarriedAsync(ReconciliationArea.Settlements, Day2, CancellationToken.None)));
    }

    [Fact]
    public async Task GivenAPilotStoreInShadowAndAnotherOff_WhenRun_ThenShadowIsReportedWithoutExceptionsAndOffIsLeftOut()
    {
        var switches = new MemoryPilotStore(PilotFlows.ParseList("store:STORE-8:reconciliation=shadow; store:STORE-9:reconciliation=off"));
        var (runner, sides, store, exceptions) = Build(pilot: new PilotGate(switches, null, PilotOptions.AllOn, TimeProvider.System));
        sides.Counts.AddRange([new StockCount("SKU-1", "STORE-7", 3m, 5m, "count"), new StockCount("SKU-1", "STORE-8", 3m, 5m, "count"),
            new StockCount("SKU-1", "STORE-9", 3m, 5m, "count")]);

        await runner.RunAsync(Day1, CancellationToken.None);

        Assert.Equal(["STORE-7", "STORE-8"], (await ToList(store.DifferencesAsync(Day1, CancellationToken.None))).Select(d => d.Difference.Store).Order());
        Assert.Equal("STORE-7", Assert.Single(exceptions.All.Values).BusinessKeys["store"]);
    }

    [Fact]
    public async Task GivenMoreDifferencesThanTheExceptionLimit_WhenRun_ThenTheRestAreCountedInOneException()
    {
        var (runner, sides, store, exceptions) = Build(maxExceptions: 2);
        sides.Settled.AddRange(Enumerable.Range(1, 5).Select(i => Settle($"p{i}", 1m, Day1)));

        var report = await runner.RunAsync(Day1, CancellationToken.None);

        Assert.Equal((2L, 3L), (report.ExceptionsRaised, report.ExceptionsNotRaised));
        Assert.Equal(3, exceptions.All.Count);
        Assert.Contains(exceptions.All.Values, e => e.Reason == "reconciliation-overflow" && e.Detail.StartsWith("3 more"));
        Assert.Equal(5, (await ToList(store.DifferencesAsync(Day1, CancellationToken.None))).Count);
    }

    private static async Task<List<T>> ToList<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }
}

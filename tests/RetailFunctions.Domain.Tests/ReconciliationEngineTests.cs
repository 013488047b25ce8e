using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Domain.Tests;

public sealed class ReconciliationEngineTests
{
    private static readonly DateOnly Day = new(2026, 11, 20);

    private sealed class ListSink : IReconciliationSink
    {
        public List<ReconciliationDifference> Differences { get; } = [];
        public List<CarriedChange> Carried { get; } = [];

        public ValueTask DifferenceAsync(ReconciliationDifference difference, CancellationToken cancellationToken)
        {
            Differences.Add(difference);
            return ValueTask.CompletedTask;
        }

        public ValueTask CarriedAsync(CarriedChange change, CancellationToken cancellationToken)
        {
            Carried.Add(change);
            return ValueTask.CompletedTask;
        }
    }

    private sealed record Day_(
        List<TillRecord>? Tills = null, List<MatchItem>? Captured = null, List<MatchItem>? Settled = null, List<MatchItem>? CarriedPayments = null,
        List<MatchItem>? Journal = null, List<MatchItem>? Acks = null, List<MatchItem>? CarriedPostings = null, List<StockCount>? Counts = null)
    {
        public ReconciliationInputs Inputs() => new(
            Stream(Tills), Stream(Captured), Stream(Settled), Stream(CarriedPayments), Stream(Journal), Stream(Acks), Stream(CarriedPostings), Stream(Counts));
    }

    private static async IAsyncEnumerable<T> Stream<T>(List<T>? items)
    {
        foreach (var item in items ?? []) yield return item;
        await Task.CompletedTask;
    }

    private static async Task<(ReconciliationSummary Summary, ListSink Sink)> Run(Day_ data, DateOnly? day = null, ReconciliationOptions? options = null)
    {
        var sink = new ListSink();
        var summary = await ReconciliationEngine.RunAsync(day ?? Day, data.Inputs(), sink, options ?? ReconciliationOptions.Default, CancellationToken.None);
        return (summary, sink);
    }

    private static TillRecord Sale(string ws, string seq, params (string Tender, decimal Amount)[] tenders) =>
        new($"S1|{ws}|{seq}", "S1", ws, TillRecordKind.Sale, "USD", tenders.Select(t => new TenderAmount(t.Tender, t.Amount)).ToList());

    private static TillRecord Close(string ws, string seq, params (string Tender, decimal Amount)[] tenders) =>
        new($"S1|{ws}|{seq}", "S1", ws, TillRecordKind.TillClose, "USD", tenders.Select(t => new TenderAmount(t.Tender, t.Amount)).ToList());

    private static MatchItem Capture(string id, decimal amount, decimal? fee = null, DateOnly? day = null) =>
        new(id, "web", "capture", amount, fee, "USD", day ?? Day);

    private static MatchItem Settle(string id, decimal amount, decimal fee, string reference, DateOnly? day = null) =>
        new(id, "web", "charge", amount, fee, "USD", day ?? Day, reference);

    [Fact]
    public async Task GivenTillsWhoseCloseMatchesTheirTransactions_WhenReconciled_ThenNoDifference()
    {
        var (summary, sink) = await Run(new Day_(Tills:
        [
            Sale("1", "001", ("Cash", 10m), ("Visa", 5m)),
            Sale("1", "002", ("Cash", 2.5m)),
            Close("1", "003", ("Cash", 12.5m), ("Visa", 5m)),
        ]));

        Assert.Empty(sink.Differences);
        var tills = Assert.Single(summary.Areas);
        Assert.Equal((2, 1, 2), (tills.ActualCount, tills.ExpectedCount, tills.Matched));
    }

    [Fact]
    public async Task GivenATillDeclaringMoreThanWasProcessed_WhenReconciled_ThenAMissingTransactionForThatTender()
    {
        var (_, sink) = await Run(new Day_(Tills: [Sale("1", "001", ("Cash", 10m)), Close("1", "002", ("Cash", 25m))]));

        var difference = Assert.Single(sink.Differences);
        Assert.Equal((DifferenceCause.MissingTransaction, 15m, "1|Cash", "finance"), (difference.Cause, difference.Amount, difference.Key, difference.Owner));
    }

    [Fact]
    public async Task GivenATillDeclaringLessThanWasProcessed_WhenReconciled_ThenAnAmountMismatch()
    {
        var (_, sink) = await Run(new Day_(Tills: [Sale("1", "001", ("Cash", 10m)), Close("1", "002", ("Cash", 8m))]));

        Assert.Equal(DifferenceCause.AmountMismatch, Assert.Single(sink.Differences).Cause);
    }

    [Fact]
    public async Task GivenAReceiptUploadedTwice_WhenReconciled_ThenItCountsOnce()
    {
        var (summary, sink) = await Run(new Day_(Tills:
            [Sale("1", "001", ("Cash", 10m)), Sale("1", "001", ("Cash", 10m)), Close("1", "002", ("Cash", 10m))]));

        Assert.Empty(sink.Differences);
        Assert.Equal(1, summary.DuplicateTillRecordsIgnored);
    }

    [Fact]
    public async Task GivenATillThatNeverClosed_WhenReconciled_ThenItIsListedAndNotADifference()
    {
        var (summary, sink) = await Run(new Day_(Tills: [Sale("7", "001", ("Cash", 10m))]));

        Assert.Empty(sink.Differences);
        Assert.Equal(["S1/7"], summary.TillsWithoutClose);
    }

    [Fact]
    public async Task GivenCapturesAndTheirSettlements_WhenTheyAgree_ThenNoDifference()
    {
        var (summary, sink) = await Run(new Day_(
            Captured: [Capture("p1", 100m, 3.2m), Capture("p2", -20m)],
            Settled: [Settle("p1", 100m, 3.2m, "bt1"), Settle("p2", -20m, 0m, "bt2")]));

        Assert.Empty(sink.Differences);
        Assert.Equal(2, Assert.Single(summary.Areas).Matched);
    }

    [Fact]
    public async Task GivenASettlementWithAnotherFee_WhenReconciled_ThenAFeeMismatchOfTheDifference()
    {
        var (_, sink) = await Run(new Day_(Captured: [Capture("p1", 100m, 3.2m)], Settled: [Settle("p1", 100m, 3.5m, "bt1")]));

        var difference = Assert.Single(sink.Differences);
        Assert.Equal((DifferenceCause.FeeMismatch, 0.3m), (difference.Cause, difference.Amount));
    }

    [Fact]
    public async Task GivenACaptureWithoutAKnownFee_WhenSettledWithAFee_ThenTheFeeIsNotADifference()
    {
        var (_, sink) = await Run(new Day_(Captured: [Capture("p1", 100m)], Settled: [Settle("p1", 100m, 3.5m, "bt1")]));

        Assert.Empty(sink.Differences);
    }

    [Fact]
    public async Task GivenASettlementOfAnotherAmount_WhenReconciled_ThenAnAmountMismatch()
    {
        var (_, sink) = await Run(new Day_(Captured: [Capture("p1", 100m)], Settled: [Settle("p1", 90m, 0m, "bt1")]));

        var difference = Assert.Single(sink.Differences);
        Assert.Equal((DifferenceCause.AmountMismatch, -10m), (difference.Cause, difference.Amount));
    }

    [Fact]
    public async Task GivenAPaymentSettledTwice_WhenReconciled_ThenADuplicate()
    {
        var (_, sink) = await Run(new Day_(Captured: [Capture("p1", 100m)], Settled: [Settle("p1", 100m, 0m, "bt1"), Settle("p1", 100m, 0m, "bt9")]));

        var difference = Assert.Single(sink.Differences);
        Assert.Equal((DifferenceCause.Duplicate, "p1|bt9"), (difference.Cause, difference.Key));
    }

    [Fact]
    public async Task GivenASettlementWithoutACapture_WhenReconciled_ThenAMissingTransaction()
    {
        var (_, sink) = await Run(new Day_(Settled: [Settle("p9", 40m, 1m, "bt1")]));

        Assert.Equal(DifferenceCause.MissingTransaction, Assert.Single(sink.Differences).Cause);
    }

    [Fact]
    public async Task GivenACaptureNotSettledYet_WhenReconciled_ThenATimingDifferenceCarriedForward()
    {
        var (_, sink) = await Run(new Day_(Captured: [Capture("p1", 100m)]));

        Assert.Equal(DifferenceCause.Timing, Assert.Single(sink.Differences).Cause);
        var carried = Assert.Single(sink.Carried);
        Assert.Equal((CarriedOutcome.Carried, "p1"), (carried.Outcome, carried.Item.Key));
    }

    [Fact]
    public async Task GivenYesterdaysTimingDifference_WhenItSettlesToday_ThenItClearsAndTodayHasNoDifference()
    {
        var yesterday = Day.AddDays(-1);
        var (summary, sink) = await Run(new Day_(CarriedPayments: [Capture("p1", 100m, day: yesterday)], Settled: [Settle("p1", 100m, 0m, "bt1")]));

        Assert.Empty(sink.Differences);
        var cleared = Assert.Single(sink.Carried);
        Assert.Equal((CarriedOutcome.Cleared, yesterday), (cleared.Outcome, cleared.Item.Day));
        Assert.Equal(1, summary.Cleared);
    }

    [Fact]
    public async Task GivenATimingDifferenceOlderThanTheLag_WhenStillUnsettled_ThenEscalatedToMissing()
    {
        var old = Day.AddDays(-3);
        var (summary, sink) = await Run(new Day_(CarriedPayments: [Capture("p1", 100m, day: old)]), options: new ReconciliationOptions(SettlementLagDays: 3));

        var difference = Assert.Single(sink.Differences);
        Assert.Equal((DifferenceCause.MissingTransaction, old), (difference.Cause, difference.OriginDay));
        Assert.Equal(CarriedOutcome.Escalated, Assert.Single(sink.Carried).Outcome);
        Assert.Equal(1, summary.Escalated);
    }

    [Fact]
    public async Task GivenATimingDifferenceWithinTheLag_WhenStillUnsettled_ThenItStaysOpenWithoutANewDifference()
    {
        var (summary, sink) = await Run(new Day_(CarriedPayments: [Capture("p1", 100m, day: Day.AddDays(-1))]));

        Assert.Empty(sink.Differences);
        Assert.Empty(sink.Carried);
        Assert.Equal(1, summary.StillOpen);
    }

    [Fact]
    public async Task GivenARejectedPosting_WhenReconciled_ThenPostingRejectedWithTheErpReason()
    {
        var (_, sink) = await Run(new Day_(
            Journal: [new MatchItem("je-1", "S1", "entry", 250m, null, "USD", Day)],
            Acks: [new MatchItem("je-1", "S1", "ack", 250m, null, "USD", Day, "ERP-9", MatchStatuses.Rejected, "period closed")]));

        var difference = Assert.Single(sink.Differences);
        Assert.Equal(DifferenceCause.PostingRejected, difference.Cause);
        Assert.Contains("period closed", difference.Detail);
    }

    [Fact]
    public async Task GivenAnAcknowledgementWithoutAnEntry_WhenReconciled_ThenAMissingTransaction()
    {
        var (_, sink) = await Run(new Day_(Acks: [new MatchItem("je-7", "S1", "ack", 10m, null, "USD", Day, "ERP-1", MatchStatuses.Accepted)]));

        Assert.Equal((ReconciliationArea.Postings, DifferenceCause.MissingTransaction), (Assert.Single(sink.Differences).Area, sink.Differences[0].Cause));
    }

    [Fact]
    public async Task GivenACountThatDiffersFromTheLedger_WhenReconciled_ThenACountVarianceForInventory()
    {
        var (_, sink) = await Run(new Day_(Counts: [new StockCount("SKU-1", "STORE-9", 7m, 9m, "count-1"), new StockCount("SKU-2", "STORE-9", 4m, 4m, "count-2")]));

        var difference = Assert.Single(sink.Differences);
        Assert.Equal((DifferenceCause.CountVariance, -2m, "inventory", "units"), (difference.Cause, difference.Amount, difference.Owner, difference.Unit));
    }

    [Fact]
    public async Task GivenAStreamOutOfOrder_WhenReconciled_ThenTheRunStopsNamingTheStream()
    {
        var error = await Assert.ThrowsAsync<UnsortedStreamException>(() => Run(new Day_(Settled: [Settle("p2", 1m, 0m, "a"), Settle("p1", 1m, 0m, "b")])));

        Assert.Equal("settlements", error.Stream);
    }

    [Fact]
    public async Task GivenADayWithPlantedDifferences_WhenReconciledTwice_ThenExactlyThoseAreFoundBothTimes()
    {
        var data = new Day_(
            Tills: [Sale("1", "001", ("Cash", 10m)), Sale("1", "002", ("Visa", 30m)), Close("1", "003", ("Cash", 10m), ("Visa", 45m))],
            Captured: [Capture("p1", 50m, 1.75m), Capture("p2", 20m, 0.88m), Capture("p3", 75m), Capture("p4", -15m)],
            Settled: [Settle("p1", 50m, 1.75m, "bt1"), Settle("p2", 20m, 0.99m, "bt2"), Settle("p4", -15m, 0m, "bt4"), Settle("p4", -15m, 0m, "bt5")],
            Journal: [new MatchItem("je-1", "S1", "entry", 10m, null, "USD", Day), new MatchItem("je-2", "S1", "entry", 30m, null, "USD", Day)],
            Acks: [new MatchItem("je-1", "S1", "ack", 10m, null, "USD", Day, "D1", MatchStatuses.Accepted),
                new MatchItem("je-2", "S1", "ack", 30m, null, "USD", Day, "D2", MatchStatuses.Rejected, "unknown account")],
            Counts: [new StockCount("SKU-1", "S1", 5m, 6m, "c1")]);

        var first = await Run(data);
        var second = await Run(data);

        string[] planted =
        [
            "20261120:tills:missing-transaction:S1:1|Visa",
            "20261120:settlements:fee-mismatch:web:p2",
            "20261120:settlements:timing:web:p3",
            "20261120:settlements:duplicate:web:p4|bt5",
            "20261120:postings:posting-rejected:S1:je-2",
            "20261120:stock:count-variance:S1:SKU-1",
        ];
        Assert.Equal(planted.Order(StringComparer.Ordinal), first.Sink.Differences.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal(first.Sink.Differences, second.Sink.Differences);
        Assert.Equivalent(first.Summary, second.Summary);
    }
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Till vs journal: per store and business day, what the receipts came to against what the journal booked for them.
/// The corpus's stores sit in New York, Amsterdam and Tokyo; their receipts are journalled in reverse order, and each
/// lands on its till's business day whatever the UTC date of its end time.
/// </summary>
public sealed class TillJournalReconciliationTests
{
    private static readonly DateOnly Nov20 = new(2026, 11, 20);

    [Fact]
    public async Task GivenEveryReceiptJournalledOutOfOrder_WhenTheDayIsReconciled_ThenTillsAndJournalAgreeForEveryStore()
    {
        var receipts = Corpus();
        var journal = JournalOf(Enumerable.Reverse(receipts));

        var (summary, differences) = await Reconcile(Nov20, receipts, journal);

        Assert.DoesNotContain(differences, d => d.Area == ReconciliationArea.TillJournal);
        var areas = summary.Areas.Where(a => a.Area == ReconciliationArea.TillJournal).ToList();
        Assert.Equal(["101", "201", "301"], areas.Select(a => a.Store));
        Assert.Equal(areas.Select(a => a.ExpectedTotal), areas.Select(a => a.ActualTotal));
        Assert.Equal(22.29m + 29.70m - 4.32m - 10.79m + 5.40m + 3.77m + 40.00m, areas.Single(a => a.Store == "101").ExpectedTotal);
    }

    [Fact]
    public void GivenAReturnAtNineThirtyInNewYork_WhenReconciled_ThenItBelongsToThatBusinessDayNotTheUtcDate()
    {
        var ret = Corpus().Single(t => t.Receipt.SequenceNumber == "7001");

        Assert.Equal(new DateOnly(2026, 11, 21), DateOnly.FromDateTime(ret.EndDateTime!.Value.UtcDateTime));
        var entry = JournalOf([ret]).Single();
        Assert.Equal(Nov20, entry.BusinessDay);
    }

    [Fact]
    public async Task GivenOneReceiptNeverJournalledAndOneBookedTwice_WhenReconciled_ThenExactlyThosePlantedDifferencesAreFound()
    {
        var receipts = Corpus();
        var missing = receipts.Single(t => t.Receipt.SequenceNumber == "5002");
        var journal = JournalOf(receipts.Where(t => t != missing)).ToList();
        var eu = journal.First(e => e.Store == "201");
        journal.Add(eu with { EntryId = eu.EntryId + "-again" });

        var (_, differences) = await Reconcile(Nov20, receipts, journal);

        var found = differences.Where(d => d.Area == ReconciliationArea.TillJournal).OrderBy(d => d.Store).ToList();
        Assert.Equal(2, found.Count);
        Assert.Equal(("101", DifferenceCause.MissingTransaction, 29.70m), (found[0].Store, found[0].Cause, found[0].Amount));
        Assert.Equal(("201", DifferenceCause.AmountMismatch, -TillReceipts.Takings(eu)), (found[1].Store, found[1].Cause, found[1].Amount));
        Assert.Contains("not journalled", found[0].Detail);
    }

    private static List<PosTransaction> Corpus() =>
        [.. TillCorpus.Consistent.SelectMany(f =>
        {
            using var stream = File.OpenRead(TillCorpus.PathOf(f));
            return PosLogReader.Read(stream).OfType<PosParseResult.Parsed>().Select(p => p.Transaction).ToList();
        })];

    private static IEnumerable<JournalEntry> JournalOf(IEnumerable<PosTransaction> receipts) =>
        receipts.Where(TillReceipts.MovesMoney)
            .SelectMany(t => TillReceipts.Facts(TillReceipts.Reckon(t), t.Receipt.StoreId, t.Receipt.BusinessDay, t.EndDateTime ?? DateTimeOffset.UnixEpoch))
            .Select(f => Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(f, ChartOfAccounts.Default)).Entry);

    private static async Task<(ReconciliationSummary, List<ReconciliationDifference>)> Reconcile(
        DateOnly day, IEnumerable<PosTransaction> receipts, IEnumerable<JournalEntry> journal)
    {
        var tills = receipts.Where(t => t.Receipt.BusinessDay == day)
            .Select(t => TillRecords.From(t, t.Receipt.StoreId)).OfType<TillRecord>().OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        var takings = journal.Where(e => e.BusinessDay == day && TillReceipts.IsReceiptEntry(e.Source))
            .Select(e => new MatchItem(e.EntryId, e.Store, e.Source, TillReceipts.Takings(e), null, e.Currency, e.BusinessDay)).ToList();
        var sink = new Sink();
        var inputs = new ReconciliationInputs(Stream(tills), Stream<MatchItem>([]), Stream<MatchItem>([]), Stream<MatchItem>([]), Stream<MatchItem>([]),
            Stream<MatchItem>([]), Stream<MatchItem>([]), Stream<StockCount>([]), Stream(takings));
        var summary = await ReconciliationEngine.RunAsync(day, inputs, sink, ReconciliationOptions.Default, CancellationToken.None);
        return (summary, sink.Differences);
    }

    private static async IAsyncEnumerable<T> Stream<T>(List<T> items)
    {
        foreach (var item in items) yield return item;
        await Task.CompletedTask;
    }

    private sealed class Sink : IReconciliationSink
    {
        public List<ReconciliationDifference> Differences { get; } = [];

        public ValueTask DifferenceAsync(ReconciliationDifference difference, CancellationToken cancellationToken)
        {
            Differences.Add(difference);
            return ValueTask.CompletedTask;
        }

        public ValueTask CarriedAsync(CarriedChange change, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

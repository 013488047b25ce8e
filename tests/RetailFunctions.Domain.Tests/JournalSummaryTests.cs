using RetailFunctions.Domain.Finance;
using static RetailFunctions.Domain.Finance.FinancialFact;

namespace RetailFunctions.Domain.Tests;

/// <summary>The summarised posting mode: one balanced entry per store, business day and currency, one line per account and channel.</summary>
public sealed class JournalSummaryTests
{
    private static readonly DateOnly Day = new(2026, 11, 20);
    private static readonly DateTimeOffset At = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static JournalEntry Entry(FinancialFact fact) => ((JournalDecision.Post)JournalBuilder.Build(fact, ChartOfAccounts.Default)).Entry;

    [Fact]
    public void GivenADayOfSalesAndReturns_WhenSummarised_ThenOneBalancedEntryWithOneLinePerAccountAndChannel()
    {
        var entries = new[]
        {
            Entry(new Sale("s1", "STORE-1", "pos", Day, "EUR", At, null, [new SaleLine(10m, 0m, 2m)], [new Tender("cash", 12m)])),
            Entry(new Sale("s2", "STORE-1", "pos", Day, "EUR", At, null, [new SaleLine(20m, 1m, 3.80m)], [new Tender("visa", 22.80m)])),
            Entry(new Sale("s3", "STORE-1", "web", Day, "EUR", At, null, [new SaleLine(5m, 0m, 1m)], [new Tender("visa", 6m)])),
            Entry(new Return("r1", "STORE-1", "pos", Day, "EUR", At, null, [new SaleLine(10m, 0m, 2m)], [new Tender("cash", 12m)])),
            Entry(new Sale("other-day", "STORE-1", "pos", Day.AddDays(1), "EUR", At, null, [new SaleLine(99m, 0m, 0m)], [new Tender("cash", 99m)])),
            Entry(new Sale("other-currency", "STORE-1", "pos", Day, "USD", At, null, [new SaleLine(99m, 0m, 0m)], [new Tender("cash", 99m)])),
        };

        var summary = JournalSummary.Build(JournalIds.ForSummary("STORE-1", Day, "EUR", 1), "STORE-1", Day, "EUR", entries)!;

        Assert.True(summary.IsBalanced);
        Assert.Equal("summary", summary.Source);
        Assert.Equal("JS-20261120-STORE-1-EUR-1", summary.EntryId);
        Assert.Equal(summary.Lines.Count, summary.Lines.Select(l => (l.Account, l.Channel)).Distinct().Count());
        Assert.Equal(30m, summary.Lines.Single(l => l.Account == "4010" && l.Channel == "pos").Credit);
        Assert.Equal(5m, summary.Lines.Single(l => l.Account == "4020" && l.Channel == "web").Credit);
        Assert.Equal(10m, summary.Lines.Single(l => l.Account == "4200").Debit);
        Assert.DoesNotContain(summary.Lines, l => l.Account == "1110"); // cash in and out the same day nets to nothing
        Assert.Equal(28.80m, summary.Lines.Where(l => l.Account == "1120").Sum(l => l.Debit));
        Assert.Equal("mixed", summary.Channel);
    }

    [Fact]
    public void GivenNoEntriesForTheDay_WhenSummarised_ThenNoSummary() =>
        Assert.Null(JournalSummary.Build("JS-x", "STORE-1", Day, "EUR", []));
}

using RetailFunctions.Domain.Finance;
using RetailFunctions.Pipeline.Finance;
using static RetailFunctions.Domain.Finance.FinancialFact;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Financial facts as JSON: the kind names the record, every kind round-trips, a bad body is refused naming why.</summary>
public sealed class JournalFactJsonTests
{
    private static readonly DateOnly Day = new(2026, 11, 20);
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<FinancialFact> EveryKind() => new()
    {
        new Sale("s", "STORE-1", "pos", Day, "EUR", At, "r", [new SaleLine(10m, 1m, 1.8m, "VAT20")], [new Tender("cash", 10.8m)]),
        new Return("r", "STORE-1", "pos", Day, "EUR", At, null, [new SaleLine(10m, 1m, 1.8m)], [new Tender("store-credit", 10.8m)]),
        new Refund("f", "WEB", "web", Day, "USD", At, null, 5m, 0.4m, [new Tender("visa", 5.4m)], "goodwill"),
        new GiftCardSold("g", "STORE-1", "pos", Day, "EUR", At, null, 25m, [new Tender("visa", 25m)]),
        new Chargeback("c", "WEB", "web", Day, "USD", At, null, "visa", 30m, 15m, "fraud"),
        new ChargebackReversed("cr", "WEB", "web", Day, "USD", At, null, "visa", 30m),
        new ProcessorFee("p", "WEB", "web", Day, "USD", At, null, "visa", 0.59m),
        new Payout("po", "WEB", "web", Day, "USD", At, null, "shopify-payments", 100m, 3m),
        new CashCount("cc", "STORE-1", "pos", Day, "EUR", At, null, 100m, 99.95m),
    };

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void GivenAnyFact_WhenWrittenAndReadAsJson_ThenTheSameFactWithItsKind(FinancialFact fact)
    {
        var json = FinanceJson.Serialize(fact);

        Assert.Contains($"\"kind\":\"{fact.Kind}\"", json);
        var (read, error) = FinanceJson.Read(json);
        Assert.Null(error);
        Assert.Equal(fact.GetType(), read!.GetType());
        Assert.Equal(FinanceJson.Serialize(read), json);
        Assert.Equal(JournalBuilder.Build(fact, ChartOfAccounts.Default), JournalBuilder.Build(read, ChartOfAccounts.Default), new DecisionComparer());
    }

    [Fact]
    public void GivenAnUnknownKind_WhenRead_ThenAnErrorListingTheKinds()
    {
        var (fact, error) = FinanceJson.Read("""{"kind":"barter","factId":"x"}""");
        Assert.Null(fact);
        Assert.Contains("sale", error);
    }

    [Fact]
    public void GivenASaleWithoutTenders_WhenReadAndJournalled_ThenRefusedNotCrashed()
    {
        var (fact, _) = FinanceJson.Read("""{"kind":"sale","factId":"x","store":"S","channel":"pos","businessDay":"2026-11-20","currency":"EUR","lines":[]}""");
        var refuse = Assert.IsType<JournalDecision.Refuse>(JournalBuilder.Build(fact!, ChartOfAccounts.Default));
        Assert.Contains("tenders", refuse.Reason);
    }

    private sealed class DecisionComparer : IEqualityComparer<JournalDecision>
    {
        public bool Equals(JournalDecision? x, JournalDecision? y) => (x, y) switch
        {
            (JournalDecision.Post a, JournalDecision.Post b) => a.Entry.EntryId == b.Entry.EntryId && a.Entry.Lines.SequenceEqual(b.Entry.Lines),
            _ => Equals(x, y),
        };

        public int GetHashCode(JournalDecision obj) => 0;
    }
}

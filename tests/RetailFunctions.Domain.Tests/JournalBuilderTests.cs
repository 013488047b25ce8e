using RetailFunctions.Domain.Finance;
using static RetailFunctions.Domain.Finance.FinancialFact;

namespace RetailFunctions.Domain.Tests;

/// <summary>Every money movement becomes a balanced entry, to the cent per currency, dated by business day.</summary>
public sealed class JournalBuilderTests
{
    private static readonly DateOnly Day = new(2026, 11, 20);
    private static readonly DateTimeOffset At = new(2026, 11, 20, 15, 30, 0, TimeSpan.Zero);
    private static readonly ChartOfAccounts Chart = ChartOfAccounts.Default;

    private static Sale CashSale(string id = "pos:S1-T1-20261120-0001:sale", string channel = "pos", string currency = "EUR") => new(
        id, "STORE-1", channel, Day, currency, At, "S1-T1-20261120-0001",
        [new SaleLine(20.00m, 2.00m, 3.60m, "VAT20"), new SaleLine(10.00m, 0m, 1.00m, "VAT10")],
        [new Tender("cash", 40.00m), new Tender("cash", -7.40m)]);

    public static TheoryData<FinancialFact> EveryKind() => new()
    {
        CashSale(),
        new Sale("web:1001:sale", "WEB", "web", Day, "USD", At, "#1001",
            [new SaleLine(59.99m, 5.00m, 4.40m)], [new Tender("shopify-payments", 49.39m), new Tender("gift-card", 10.00m)]),
        new Return("pos:S1-T1-20261120-0002:return", "STORE-1", "pos", Day, "EUR", At, null,
            [new SaleLine(20.00m, 2.00m, 3.60m, "VAT20")], [new Tender("store-credit", 21.60m)]),
        new Refund("web:1001:refund:1", "WEB", "web", Day, "USD", At, "#1001", 8.00m, 0.64m, [new Tender("shopify-payments", 8.64m)], "late delivery"),
        new GiftCardSold("pos:S1-T1-20261120-0003:gift", "STORE-1", "pos", Day, "EUR", At, null, 50m, [new Tender("visa", 50m)]),
        new Chargeback("stripe:dp_1", "WEB", "web", Day, "USD", At, "ch_1", "visa", 49.39m, 15.00m, "fraudulent"),
        new ChargebackReversed("stripe:dp_1:won", "WEB", "web", Day, "USD", At, "ch_1", "visa", 49.39m),
        new ProcessorFee("stripe:txn_1:fee", "WEB", "web", Day, "USD", At, "txn_1", "visa", 1.73m),
        new Payout("shopify:po_1", "WEB", "web", Day, "USD", At, "po_1", "shopify-payments", 980.12m, 19.88m),
        new CashCount("pos:S1-T1-20261120:close", "STORE-1", "pos", Day, "EUR", At, null, 532.60m, 530.10m),
        new Sale("pos:S7-T1-20261120-0009:sale", "STORE-7", "pos", Day, "JPY", At, null, [new SaleLine(1980m, 0m, 198m)], [new Tender("cash", 2178m)]),
        new Sale("pos:S8-T1-20261120-0009:sale", "STORE-8", "pos", Day, "KWD", At, null, [new SaleLine(12.125m, 0m, 0.606m)], [new Tender("cash", 12.731m)]),
    };

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void GivenAnyFactKind_WhenJournalled_ThenTheEntryBalancesToTheMinorUnitPerCurrency(FinancialFact fact)
    {
        var entry = Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(fact, Chart)).Entry;

        Assert.True(entry.IsBalanced, string.Join("; ", entry.Lines));
        Assert.All(entry.Lines, l =>
        {
            Assert.True(l.Debit >= 0m && l.Credit >= 0m && (l.Debit == 0m) != (l.Credit == 0m), $"line {l.LineNo} has one positive side");
            Assert.Equal(Currencies.Round(l.Debit + l.Credit, fact.Currency), l.Debit + l.Credit);
            Assert.Equal(fact.Currency, l.Currency);
            Assert.Equal(fact.Store, l.Store);
        });
        Assert.Equal(fact.BusinessDay, entry.BusinessDay);
        Assert.Equal(fact.Kind, entry.Source);
        Assert.DoesNotContain(entry.Lines, l => l.Role == AccountRoles.Rounding);
    }

    [Fact]
    public void GivenACashSaleWithChange_WhenJournalled_ThenRevenueDiscountTaxAndCashClearingAreSeparateLines()
    {
        var entry = ((JournalDecision.Post)JournalBuilder.Build(CashSale(), Chart)).Entry;

        Assert.Equal(30.00m, Credit(entry, "4010"));      // revenue, pos channel, gross of discount
        Assert.Equal(2.00m, Debit(entry, "4100"));        // discounts
        Assert.Equal(4.60m, Credit(entry, "2200"));       // tax payable (two codes, one account)
        Assert.Equal(32.60m, Debit(entry, "1110"));       // cash clearing: 40 tendered, 7.40 change
        Assert.Equal(2, entry.Lines.Count(l => l.Account == "2200"));
        Assert.Contains(entry.Lines, l => l.Role == "TaxPayable:vat20" && l.Credit == 3.60m);
    }

    [Fact]
    public void GivenTheSameSaleOnDifferentChannels_WhenJournalled_ThenRevenueGoesToEachChannelsAccount()
    {
        var pos = ((JournalDecision.Post)JournalBuilder.Build(CashSale(channel: "pos"), Chart)).Entry;
        var web = ((JournalDecision.Post)JournalBuilder.Build(CashSale(id: "web:x", channel: "web"), Chart)).Entry;
        var kiosk = ((JournalDecision.Post)JournalBuilder.Build(CashSale(id: "kiosk:x", channel: "kiosk"), Chart)).Entry;

        Assert.Equal(30.00m, Credit(pos, "4010"));
        Assert.Equal(30.00m, Credit(web, "4020"));
        Assert.Equal(30.00m, Credit(kiosk, "4000"));      // an unmapped channel falls back to the role's account
        Assert.All(web.Lines, l => Assert.Equal("web", l.Channel));
    }

    [Fact]
    public void GivenTaxComputedToFractionsOfACent_WhenJournalled_ThenTheDifferenceIsAnExplicitRoundingLine()
    {
        // A third of 10.00 with 19% tax: the till charges the rounded total, 3.97, on exact amounts no cent can hold.
        var sale = new Sale("pos:S1-T2-20261120-0100:sale", "STORE-1", "pos", Day, "EUR", At, null,
            [new SaleLine(3.333m, 0m, 0.6333m)], [new Tender("visa", 3.97m)]);

        var entry = ((JournalDecision.Post)JournalBuilder.Build(sale, Chart)).Entry;

        Assert.True(entry.IsBalanced);
        var rounding = Assert.Single(entry.Lines, l => l.Role == AccountRoles.Rounding);
        Assert.Equal("6900", rounding.Account);
        Assert.Equal(0.01m, rounding.Credit);
        Assert.Equal("rounding to the minor unit", rounding.Memo);
        Assert.Equal(3.33m, Credit(entry, "4010"));
        Assert.Equal(0.63m, Credit(entry, "2200"));
        Assert.Equal(3.97m, Debit(entry, "1120"));
    }

    [Fact]
    public void GivenACashRoundedTill_WhenTheCustomerPaysTheRoundedTotal_ThenCashRoundingIsALineNotALoss()
    {
        // Total 9.98; the till rounds cash to 0.05 and takes 10.00.
        var sale = new Sale("pos:S9-T1-20261120-0001:sale", "STORE-9", "pos", Day, "CHF", At, null,
            [new SaleLine(9.24m, 0m, 0.74m)], [new Tender("cash", 10.00m)]);

        var entry = ((JournalDecision.Post)JournalBuilder.Build(sale, Chart)).Entry;

        Assert.True(entry.IsBalanced);
        var rounding = Assert.Single(entry.Lines, l => l.Role == AccountRoles.Rounding);
        Assert.Equal(0.02m, rounding.Credit);
        Assert.Equal("cash rounding", rounding.Memo);
    }

    [Fact]
    public void GivenTendersThatDoNotCoverTheTotal_WhenJournalled_ThenRefusedWithTheDifference()
    {
        var sale = CashSale() with { Tenders = [new Tender("cash", 30.00m)] };

        var refuse = Assert.IsType<JournalDecision.Refuse>(JournalBuilder.Build(sale, Chart));

        Assert.Contains("does not balance", refuse.Reason);
        Assert.Contains("2.60", refuse.Reason);
    }

    [Fact]
    public void GivenAToleranceOfNothing_WhenASaleIsACentOff_ThenRefused()
    {
        var sale = CashSale() with { Tenders = [new Tender("cash", 32.61m)] };

        Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(sale, Chart));
        Assert.IsType<JournalDecision.Refuse>(JournalBuilder.Build(sale, Chart, new JournalRules(RoundingToleranceMinorUnits: 0)));
    }

    [Fact]
    public void GivenAnOfflineStoreUploadingDaysLater_WhenJournalled_ThenTheEntryIsDatedByTheTillsBusinessDay()
    {
        var arrival = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
        var sale = CashSale() with { OccurredAt = arrival };

        var entry = ((JournalDecision.Post)JournalBuilder.Build(sale, Chart)).Entry;

        Assert.Equal(new DateOnly(2026, 11, 20), entry.BusinessDay);
        Assert.StartsWith("JE-20261120-", entry.EntryId);
    }

    [Fact]
    public void GivenTheSameFactTwice_WhenJournalled_ThenTheSameEntryIdAndLines()
    {
        var first = ((JournalDecision.Post)JournalBuilder.Build(CashSale(), Chart)).Entry;
        var again = ((JournalDecision.Post)JournalBuilder.Build(CashSale() with { OccurredAt = At.AddHours(5) }, Chart)).Entry;
        var other = ((JournalDecision.Post)JournalBuilder.Build(CashSale(id: "pos:S1-T1-20261120-0002:sale"), Chart)).Entry;

        Assert.Equal(first.EntryId, again.EntryId);
        Assert.Equal(first.Lines, again.Lines);
        Assert.NotEqual(first.EntryId, other.EntryId);
    }

    [Fact]
    public void GivenAReturnToStoreCredit_WhenJournalled_ThenTheCreditIsALiabilityAndTaxIsGivenBack()
    {
        var ret = new Return("pos:S1-T1-20261120-0002:return", "STORE-1", "pos", Day, "EUR", At, null,
            [new SaleLine(20.00m, 2.00m, 3.60m)], [new Tender("store-credit", 21.60m)]);

        var entry = ((JournalDecision.Post)JournalBuilder.Build(ret, Chart)).Entry;

        Assert.Equal(20.00m, Debit(entry, "4200"));
        Assert.Equal(2.00m, Credit(entry, "4100"));
        Assert.Equal(3.60m, Debit(entry, "2200"));
        Assert.Equal(21.60m, Credit(entry, "2310"));
    }

    [Fact]
    public void GivenAGiftCardSoldThenRedeemed_WhenJournalled_ThenTheLiabilityRisesAndFallsAndRevenueIsOnlyTheSale()
    {
        var sold = ((JournalDecision.Post)JournalBuilder.Build(
            new GiftCardSold("g1", "STORE-1", "pos", Day, "EUR", At, null, 50m, [new Tender("visa", 50m)]), Chart)).Entry;
        var redeemed = ((JournalDecision.Post)JournalBuilder.Build(
            new Sale("s1", "STORE-1", "pos", Day, "EUR", At, null, [new SaleLine(50m, 0m, 0m)], [new Tender("gift-card", 50m)]), Chart)).Entry;

        Assert.Equal(50m, Credit(sold, "2300"));
        Assert.Equal(0m, Credit(sold, "4010"));
        Assert.Equal(50m, Debit(sold, "1120"));
        Assert.Equal(50m, Debit(redeemed, "2300"));
        Assert.Equal(50m, Credit(redeemed, "4010"));
    }

    [Fact]
    public void GivenAChargebackAndItsReversal_WhenJournalled_ThenClearingLosesAmountAndFeeAndRegainsTheAmount()
    {
        var lost = ((JournalDecision.Post)JournalBuilder.Build(new Chargeback("c1", "WEB", "web", Day, "USD", At, null, "visa", 49.39m, 15m, null), Chart)).Entry;
        var won = ((JournalDecision.Post)JournalBuilder.Build(new ChargebackReversed("c1:won", "WEB", "web", Day, "USD", At, null, "visa", 49.39m), Chart)).Entry;

        Assert.Equal(64.39m, Credit(lost, "1120"));
        Assert.Equal(49.39m, Debit(lost, "6120"));
        Assert.Equal(15.00m, Debit(lost, "6110"));
        Assert.Equal(49.39m, Debit(won, "1120"));
        Assert.Equal(49.39m, Credit(won, "6120"));
    }

    [Fact]
    public void GivenAPayoutNetOfFees_WhenJournalled_ThenTheBankGetsTheNetAndFeesAreExpensed()
    {
        var entry = ((JournalDecision.Post)JournalBuilder.Build(
            new Payout("p1", "WEB", "web", Day, "USD", At, "po_1", "shopify-payments", 980.12m, 19.88m), Chart)).Entry;

        Assert.Equal(980.12m, Debit(entry, "1000"));
        Assert.Equal(19.88m, Debit(entry, "6100"));
        Assert.Equal(1000.00m, Credit(entry, "1140"));
    }

    [Theory]
    [InlineData(532.60, 530.10, 2.50, false)]
    [InlineData(532.60, 533.00, 0.40, true)]
    public void GivenACashCount_WhenItDiffersFromExpected_ThenOverOrShortIsBooked(decimal expected, decimal counted, decimal difference, bool over)
    {
        var entry = ((JournalDecision.Post)JournalBuilder.Build(
            new CashCount("close", "STORE-1", "pos", Day, "EUR", At, null, expected, counted), Chart)).Entry;

        Assert.Equal(difference, over ? Debit(entry, "1110") : Credit(entry, "1110"));
        Assert.Equal(difference, over ? Credit(entry, "6200") : Debit(entry, "6200"));
    }

    [Fact]
    public void GivenACashCountThatMatches_WhenJournalled_ThenNothingIsPosted() =>
        Assert.IsType<JournalDecision.Nothing>(JournalBuilder.Build(new CashCount("close", "STORE-1", "pos", Day, "EUR", At, null, 10m, 10m), Chart));

    [Theory]
    [InlineData("", "STORE-1", "EUR", "factId")]
    [InlineData("f", "", "EUR", "store")]
    [InlineData("f", "STORE-1", "euro", "currency")]
    public void GivenAFactMissingIdentity_WhenJournalled_ThenRefusedNamingTheField(string id, string store, string currency, string field)
    {
        var refuse = Assert.IsType<JournalDecision.Refuse>(JournalBuilder.Build(
            new ProcessorFee(id, store, "web", Day, currency, At, null, "visa", 1m), Chart));
        Assert.Contains(field, refuse.Reason);
    }

    [Fact]
    public void GivenNegativeAmounts_WhenJournalled_ThenRefused()
    {
        Assert.IsType<JournalDecision.Refuse>(JournalBuilder.Build(CashSale() with { Lines = [new SaleLine(-1m, 0m, 0m)] }, Chart));
        Assert.IsType<JournalDecision.Refuse>(JournalBuilder.Build(new Payout("p", "WEB", "web", Day, "USD", At, null, "visa", -5m, 0m), Chart));
    }

    [Fact]
    public void GivenAConfiguredChart_WhenJournalled_ThenTheOverridesWinAndUnknownRolesAreRefused()
    {
        var chart = ChartOfAccounts.Default.With([new("Revenue:pos", "R-POS"), new("TenderClearing:cash", "CASH-DRAWER")]);
        var entry = ((JournalDecision.Post)JournalBuilder.Build(CashSale(), chart)).Entry;

        Assert.Equal(30.00m, Credit(entry, "R-POS"));
        Assert.Equal(32.60m, Debit(entry, "CASH-DRAWER"));
        Assert.Throws<ArgumentException>(() => ChartOfAccounts.Default.With([new("Revenu:pos", "1")]));
    }

    [Fact]
    public void GivenManyRandomSales_WhenTendersPayTheRoundedTotal_ThenEveryEntryBalancesWithAtMostAFewCentsOfRounding()
    {
        var random = new Random(20261120);
        string[] methods = ["cash", "visa", "mastercard", "gift-card", "store-credit", "paypal"];
        for (var run = 0; run < 1000; run++)
        {
            var currency = run % 10 == 0 ? "JPY" : "EUR";
            var lines = Enumerable.Range(0, random.Next(1, 8)).Select(_ =>
            {
                var gross = random.Next(1, 50_000) / 1000m;
                var discount = Math.Round(gross * random.Next(0, 30) / 100m, 3);
                return new SaleLine(gross, discount, Math.Round((gross - discount) * 0.19m, 4));
            }).ToList();
            var total = Currencies.Round(lines.Sum(l => l.Gross - l.Discount + l.Tax), currency);
            var first = Currencies.Round(total * random.Next(0, 101) / 100m, currency);
            var sale = new Sale($"r{run}", "STORE-R", "pos", Day, currency, At, null, lines,
                [new Tender(methods[random.Next(methods.Length)], first), new Tender(methods[random.Next(methods.Length)], total - first)]);

            var entry = Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(sale, Chart)).Entry;

            Assert.True(entry.IsBalanced, $"run {run}: {string.Join("; ", entry.Lines)}");
            Assert.True(entry.Lines.Where(l => l.Role == AccountRoles.Rounding).Sum(l => l.Debit + l.Credit) <= 5 * Currencies.MinorUnit(currency), $"run {run}");
        }
    }

    private static decimal Debit(JournalEntry entry, string account) => entry.Lines.Where(l => l.Account == account).Sum(l => l.Debit);

    private static decimal Credit(JournalEntry entry, string account) => entry.Lines.Where(l => l.Account == account).Sum(l => l.Credit);
}

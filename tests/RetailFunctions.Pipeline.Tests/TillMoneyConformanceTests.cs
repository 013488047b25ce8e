using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Testing;
using Xunit.Abstractions;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Till money to the minor unit: every receipt of the project's ARTS POSLog corpus (RetailFunctions.Testing/TillCorpus) and of the
/// shared third-party fixture is reproduced and booked balanced, or its difference is raised.
/// </summary>
public sealed class TillMoneyConformanceTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<string> CorpusFiles = TillCorpus.Consistent;

    [Fact]
    public void GivenTheCorpus_WhenEveryReceiptIsReckonedAndJournalled_ThenEachReproducesTheTillsTotalAndBooksItBalanced()
    {
        var measure = Measure(CorpusFiles.SelectMany(f => Read(TillCorpus.PathOf(f))));
        output.WriteLine($"corpus: {measure}");

        Assert.Equal(17, measure.Receipts);
        Assert.Equal(measure.Receipts, measure.Reproduced);
        Assert.Equal(measure.Sold, measure.Booked);
        Assert.Empty(measure.Failures);
    }

    [SharedFixtureFact]
    public void GivenTheSharedNcrExport_WhenEveryReceiptIsReckonedAndJournalled_ThenEverySaleIsReproducedAndBooked()
    {
        var files = Directory.GetFiles(SharedFixtures.PathOf("poslog"), "*.xml");
        var measure = Measure(files.SelectMany(Read));
        output.WriteLine($"../shared/fixtures/poslog: {measure}");

        Assert.True(measure.Receipts > 0, "the shared POSLog fixtures hold no sale or return");
        Assert.Equal(measure.Receipts, measure.Reproduced);
        Assert.Equal(measure.Sold, measure.Booked);
        Assert.Empty(measure.Failures);
    }

    [Fact]
    public void GivenAWeighedItem_WhenReckoned_ThenItsMoneyIsTheTillsRoundedExtendedAmountNotPriceTimesWeight()
    {
        var bananas = Reckon("us_store_101.xml", "5001").Lines.Single(l => l.ItemId == "PLU-4011");

        Assert.Equal((2.37m, 1.64m), (bananas.Quantity, bananas.Gross));
    }

    [Fact]
    public void GivenAPriceOverrideAndAMarkdown_WhenReckoned_ThenTheOverriddenPriceIsChargedAndTheMarkdownIsTheLinesDiscount()
    {
        var receipt = Reckon("us_store_101.xml", "5001");

        Assert.Equal((3.00m, 0m), receipt.Lines.Single(l => l.ItemId == "PLU-4046") is var avocado ? (avocado.Gross, avocado.Discount) : default);
        Assert.Equal((20.00m, 4.00m), receipt.Lines.Single(l => l.ItemId == "SKU-MUG") is var mug ? (mug.Gross, mug.Discount) : default);
        Assert.Equal(1.65m, receipt.Lines.Sum(l => l.Tax));
        Assert.Equal(22.29m, receipt.Due);
    }

    [Fact]
    public void GivenReceiptDiscountsAndALoyaltyReward_WhenReckoned_ThenTheyAreSharedOverTheLinesToTheCent()
    {
        var receipt = Reckon("us_store_101.xml", "5002");

        // 2.50 staff discount on the jacket, then 7.00 of coupon and reward shared by net (22.50 : 12.00).
        Assert.Equal([2.50m + 4.57m, 2.43m], receipt.Lines.Select(l => l.Discount));
        Assert.Equal(2.20m, receipt.Lines.Sum(l => l.Tax));
        Assert.Equal([new TillTenderMoney(TenderMethods.GiftCard, 10.00m), new TillTenderMoney("visa", 19.70m)], receipt.Tenders);
        Assert.True(receipt.Reproduced);
    }

    [Fact]
    public void GivenRefundChangeAndCashBackTenders_WhenReckoned_ThenEachIsMoneyOutOfTheDrawer()
    {
        Assert.Equal([new TillTenderMoney(TenderMethods.Cash, -4.32m)], Reckon("us_store_101.xml", "7001").Tenders);
        Assert.Equal([new TillTenderMoney(TenderMethods.StoreCredit, -10.79m)], Reckon("us_store_101.xml", "7002").Tenders);
        Assert.Equal([new TillTenderMoney(TenderMethods.Cash, 30.00m), new TillTenderMoney(TenderMethods.Cash, -7.71m)],
            Reckon("us_store_101.xml", "5001").Tenders);
        Assert.Equal([new TillTenderMoney("debit", 60.00m), new TillTenderMoney(TenderMethods.Cash, -20.00m)], Reckon("us_store_101.xml", "5006").Tenders);
    }

    [Fact]
    public void GivenCashBackAndACashRefund_WhenTheReconciliationReadsTheTill_ThenTheCashLeavingTheDrawerIsNegative()
    {
        var all = Read(TillCorpus.PathOf("us_store_101.xml")).ToDictionary(t => t.Receipt.SequenceNumber);

        Assert.Equal([new TenderAmount("Cash", -20.00m), new TenderAmount("CreditDebit", 60.00m)], TillRecords.From(all["5006"], "101")!.Tenders);
        Assert.Equal([new TenderAmount("Cash", -4.32m)], TillRecords.From(all["7001"], "101")!.Tenders);
        Assert.Null(TillRecords.From(all["1"], "101"));
    }

    [Fact]
    public void GivenATillCloseWithAnOpeningFloat_WhenBookedAsTheCashCount_ThenTheFloatIsExcludedAndTheShortfallIsBooked()
    {
        var close = Read(TillCorpus.PathOf("us_store_101.xml")).Single(t => t.Receipt.SequenceNumber == "5099");
        var count = TillReceipts.CashCount(close, "store-101", DateTimeOffset.UnixEpoch)!;
        var entry = Post(count);

        Assert.Equal(new TenderTotal("Cash", 5.56m, 0), close.TillTotals.Single(t => t.TenderType == "Cash"));
        Assert.Equal((6.06m, 5.56m), (count.Expected, count.Counted));
        Assert.Equal(0.50m, entry.Lines.Single(l => l.Role == AccountRoles.CashOverShort).Debit);
        Assert.Equal(0.50m, entry.Lines.Single(l => l.Role == $"{AccountRoles.TenderClearing}:cash").Credit);
        Assert.Equal(new DateOnly(2026, 11, 20), entry.BusinessDay);
    }

    [Fact]
    public void GivenAnExchange_WhenJournalled_ThenItIsASaleAndAReturnWhoseExchangeClearingNetsToZero()
    {
        var facts = TillReceipts.Facts(Reckon("us_store_101.xml", "7003"), "store-101", new DateOnly(2026, 11, 20), DateTimeOffset.UnixEpoch);
        var entries = facts.Select(Post).ToList();

        Assert.Equal(["sale", "return"], facts.Select(f => f.Kind));
        Assert.All(entries, e => Assert.True(e.IsBalanced));
        var exchange = entries.SelectMany(e => e.Lines).Where(l => l.Role == $"{AccountRoles.TenderClearing}:{TillReceipts.ExchangeMethod}").ToList();
        Assert.Equal(21.59m, exchange.Sum(l => l.Debit));
        Assert.Equal(21.59m, exchange.Sum(l => l.Credit));
        Assert.Equal(5.40m, entries.SelectMany(e => e.Lines).Where(l => l.Role == $"{AccountRoles.TenderClearing}:visa").Sum(l => l.Debit));
    }

    [Fact]
    public void GivenVoidedSuspendedAndTrainingTransactionsAndAVoidedLine_WhenReckoned_ThenNoneOfThemMovesMoney()
    {
        var all = Read(TillCorpus.PathOf("us_store_101.xml")).ToDictionary(t => t.Receipt.SequenceNumber);

        Assert.Equal(PosTransactionKind.Void, all["5004"].Kind);
        Assert.Equal(PosTransactionKind.Suspended, all["5005"].Kind);
        Assert.Equal(PosTransactionKind.Training, all["1"].Kind);
        Assert.All(new[] { "5004", "5005", "1" }, s => Assert.False(TillReceipts.MovesMoney(all[s])));
        Assert.Equal(["SKU-GUM"], TillReceipts.Reckon(all["5003"]).Lines.Select(l => l.ItemId));
    }

    [Fact]
    public void GivenVatIncludedPrices_WhenJournalled_ThenRevenueIsNetOfTheVatAndTheVatIsNotAddedAgain()
    {
        var receipt = Reckon("eu_store_201.xml", "88");
        var entry = Post(Assert.Single(TillReceipts.Facts(receipt, "store-201", new DateOnly(2026, 11, 20), DateTimeOffset.UnixEpoch)));

        Assert.Equal(22.80m, receipt.Due);
        Assert.Equal(20.00m, entry.Lines.Where(l => l.Role.StartsWith(AccountRoles.Revenue, StringComparison.Ordinal)).Sum(l => l.Credit));
        Assert.Equal(2.80m, entry.Lines.Where(l => l.Role.StartsWith(AccountRoles.TaxPayable, StringComparison.Ordinal)).Sum(l => l.Credit));
    }

    [Fact]
    public void GivenCashRounding_WhenJournalled_ThenTheReceiptIsReproducedAndTheRoundingIsAnExplicitLine()
    {
        var receipt = Reckon("eu_store_201.xml", "89");
        var entry = Post(Assert.Single(TillReceipts.Facts(receipt, "store-201", new DateOnly(2026, 11, 20), DateTimeOffset.UnixEpoch)));

        Assert.True(receipt.Reproduced);
        Assert.Equal(7.45m, receipt.Tendered);
        Assert.Equal(0.02m, entry.Lines.Single(l => l.Role == AccountRoles.Rounding).Debit);
    }

    [Fact]
    public void GivenAYenStore_WhenReckoned_ThenEveryShareIsWholeYenAndTheReceiptBooksBalanced()
    {
        var receipt = Reckon("jp_store_401.xml", "300");
        var entry = Post(Assert.Single(TillReceipts.Facts(receipt, "store-401", new DateOnly(2026, 11, 21), DateTimeOffset.UnixEpoch)));

        Assert.Equal([82m, 18m], receipt.Lines.Select(l => l.Discount));
        Assert.Equal([172m, 39m], receipt.Lines.Select(l => l.Tax));
        Assert.Equal(2328m, receipt.Due);
        Assert.All(entry.Lines, l => Assert.Equal(decimal.Truncate(l.Debit + l.Credit), l.Debit + l.Credit));
    }

    [Fact]
    public void GivenAReceiptWhoseTotalDisagreesWithItsLines_WhenReckoned_ThenTheTillWinsAndTheDifferenceIsNamed()
    {
        var receipt = TillReceipts.Reckon(Read(TillCorpus.PathOf("mismatch_store_101.xml")).Single());
        var entry = Post(Assert.Single(TillReceipts.Facts(receipt, "store-101", new DateOnly(2026, 11, 20), DateTimeOffset.UnixEpoch)));

        Assert.False(receipt.Reproduced);
        Assert.Equal((14.50m, 15.00m, 0.50m), (receipt.Computed, receipt.Due, receipt.Difference));
        Assert.Contains("101-3-20261120-9001", receipt.MismatchDetail);
        Assert.Contains("15.00", receipt.MismatchDetail);
        Assert.Contains("14.50", receipt.MismatchDetail);
        Assert.Contains("0.50", receipt.MismatchDetail);
        Assert.True(entry.IsBalanced);
        Assert.Equal(15.00m, entry.Lines.Where(l => l.Role.StartsWith(AccountRoles.TenderClearing, StringComparison.Ordinal)).Sum(l => l.Debit));
    }

    [Fact]
    public void GivenTheSampleReceiptWithACoupon_WhenReckoned_ThenItsLineModifierCountsOnceAndItsOwnTotalIsFoundInconsistent()
    {
        using var stream = Samples.Open("poslog_batch.xml");
        var sale = PosLogReader.Read(stream).OfType<PosParseResult.Parsed>().First().Transaction;
        var receipt = TillReceipts.Reckon(sale);

        // 39.98 - 2.00 + 7.98 VAT + 1.26 - 5.00 coupon = 42.22, but the receipt says 43.24 (and was tendered 43.24).
        Assert.Equal(42.22m, receipt.Computed);
        Assert.Equal(43.24m, receipt.Due);
        Assert.Equal(receipt.Due, receipt.Tendered);
        Assert.True(Post(TillReceipts.Facts(receipt, "12", sale.Receipt.BusinessDay, DateTimeOffset.UnixEpoch).Single()).IsBalanced);
    }

    [Fact]
    public void GivenAnAmountToSplit_WhenSplitInEachCurrencysMinorUnit_ThenTheSharesAddUpExactly()
    {
        Assert.Equal([34m, 33m, 33m], TillReceipts.Split(100m, [1m, 1m, 1m], "JPY"));
        Assert.Equal([0.34m, 0.33m, 0.33m], TillReceipts.Split(1m, [1m, 1m, 1m], "USD"));
        Assert.Equal([0.334m, 0.333m, 0.333m], TillReceipts.Split(1m, [1m, 1m, 1m], "KWD"));
        Assert.Equal([0m, 5m], TillReceipts.Split(5m, [0m, 0m], "EUR"));
    }

    [Fact]
    public void GivenAGiftCardSoldWithGoods_WhenJournalled_ThenTheCardIsALiabilityNotRevenueAndTheTendersPayBoth()
    {
        var receipt = Reckon("constructs_store_301.xml", "6001");
        var facts = TillReceipts.Facts(receipt, "store-301", new DateOnly(2026, 11, 20), DateTimeOffset.UnixEpoch);
        var entries = facts.Select(Post).ToList();

        Assert.True(receipt.Reproduced);
        Assert.Equal(["sale", "gift-card-sold"], facts.Select(f => f.Kind));
        Assert.Equal(10.00m, entries.SelectMany(e => e.Lines).Where(l => l.Role.StartsWith(AccountRoles.Revenue, StringComparison.Ordinal)).Sum(l => l.Credit));
        Assert.Equal(25.00m, entries.SelectMany(e => e.Lines).Where(l => l.Role == AccountRoles.GiftCardLiability).Sum(l => l.Credit));
        Assert.Equal(35.80m, entries.Sum(TillReceipts.Takings));
        Assert.All(entries, e => Assert.True(e.IsBalanced));
        var sale = Read(TillCorpus.PathOf("constructs_store_301.xml")).Single(t => t.Receipt.SequenceNumber == "6001");
        Assert.Equal(["SKU-MUG"], PosStockPlan.Changes(sale, "b1").Select(c => c.ItemAliases[0].Value));
    }

    [Fact]
    public void GivenAForeignCurrencyTender_WhenReckoned_ThenItIsBookedInTheStoresCurrencyAtTheTillsRateAndKeepsTheForeignAmount()
    {
        var receipt = Reckon("constructs_store_301.xml", "6002");

        Assert.Equal([new TillTenderMoney(TenderMethods.Cash, 21.60m, 30.00m, "CAD")], receipt.Tenders);
        Assert.True(receipt.Reproduced);
        Assert.True(Post(Assert.Single(TillReceipts.Facts(receipt, "store-301", new DateOnly(2026, 11, 20), DateTimeOffset.UnixEpoch))).IsBalanced);
    }

    [Fact]
    public void GivenATaxExemptionAndATaxOverride_WhenReckoned_ThenTheTaxChargedIsNoneAndTheOverriddenAmount()
    {
        var exempt = Reckon("constructs_store_301.xml", "6003");
        var overridden = Reckon("constructs_store_301.xml", "6004");

        Assert.Equal((0m, 50.00m, true), (exempt.Lines.Sum(l => l.Tax), exempt.Due, exempt.Reproduced));
        Assert.Equal((0.50m, 10.50m, true), (overridden.Lines.Sum(l => l.Tax), overridden.Due, overridden.Reproduced));
    }

    [Fact]
    public void GivenNcrAcsTotalsThatAgreeWithTheLines_WhenReckoned_ThenTheReceiptIsReproduced()
    {
        var receipt = Reckon("constructs_store_301.xml", "6005");

        Assert.True(receipt.Reproduced, receipt.MismatchDetail);
        Assert.Equal(9.72m, receipt.Due);
    }

    [Fact]
    public void GivenNcrAcsTotalsThatDisagreeWithTheLines_WhenReckoned_ThenTheReceiptIsAnAmountMismatchNamingEachDisagreement()
    {
        var receipt = TillReceipts.Reckon(Read(TillCorpus.PathOf(TillCorpus.AcsMismatch)).Single());

        Assert.Equal(0m, receipt.Difference);
        Assert.False(receipt.Reproduced);
        Assert.Contains("acs:GrossPositive is 15.00 but the lines make 12.00", receipt.MismatchDetail);
        Assert.Contains("Line 1 (SKU-BOWL): ExtendedDiscountAmount 1.50 but its discounts make 2.00", receipt.MismatchDetail);
        Assert.DoesNotContain("acs:GrossNegative", receipt.MismatchDetail);
    }

    [Fact]
    public void GivenAPostVoid_WhenRead_ThenItReturnsEveryLineOfTheVoidedReceiptToThatReceiptAndBooksItsMoneyBack()
    {
        var all = Read(TillCorpus.PathOf("constructs_store_301.xml")).ToDictionary(t => t.Receipt.SequenceNumber);
        var postVoid = all["6007"];
        var receipt = TillReceipts.Reckon(postVoid);
        var fact = Assert.IsType<FinancialFact.Return>(Assert.Single(TillReceipts.Facts(receipt, "store-301", new DateOnly(2026, 11, 20), DateTimeOffset.UnixEpoch)));

        Assert.Equal(all["6006"].Receipt, postVoid.VoidsReceipt);
        Assert.Equal(PosTransactionKind.Return, postVoid.Kind);
        var line = Assert.Single(postVoid.Lines);
        Assert.Equal((PosLineKind.Return, all["6006"].Receipt, 1), (line.Kind, line.OriginalReceipt, line.OriginalLineNumber));
        Assert.Equal(-32.40m, receipt.Due);
        Assert.Equal(-32.40m, TillReceipts.Takings(Post(fact)));
        Assert.Equal([MovementKindOf(postVoid)], ["Return"]);
        var (original, command) = Assert.Single(RetailFunctions.Pipeline.Orders.PosOrderCommands.Returns(postVoid, "store-301"));
        Assert.Equal(all["6006"].Receipt, original.Receipt);
        Assert.Equal(("1", 32.40m), (Assert.Single(command.Lines).OriginalLine, command.Refunds.Sum(r => r.Amount)));
    }

    private static string MovementKindOf(PosTransaction transaction) => PosStockPlan.Changes(transaction, "b1").Single().Intent switch
    {
        RetailFunctions.Pipeline.Inventory.StockIntent.Move move => move.Kind.ToString(),
        var other => other.ToString(),
    };

    private static TillReckoning Reckon(string file, string sequence) =>
        TillReceipts.Reckon(Read(TillCorpus.PathOf(file)).Single(t => t.Receipt.SequenceNumber == sequence));

    private static List<PosTransaction> Read(string path)
    {
        using var stream = File.OpenRead(path);
        return [.. PosLogReader.Read(stream).Select(r => Assert.IsType<PosParseResult.Parsed>(r).Transaction)];
    }

    private static JournalEntry Post(FinancialFact fact) =>
        Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(fact, ChartOfAccounts.Default)).Entry;

    /// <summary>Receipts reproduced to the minor unit and booked balanced, and the money the journal booked against what the tills took.</summary>
    private static TillMeasure Measure(IEnumerable<PosTransaction> transactions)
    {
        var measure = new TillMeasure();
        foreach (var transaction in transactions.Where(TillReceipts.MovesMoney))
        {
            var receipt = TillReceipts.Reckon(transaction);
            measure.Receipts++;
            measure.Sold += Math.Abs(receipt.Due);
            var decisions = TillReceipts.Facts(receipt, transaction.Receipt.StoreId, transaction.Receipt.BusinessDay, DateTimeOffset.UnixEpoch)
                .Select(f => JournalBuilder.Build(f, ChartOfAccounts.Default)).ToList();
            var entries = decisions.OfType<JournalDecision.Post>().Select(p => p.Entry).Where(e => e.IsBalanced).ToList();
            var booked = entries.Sum(TillReceipts.Takings);
            measure.Booked += Math.Abs(booked);
            if (receipt.Reproduced && entries.Count == decisions.Count && booked == receipt.Due)
                measure.Reproduced++;
            else
                measure.Failures.Add($"{receipt.Receipt}: due {receipt.Due}, computed {receipt.Computed}, booked {booked}, " +
                    string.Join("; ", decisions.OfType<JournalDecision.Refuse>().Select(r => r.Reason)));
        }
        return measure;
    }

    private sealed class TillMeasure
    {
        public int Receipts { get; set; }
        public int Reproduced { get; set; }
        public decimal Sold { get; set; }
        public decimal Booked { get; set; }
        public List<string> Failures { get; } = [];

        public override string ToString() =>
            $"receipts reproduced {Reproduced}/{Receipts}; amount booked {Booked} / amount sold {Sold}" +
            (Failures.Count > 0 ? $"; failures: {string.Join(" | ", Failures)}" : "");
    }
}

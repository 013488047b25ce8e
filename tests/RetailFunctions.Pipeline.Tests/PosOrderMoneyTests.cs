using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>A till sale's order carries the till's money: its total is the receipt's and its captures cover it.</summary>
public sealed class PosOrderMoneyTests
{
    private static readonly IReadOnlyList<string> CorpusFiles = [.. TillCorpus.Consistent, TillCorpus.Mismatch];

    [Fact]
    public void GivenEveryCorpusSale_WhenRecordedAsAnOrder_ThenTheOrderTotalIsTheTillsAndTheCapturesCoverIt()
    {
        var sales = CorpusFiles.SelectMany(f => Read(TillCorpus.PathOf(f))).Where(PosOrderCommands.IsOrder).ToList();

        Assert.Equal(15, sales.Count);
        foreach (var sale in sales)
        {
            var (total, captured) = Money(sale);
            var reckoning = TillReceipts.Reckon(sale);
            Assert.True(reckoning.SoldAmount == total, $"{sale.Receipt}: order total {total}, the till sold {reckoning.SoldAmount}");
            Assert.True(captured == total, $"{sale.Receipt}: captured {captured} of {total}");
        }
    }

    [Fact]
    public void GivenAWeighedItemAndAPriceOverride_WhenRecordedAsAnOrder_ThenTheTotalIsTheReceiptsNotListPriceTimesWeight()
    {
        var sale = Read(TillCorpus.PathOf("us_store_101.xml")).Single(t => t.Receipt.SequenceNumber == "5001");

        Assert.Equal((22.29m, 22.29m), Money(sale));
    }

    [Fact]
    public void GivenCashBackOnADebitCard_WhenRecordedAsAnOrder_ThenTheCardPaidOnlyForTheGoods()
    {
        var sale = Read(TillCorpus.PathOf("us_store_101.xml")).Single(t => t.Receipt.SequenceNumber == "5006");
        var payments = Commands(sale).OfType<OrderCommand.RecordPayment>().ToList();

        Assert.Equal([("card", 40.00m)], payments.Select(p => (p.Tender.Method, p.Transaction.Amount)));
    }

    [SharedFixtureFact]
    public void GivenTheSharedNcrSale_WhenRecordedAsAnOrder_ThenItsTotalIsTheTillsGrandAmount()
    {
        var sale = Read(SharedFixtures.PathOf("poslog/ncr_acs_poslog_small.xml")).Single(PosOrderCommands.IsOrder);

        Assert.Equal((1.07m, 1.07m), Money(sale));
    }

    private static (decimal Total, decimal Captured) Money(PosTransaction sale)
    {
        var commands = Commands(sale);
        var draft = commands.OfType<OrderCommand.RecordOrder>().Single().Draft;
        var order = Order.Empty("o-1") with { Draft = draft };
        return (order.Total, commands.OfType<OrderCommand.RecordPayment>().Sum(p => p.Transaction.Amount));
    }

    private static IReadOnlyList<OrderCommand> Commands(PosTransaction sale) =>
        PosOrderCommands.Record(sale, "store", new Dictionary<int, string?>(), "blob#1", DateTimeOffset.UnixEpoch);

    private static List<PosTransaction> Read(string path)
    {
        using var stream = File.OpenRead(path);
        return [.. PosLogReader.Read(stream).OfType<PosParseResult.Parsed>().Select(r => r.Transaction)];
    }
}

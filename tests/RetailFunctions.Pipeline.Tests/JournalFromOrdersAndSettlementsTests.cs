using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Pipeline.Tests;

public class JournalFromOrdersAndSettlementsTests
{
    private static readonly DateTimeOffset Paid = new(2026, 11, 21, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GivenAnOrderWithAGiftCard_WhenCaptured_ThenTheGoodsAreASaleAndTheGiftCardALiabilityAndBothBalance()
    {
        var draft = new OrderDraft("web", [new ChannelReference("shopify", "id", "77")], "USD", Paid, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("1", "SKU-1", "Scarf", 1, 30m, 0m, 3m), new OrderLine("2", null, "Gift card", 1, 50m, 0m, 0m, IsGiftCard: true)], 0m, 0m, false);
        var card = new Domain.Orders.Tender("P1", "card", "shopify_payments", null, "4242", null);
        var capture = new OrderEvent.PaymentRecorded(Paid, card, new PaymentTransaction("t1", "P1", PaymentKind.Capture, 83m, Paid));
        var order = OrderEvolution.Evolve(OrderEvolution.Evolve(Order.Empty("web-77"), new OrderEvent.OrderPlaced(Paid, draft, Paid)), capture);

        var facts = JournalOrderSubscriber.FactsFor(new OrderEventMessage("web-77", 2, "PaymentRecorded", capture, order)).ToList();

        var sale = Assert.IsType<FinancialFact.Sale>(facts[0]);
        var gift = Assert.IsType<FinancialFact.GiftCardSold>(facts[1]);
        Assert.Equal(33m, sale.Tenders.Sum(t => t.Amount));
        Assert.Equal(50m, gift.Amount);
        Assert.Equal(50m, gift.Tenders.Sum(t => t.Amount));
        Assert.All(facts, f => Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(f, ChartOfAccounts.Default, JournalRules.Default)));
    }

    [Fact]
    public void GivenSplitTenders_WhenAGiftCardTakesItsShare_ThenTheCentsAddUpOnBothSides()
    {
        var (sale, gifts) = JournalOrderSubscriber.SplitTenders([new Domain.Finance.Tender("visa", 66.67m), new Domain.Finance.Tender("cash", 33.33m)], 10m, "USD");

        Assert.Equal(90m, sale.Sum(t => t.Amount));
        Assert.Equal(10m, gifts.Sum(t => t.Amount));
        Assert.Equal(66.67m, sale.First(t => t.Method == "visa").Amount + gifts.First(t => t.Method == "visa").Amount);
    }

    [Fact]
    public void GivenAYenSaleWithAGiftCard_WhenTheTendersAreSplit_ThenEveryShareIsWholeYen()
    {
        var (sale, gifts) = JournalOrderSubscriber.SplitTenders([new Domain.Finance.Tender("visa", 2000m), new Domain.Finance.Tender("cash", 1001m)], 1000m, "JPY");

        Assert.All([.. sale, .. gifts], t => Assert.Equal(decimal.Truncate(t.Amount), t.Amount));
        Assert.Equal((2001m, 1000m), (sale.Sum(t => t.Amount), gifts.Sum(t => t.Amount)));
    }

    private static SettlementLine Line(string type, decimal amount, decimal fee, string? paymentKey = "9001") =>
        new("shopify-payments", $"line-{type}", type, paymentKey, "web", amount, fee, amount - fee, "USD", Paid, null, "P-1", "paid", null, null);

    [Fact]
    public void GivenASettledCharge_ThenItsFeeIsBookedAgainstTheProcessorsClearingAccount()
    {
        var fee = Assert.IsType<FinancialFact.ProcessorFee>(Assert.Single(SettlementJournalSubscriber.FactsFor(Line("charge", 100m, 3.2m))));
        Assert.Equal(3.2m, fee.Amount);
        Assert.Equal("shopify-payments", fee.Method);
        Assert.Equal("settlement:shopify-payments:line-charge:fee", fee.FactId);
        Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(fee, ChartOfAccounts.Default, JournalRules.Default));
    }

    [Fact]
    public void GivenAPayoutLine_ThenThePayoutToTheBankIsBooked_AndAChargeWithoutFeeBooksNothing()
    {
        var payout = Assert.IsType<FinancialFact.Payout>(Assert.Single(SettlementJournalSubscriber.FactsFor(Line("payout", -250m, 0m, paymentKey: null))));
        Assert.Equal(250m, payout.Amount);
        Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(payout, ChartOfAccounts.Default, JournalRules.Default));
        Assert.Empty(SettlementJournalSubscriber.FactsFor(Line("charge", 100m, 0m)));
    }
}

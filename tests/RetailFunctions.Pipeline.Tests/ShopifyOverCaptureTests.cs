using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using static RetailFunctions.Pipeline.Tests.ShopifyMoneyConformanceTests;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Money captured beyond an order's total is booked as it moved and raised to finance, never left out.</summary>
public sealed class ShopifyOverCaptureTests
{
    private static decimal Cleared(IEnumerable<JournalEntry> entries) =>
        entries.SelectMany(e => e.Lines).Where(l => l.Role.StartsWith(AccountRoles.TenderClearing, StringComparison.Ordinal)).Sum(l => l.Debit - l.Credit);

    private static void AssertRaised(Outcome outcome, params string[] figures)
    {
        var raised = Assert.Single(outcome.Effects.OfType<OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
        Assert.Equal("finance", raised.Owner);
        Assert.Contains("over-capture", raised.Detail, StringComparison.Ordinal);
        foreach (var figure in figures) Assert.Contains(figure, raised.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void GivenASecondCaptureBeyondTheTotal_WhenRecorded_ThenItIsBookedAndFinanceIsToldTheOrderBothFiguresAndTheDifference()
    {
        var outcome = Record("""
            {"id":5600000001,"name":"#1301","currency":"USD","created_at":"2026-11-20T10:00:00Z","total_price":"100.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"100.00"}],
             "transactions":[{"id":701,"kind":"sale","status":"success","amount":"100.00","currency":"USD","gateway":"shopify_payments",
                              "processed_at":"2026-11-20T10:00:00Z"},
                             {"id":702,"kind":"capture","status":"success","amount":"7.50","currency":"USD","gateway":"shopify_payments",
                              "processed_at":"2026-11-20T11:00:00Z"}]}
            """);

        Assert.Equal(107.50m, outcome.Order.Captured);
        Assert.All(outcome.Entries, e => Assert.True(e.IsBalanced));
        Assert.Equal(107.50m, Cleared(outcome.Entries));
        AssertRaised(outcome, "#1301", "107.50 USD", "100.00 USD", "difference of 7.50");
    }

    [Fact]
    public void GivenOneCaptureLargerThanTheTotal_WhenRecorded_ThenTheWholeCaptureIsBookedAndRaised()
    {
        var outcome = Record("""
            {"id":5600000002,"currency":"USD","created_at":"2026-11-20T10:00:00Z","total_price":"50.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"50.00"}],
             "transactions":[{"id":711,"kind":"sale","status":"success","amount":"55.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        Assert.True(outcome.Sale.IsBalanced);
        Assert.Equal(55.00m, Cleared(outcome.Entries));
        Assert.Equal(-55.00m, outcome.Sale.Lines.Where(l => l.Role.StartsWith(AccountRoles.Revenue, StringComparison.Ordinal)).Sum(l => l.Debit - l.Credit));
        AssertRaised(outcome, "web-5600000002", "55.00 USD", "50.00 USD", "difference of 5.00");
    }

    [Fact]
    public void GivenATillSaleWhoseCashWasRoundedUp_WhenItsCaptureIsRecorded_ThenNoOverCaptureIsRaisedForTheTillsOwnCheck()
    {
        var draft = new OrderDraft(Domain.Canonical.Channels.Pos, [new ChannelReference("pos", "receipt", "S1-1")], "CHF", Now, null, FulfilmentMethod.CarryOut,
            "STORE-1", null, "STORE-1", [new OrderLine("1", "SKU-1", "Pen", 1m, 9.98m, 0m, 0m)], 0m, 0m, true);
        var outcome = Run(Order.Empty("pos-S1-1"),
        [
            new OrderCommand.RecordOrder("sale", "till", Now, draft, Now, null, null, new Dictionary<string, decimal>()),
            new OrderCommand.RecordPayment("cash", "till", Now, new Domain.Orders.Tender("T1", "cash", null, null, null, null),
                new PaymentTransaction("pos:S1-1:tender:1:capture", "T1", PaymentKind.Capture, 10.00m, Now)),
        ]);

        Assert.DoesNotContain(outcome.Effects.OfType<OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
    }

    [Fact]
    public void GivenAnOrderCapturedExactlyInTwoParts_WhenRecorded_ThenNothingIsRaised()
    {
        var outcome = Record("""
            {"id":5600000003,"currency":"USD","created_at":"2026-11-20T10:00:00Z","total_price":"80.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":2,"price":"40.00"}],
             "transactions":[{"id":721,"kind":"authorization","status":"success","amount":"80.00","currency":"USD","gateway":"shopify_payments"},
                             {"id":722,"kind":"capture","status":"success","amount":"40.00","currency":"USD","gateway":"shopify_payments",
                              "processed_at":"2026-11-20T10:00:00Z"},
                             {"id":723,"kind":"capture","status":"success","amount":"40.00","currency":"USD","gateway":"shopify_payments",
                              "processed_at":"2026-11-21T10:00:00Z"}]}
            """);

        Assert.Equal(80.00m, Cleared(outcome.Entries));
        Assert.DoesNotContain(outcome.Effects.OfType<OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
    }
}

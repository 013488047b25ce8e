using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using static RetailFunctions.Pipeline.Tests.ShopifyMoneyConformanceTests;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Revenue is booked as money is captured, and refunds reverse goods, tax and shipping each on its own account line.
/// Orders are written from Shopify's documented Order and Refund fields and followed through the decider and journal.
/// </summary>
public sealed class ShopifyRevenueFollowsCapturesTests
{
    private static decimal Net(IEnumerable<JournalEntry> entries, string role) =>
        entries.SelectMany(e => e.Lines).Where(l => l.Role.StartsWith(role, StringComparison.Ordinal)).Sum(l => l.Debit - l.Credit);

    [Fact]
    public void GivenAnOrderEditedAfterItsCapture_WhenTheAddedLineIsCapturedToo_ThenBothCapturesAreBookedAndTheRevenueIsTheWholeOrder()
    {
        var first = Record("""
            {"id":5500000001,"currency":"USD","created_at":"2026-11-20T10:00:00Z","updated_at":"2026-11-20T10:00:00Z","total_price":"100.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"100.00"}],
             "transactions":[{"id":601,"kind":"sale","status":"success","amount":"100.00","currency":"USD","gateway":"shopify_payments",
                              "processed_at":"2026-11-20T10:00:00Z"}]}
            """);
        var edited = Record("""
            {"id":5500000001,"currency":"USD","created_at":"2026-11-20T10:00:00Z","updated_at":"2026-11-21T09:00:00Z","total_price":"120.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"100.00"},
                           {"id":2,"variant_id":12,"product_id":22,"sku":"B","title":"B","quantity":1,"price":"20.00"}],
             "transactions":[{"id":601,"kind":"sale","status":"success","amount":"100.00","currency":"USD","gateway":"shopify_payments",
                              "processed_at":"2026-11-20T10:00:00Z"},
                             {"id":602,"kind":"capture","status":"success","amount":"20.00","currency":"USD","gateway":"shopify_payments",
                              "processed_at":"2026-11-21T09:00:00Z"}]}
            """, first.Order, "orders/updated", "7c1d9a52-0000-4000-8000-000000000003");

        var entries = first.Entries.Concat(edited.Entries).ToList();
        Assert.Equal(2, entries.Count(e => e.Source == "sale"));
        Assert.All(entries, e => Assert.True(e.IsBalanced));
        Assert.Equal(120.00m, Net(entries, AccountRoles.TenderClearing));
        Assert.Equal(-120.00m, Net(entries, AccountRoles.Revenue));
        Assert.Equal(new DateOnly(2026, 11, 21), Assert.Single(edited.Entries).BusinessDay);
    }

    [Fact]
    public void GivenAnOrderCapturedOnlyInPart_WhenTheCaptureIsRecorded_ThenWhatWasCapturedIsBooked()
    {
        var outcome = Record("""
            {"id":5500000002,"currency":"USD","created_at":"2026-11-20T10:00:00Z","total_price":"100.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":2,"price":"50.00"}],
             "transactions":[{"id":611,"kind":"authorization","status":"success","amount":"100.00","currency":"USD","gateway":"shopify_payments"},
                             {"id":612,"kind":"capture","status":"success","amount":"50.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        var sale = outcome.Sale;
        Assert.True(sale.IsBalanced);
        Assert.Equal(50.00m, Net([sale], AccountRoles.TenderClearing));
        Assert.Equal(-50.00m, Net([sale], AccountRoles.Revenue));
    }

    private const string TaxedOrder = """
        {"id":5500000003,"name":"#1203","currency":"USD","created_at":"2026-11-20T10:00:00Z","taxes_included":false,"total_price":"113.40",
         "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"100.00",
                        "tax_lines":[{"title":"State tax","rate":0.08,"price":"8.00"}]}],
         "shipping_lines":[{"title":"Standard","price":"5.00","tax_lines":[{"title":"State tax","rate":0.08,"price":"0.40"}]}],
         "transactions":[{"id":621,"kind":"sale","status":"success","amount":"113.40","currency":"USD","gateway":"shopify_payments"}]}
        """;

    [Fact]
    public void GivenACapturedOrder_WhenItIsCancelled_ThenTheRefundGivesBackGoodsTaxAndShippingEachOnItsOwn()
    {
        var paid = Record(TaxedOrder);
        var cancelled = Run(paid.Order, [new OrderCommand.CancelOrder("cancel-1", "associate", Now.AddHours(1), "customer asked")]);

        var refund = Assert.Single(cancelled.Order.Refunds);
        Assert.Equal((100.00m, 8.00m, 5.40m, 0.40m), (refund.Goods, refund.Tax, refund.Shipping, refund.ShippingTax));
        var entry = Assert.Single(cancelled.Entries);
        Assert.True(entry.IsBalanced);
        Assert.Equal(8.40m, Net([entry], AccountRoles.TaxPayable));
        Assert.Equal(-113.40m, Net([entry], AccountRoles.TenderClearing));
    }

    [Fact]
    public void GivenAWebStoreRefundWithShipping_WhenBooked_ThenGoodsShippingAndEachTaxAreReversedSeparately()
    {
        var refunded = Refund(Record(TaxedOrder), """
            {"id":931,"order_id":5500000003,"created_at":"2026-11-22T10:00:00Z",
             "refund_line_items":[{"id":1,"line_item_id":1,"quantity":1,"restock_type":"no_restock","subtotal":"100.00","total_tax":"8.00"}],
             "order_adjustments":[{"id":1,"kind":"shipping_refund","amount":"-5.00","tax_amount":"-0.40"}],
             "transactions":[{"id":622,"kind":"refund","status":"success","amount":"113.40","currency":"USD","gateway":"shopify_payments"}]}
            """);

        var entry = Assert.Single(refunded.Entries);
        Assert.Equal("return", entry.Source);
        Assert.True(entry.IsBalanced);
        Assert.Equal(105.00m, Net([entry], AccountRoles.SalesReturns));
        Assert.Equal(8.40m, Net([entry], AccountRoles.TaxPayable));
    }

    [Fact]
    public void GivenAWebStoreRefundWithNoLinesAndNoShipping_WhenRecorded_ThenItIsAGoodwillRefundNotShipping()
    {
        var refunded = Refund(Record(TaxedOrder), """
            {"id":932,"order_id":5500000003,"created_at":"2026-11-22T10:00:00Z","note":"sorry for the delay","refund_line_items":[],
             "transactions":[{"id":623,"kind":"refund","status":"success","amount":"10.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        var refund = Assert.Single(refunded.Order.Refunds);
        Assert.Equal((10.00m, 0m, true), (refund.Goods, refund.Shipping, refund.IsGoodwill));
        var entry = Assert.Single(refunded.Entries);
        Assert.Equal("refund", entry.Source);
        Assert.Equal(10.00m, Net([entry], AccountRoles.Refunds));
        Assert.Equal(0m, Net([entry], AccountRoles.SalesReturns));
    }
}

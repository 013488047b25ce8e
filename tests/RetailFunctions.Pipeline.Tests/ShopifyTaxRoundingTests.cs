using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Shopify;
using static RetailFunctions.Pipeline.Tests.ShopifyMoneyConformanceTests;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Tax the document states only at order level, and refunded shares of a line's tax in the currency's minor unit.</summary>
public sealed class ShopifyTaxRoundingTests
{
    private static RefundLineSnapshot RefundedLine(string currency, string price, string tax, int ordered, int refunded) =>
        Assert.Single(Assert.IsType<ShopifyEvent.RefundCreated>(ShopifyMapper.Map(Delivery("refunds/create"), Encoding.UTF8.GetBytes($$$"""
            {"id":941,"order_id":5700000001,"created_at":"2026-11-22T10:00:00Z",
             "refund_line_items":[{"id":1,"line_item_id":1,"quantity":{{{refunded}}},"restock_type":"no_restock",
                                   "line_item":{"id":1,"variant_id":11,"sku":"A","price":"{{{price}}}","quantity":{{{ordered}}},
                                                "tax_lines":[{"title":"Tax","rate":0.1,"price":"{{{tax}}}"}]}}],
             "transactions":[{"id":951,"kind":"refund","status":"success","amount":"1","currency":"{{{currency}}}","gateway":"shopify_payments"}]}
            """))).Refund.Lines);

    [Fact]
    public void GivenAYenLineRefundedInPart_WhenItsTaxIsProrated_ThenItIsWholeYen()
    {
        // 100 yen of tax over three units: one unit refunded carries 33 yen, not 33.33.
        Assert.Equal(33m, RefundedLine("JPY", "1000", "100", 3, 1).TotalTax);
        Assert.Equal(67m, RefundedLine("JPY", "1000", "100", 3, 2).TotalTax);
    }

    [Fact]
    public void GivenAKuwaitiDinarLineRefundedInPart_WhenItsTaxIsProrated_ThenItKeepsThreePlaces()
    {
        // 1.000 KWD of tax over three units: one unit refunded carries 0.333, not 0.33.
        Assert.Equal(0.333m, RefundedLine("KWD", "10.000", "1.000", 3, 1).TotalTax);
        Assert.Equal(1.000m, RefundedLine("KWD", "10.000", "1.000", 3, 3).TotalTax);
    }

    [Fact]
    public void GivenAnOrderWhoseTaxIsStatedOnlyAtOrderLevel_WhenRecorded_ThenTheTaxIsInItsPartsAndNoMismatchIsRaised()
    {
        var outcome = Record("""
            {"id":5700000002,"currency":"USD","created_at":"2026-11-20T10:00:00Z","taxes_included":false,
             "subtotal_price":"90.00","total_tax":"7.20","total_price":"97.20",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"60.00"},
                           {"id":2,"variant_id":12,"product_id":22,"sku":"B","title":"B","quantity":1,"price":"30.00"}],
             "transactions":[{"id":961,"kind":"sale","status":"success","amount":"97.20","currency":"USD","gateway":"shopify_payments"}]}
            """);

        Assert.Equal([4.80m, 2.40m], outcome.Order.Lines.Select(l => l.Tax));
        Assert.Equal(0m, outcome.Order.Draft!.Mismatch);
        Assert.DoesNotContain(outcome.Effects.OfType<Domain.Orders.OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
        Assert.Equal(7.20m, outcome.Sale.Lines.Where(l => l.Role.StartsWith(Domain.Finance.AccountRoles.TaxPayable, StringComparison.Ordinal)).Sum(l => l.Credit));
    }
}

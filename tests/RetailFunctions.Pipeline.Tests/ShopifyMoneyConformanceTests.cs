using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Shopify;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Web-store orders written from the documented fields of Shopify's Order resource (not copied payloads). For each,
/// the canonical order's total equals the document's <c>total_price</c>, and the journal books what was captured,
/// balanced, with no rounding line.
/// </summary>
public sealed class ShopifyMoneyConformanceTests
{
    internal static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-20T12:00:00Z");

    internal sealed record Outcome(Order Order, IReadOnlyList<OrderEffect> Effects, IReadOnlyList<FinancialFact> Facts)
    {
        public IReadOnlyList<JournalEntry> Entries =>
            [.. Facts.Select(f => Assert.IsType<JournalDecision.Post>(JournalBuilder.Build(f, ChartOfAccounts.Default, JournalRules.Default)).Entry)];

        public JournalEntry Sale => Assert.Single(Entries, e => e.Source == "sale");
    }

    internal static OrderSnapshot Map(string json) =>
        Assert.IsType<ShopifyEvent.OrderCreated>(ShopifyMapper.Map(Delivery("orders/create"), Encoding.UTF8.GetBytes(json))).Order;

    internal static ShopifyDelivery Delivery(string topic, string webhookId = "7c1d9a52-0000-4000-8000-000000000001") =>
        new("retail.myshopify.com", topic, webhookId, null, Now, "2025-10");

    /// <summary>Records the order and its payments through the decider, and follows every event into effects and journal facts.</summary>
    internal static Outcome Record(string json, Order? start = null, string topic = "orders/create", string webhookId = "7c1d9a52-0000-4000-8000-000000000001")
    {
        var snapshot = Map(json);
        var skus = snapshot.Lines.ToDictionary(l => l.ChannelLineId, l => l.IsCustom || l.IsGiftCard ? null : (string?)$"SKU-{l.ChannelLineId}");
        var delivery = Delivery(topic, webhookId);
        return Run(start ?? Order.Empty($"web-{snapshot.ChannelOrderId}"),
            [ShopifyOrderCommands.Record(delivery, snapshot, skus, null, Now), .. ShopifyOrderCommands.Payments(delivery, snapshot, Now)]);
    }

    internal static Outcome Run(Order order, IEnumerable<OrderCommand> commands)
    {
        var effects = new List<OrderEffect>();
        var facts = new List<FinancialFact>();
        foreach (var command in commands)
        {
            var decision = Assert.IsType<OrderDecision.Accept>(OrderDecider.Decide(command, order, OrderPolicy.Default));
            foreach (var e in decision.Events)
            {
                var before = order;
                order = OrderEvolution.Evolve(order, e);
                effects.AddRange(OrderEffects.For(before, e, order));
                facts.AddRange(JournalOrderSubscriber.FactsFor(new OrderEventMessage(order.OrderId, order.Sequence, e.GetType().Name, e, order)));
            }
        }
        return new Outcome(order, effects, facts);
    }

    private static void AssertBooksWhatWasCaptured(Outcome outcome, decimal totalPrice)
    {
        Assert.Equal(totalPrice, outcome.Order.Total);
        Assert.Equal(0m, outcome.Order.Draft!.Mismatch);
        Assert.Equal(totalPrice, outcome.Order.Captured);
        Assert.DoesNotContain(outcome.Effects.OfType<OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
        var entries = outcome.Entries;
        Assert.All(entries, e => Assert.True(e.IsBalanced));
        Assert.DoesNotContain(entries.SelectMany(e => e.Lines), l => l.Role == AccountRoles.Rounding);
        Assert.Equal(outcome.Order.Captured, entries.SelectMany(e => e.Lines).Where(l => l.Role.StartsWith(AccountRoles.TenderClearing, StringComparison.Ordinal)).Sum(l => l.Debit));
    }

    private static decimal Credited(JournalEntry entry, string role) => entry.Lines.Where(l => l.Role.StartsWith(role, StringComparison.Ordinal)).Sum(l => l.Credit - l.Debit);

    [Fact]
    public void GivenADiscountCodeAllocatedBesideAZeroTotalDiscount_WhenRecorded_ThenTheDiscountIsBookedAndTheTotalIsTheDocuments()
    {
        var outcome = Record("""
            {"id":820982911946154500,"name":"#1101","currency":"USD","created_at":"2026-11-20T10:00:00Z","financial_status":"paid",
             "taxes_included":false,"subtotal_price":"90.00","total_discounts":"10.00","total_tax":"7.60","total_price":"102.60",
             "discount_codes":[{"code":"TENOFF","amount":"10.00","type":"fixed_amount"}],
             "discount_applications":[{"type":"discount_code","code":"TENOFF","value":"10.0","value_type":"fixed_amount",
                                       "allocation_method":"across","target_selection":"all","target_type":"line_item"}],
             "line_items":[{"id":466157049,"variant_id":39072856,"product_id":632910392,"sku":"MUG","title":"Mug","quantity":2,"price":"50.00",
                            "total_discount":"0.00","discount_allocations":[{"amount":"10.00","discount_application_index":0}],
                            "tax_lines":[{"title":"State tax","rate":0.08,"price":"7.20"}]}],
             "shipping_lines":[{"title":"Standard","code":"standard","price":"5.00","discount_allocations":[],
                                "tax_lines":[{"title":"State tax","rate":0.08,"price":"0.40"}]}],
             "transactions":[
               {"id":389404469,"kind":"sale","status":"failure","amount":"102.60","currency":"USD","gateway":"shopify_payments"},
               {"id":389404470,"kind":"sale","status":"success","amount":"102.60","currency":"USD","gateway":"shopify_payments"}]}
            """);

        AssertBooksWhatWasCaptured(outcome, 102.60m);
        Assert.Equal(10m, Assert.Single(outcome.Order.Lines).Discount);
        Assert.Equal(10m, -Credited(outcome.Sale, AccountRoles.Discounts));
        Assert.Equal(7.60m, Credited(outcome.Sale, AccountRoles.TaxPayable));
    }

    [Fact]
    public void GivenAnAutomaticOrderDiscountTheLinesDoNotCarry_WhenRecorded_ThenItIsSpreadAcrossTheLinesToTheCent()
    {
        var outcome = Record("""
            {"id":820982911946154501,"currency":"USD","created_at":"2026-11-20T10:00:00Z","taxes_included":false,
             "subtotal_price":"85.00","total_discounts":"15.00","total_tax":"0.00","total_price":"85.00",
             "discount_applications":[{"type":"automatic","title":"15% off","value":"15.0","value_type":"percentage",
                                       "allocation_method":"across","target_selection":"all","target_type":"line_item"}],
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"60.00"},
                           {"id":2,"variant_id":12,"product_id":22,"sku":"B","title":"B","quantity":1,"price":"40.00"}],
             "transactions":[{"id":5,"kind":"sale","status":"success","amount":"85.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        AssertBooksWhatWasCaptured(outcome, 85.00m);
        Assert.Equal([9.00m, 6.00m], outcome.Order.Lines.Select(l => l.Discount));
    }

    [Fact]
    public void GivenAVatShopWithTaxIncludedPrices_WhenRecorded_ThenRevenueIsNetOfTheIncludedTax()
    {
        var outcome = Record("""
            {"id":820982911946154502,"currency":"EUR","created_at":"2026-11-20T10:00:00Z","taxes_included":true,
             "subtotal_price":"108.00","total_discounts":"12.00","total_tax":"19.00","total_price":"114.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"Jacket","quantity":1,"price":"120.00","total_discount":"0.00",
                            "discount_allocations":[{"amount":"12.00","discount_application_index":0}],
                            "tax_lines":[{"title":"VAT","rate":0.2,"price":"18.00"}]}],
             "shipping_lines":[{"title":"Post","price":"6.00","tax_lines":[{"title":"VAT","rate":0.2,"price":"1.00"}]}],
             "transactions":[{"id":5,"kind":"sale","status":"success","amount":"114.00","currency":"EUR","gateway":"shopify_payments"}]}
            """);

        AssertBooksWhatWasCaptured(outcome, 114.00m);
        Assert.Equal(19.00m, Credited(outcome.Sale, AccountRoles.TaxPayable));
        // Revenue is what was paid net of VAT: 108 - 18 for the jacket, 6 - 1 for shipping.
        Assert.Equal(95.00m, Credited(outcome.Sale, AccountRoles.Revenue) + Credited(outcome.Sale, AccountRoles.Discounts));
    }

    [Fact]
    public void GivenAShopperPayingInAnotherCurrency_WhenRecorded_ThenTheShopsCurrencyIsBookedAndTheShoppersIsKept()
    {
        var json = """
            {"id":820982911946154503,"currency":"USD","presentment_currency":"EUR","created_at":"2026-11-20T10:00:00Z","taxes_included":false,
             "subtotal_price":"100.00","total_discounts":"0.00","total_tax":"0.00","total_price":"100.00",
             "total_price_set":{"shop_money":{"amount":"100.00","currency_code":"USD"},"presentment_money":{"amount":"92.50","currency_code":"EUR"}},
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"100.00"}],
             "transactions":[{"id":5,"kind":"sale","status":"success","amount":"92.50","currency":"EUR","gateway":"shopify_payments"}]}
            """;
        var payment = Assert.Single(Map(json).Payments);
        Assert.Equal((100.00m, "USD", 92.50m, "EUR"), (payment.Amount, payment.Currency, payment.PresentmentAmount, payment.PresentmentCurrency));

        var outcome = Record(json);
        AssertBooksWhatWasCaptured(outcome, 100.00m);
        Assert.Equal("USD", outcome.Sale.Currency);
    }

    [Fact]
    public void GivenACustomLineAndAGiftCard_WhenRecorded_ThenTheCustomLineIsRevenueWithoutStockAndOnlyTheGiftCardIsALiability()
    {
        var outcome = Record("""
            {"id":820982911946154504,"currency":"USD","created_at":"2026-11-20T10:00:00Z","taxes_included":false,
             "subtotal_price":"70.00","total_discounts":"0.00","total_tax":"0.00","total_price":"70.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"Pen","quantity":1,"price":"30.00"},
                           {"id":2,"variant_id":null,"product_id":null,"sku":null,"title":"Engraving","quantity":1,"price":"15.00","gift_card":false},
                           {"id":3,"variant_id":13,"product_id":23,"sku":null,"title":"Gift card","quantity":1,"price":"25.00","gift_card":true}],
             "transactions":[{"id":5,"kind":"sale","status":"success","amount":"70.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        AssertBooksWhatWasCaptured(outcome, 70.00m);
        Assert.Equal([(false, true), (false, false), (true, false)], outcome.Order.Lines.Select(l => (l.IsGiftCard, l.MovesStock)));
        Assert.Equal(45.00m, Credited(outcome.Sale, AccountRoles.Revenue));
        Assert.Equal(25.00m, Credited(Assert.Single(outcome.Entries, e => e.Source == "gift-card-sold"), AccountRoles.GiftCardLiability));
        Assert.DoesNotContain(outcome.Effects.OfType<OrderEffect.RaiseException>(), x => x.Reason == "unmapped-sku");
    }

    [Fact]
    public void GivenFreeShippingByDiscount_WhenRecorded_ThenShippingIsBookedNetOfItsDiscount()
    {
        var outcome = Record("""
            {"id":820982911946154505,"currency":"USD","created_at":"2026-11-20T10:00:00Z","taxes_included":false,
             "subtotal_price":"50.00","total_discounts":"10.00","total_tax":"0.00","total_price":"50.00",
             "discount_applications":[{"type":"discount_code","code":"FREESHIP","value":"100.0","value_type":"percentage",
                                       "allocation_method":"each","target_selection":"all","target_type":"shipping_line"}],
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"50.00","discount_allocations":[]}],
             "shipping_lines":[{"title":"Express","price":"10.00","discounted_price":"0.00","discount_allocations":[{"amount":"10.00","discount_application_index":0}]}],
             "transactions":[{"id":5,"kind":"sale","status":"success","amount":"50.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        AssertBooksWhatWasCaptured(outcome, 50.00m);
        Assert.Equal(0m, outcome.Order.Draft!.Shipping);
    }

    [Fact]
    public void GivenATestOrder_WhenRecorded_ThenItIsKeptAndMarkedButNothingIsJournalled()
    {
        var outcome = Record("""
            {"id":820982911946154506,"currency":"USD","created_at":"2026-11-20T10:00:00Z","test":true,"total_price":"20.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"20.00"}],
             "transactions":[{"id":5,"kind":"sale","status":"success","amount":"20.00","currency":"USD","gateway":"bogus","test":true}]}
            """);

        Assert.True(outcome.Order.IsKnown);
        Assert.True(outcome.Order.Draft!.IsTest);
        Assert.Equal(20.00m, outcome.Order.Captured);
        Assert.Empty(outcome.Facts);
    }

    [Fact]
    public void GivenATotalThePartsCannotReproduce_WhenRecorded_ThenTheDocumentWinsAndFinanceIsToldBothFiguresAndTheDifference()
    {
        var outcome = Record("""
            {"id":820982911946154507,"name":"#1107","currency":"USD","created_at":"2026-11-20T10:00:00Z","taxes_included":false,
             "subtotal_price":"100.00","total_discounts":"0.00","total_tax":"0.00","total_price":"101.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":1,"price":"100.00"}],
             "transactions":[{"id":5,"kind":"sale","status":"success","amount":"101.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        Assert.Equal((101.00m, 100.00m, 1.00m), (outcome.Order.Total, outcome.Order.Draft!.ComputedTotal, outcome.Order.Draft.Mismatch));
        var raised = Assert.Single(outcome.Effects.OfType<OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
        Assert.Equal("finance", raised.Owner);
        Assert.Contains("#1107", raised.Detail, StringComparison.Ordinal);
        Assert.Contains("101.00 USD", raised.Detail, StringComparison.Ordinal);
        Assert.Contains("100.00 USD", raised.Detail, StringComparison.Ordinal);
        Assert.Contains("difference of 1.00", raised.Detail, StringComparison.Ordinal);
        Assert.True(outcome.Sale.IsBalanced);
        Assert.Equal(101.00m, outcome.Sale.Lines.Where(l => l.Role.StartsWith(AccountRoles.TenderClearing, StringComparison.Ordinal)).Sum(l => l.Debit));
    }

    internal static Outcome Refund(Outcome recorded, string json, string webhookId = "7c1d9a52-0000-4000-8000-000000000002")
    {
        var refund = Assert.IsType<ShopifyEvent.RefundCreated>(ShopifyMapper.Map(Delivery("refunds/create", webhookId), Encoding.UTF8.GetBytes(json))).Refund;
        var skus = refund.Lines.ToDictionary(l => l.ChannelRefundLineId, l => (string?)$"SKU-{l.ChannelLineId}");
        var locations = refund.Lines.ToDictionary(l => l.ChannelRefundLineId, _ => (string?)"WH-1");
        var command = ShopifyOrderCommands.Refund(Delivery("refunds/create", webhookId), refund, locations, skus, ["shopify_payments"], Now,
            recorded.Order.Draft!.TaxesIncluded);
        return Run(recorded.Order, [command]);
    }

    private const string VatOrder = """
        {"id":820982911946154510,"currency":"EUR","created_at":"2026-11-20T10:00:00Z","taxes_included":true,"total_price":"126.00",
         "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"Shirt","quantity":2,"price":"60.00",
                        "tax_lines":[{"title":"VAT","rate":0.2,"price":"20.00"}]}],
         "shipping_lines":[{"title":"Post","price":"6.00","tax_lines":[{"title":"VAT","rate":0.2,"price":"1.00"}]}],
         "transactions":[{"id":5,"kind":"sale","status":"success","amount":"126.00","currency":"EUR","gateway":"shopify_payments"}]}
        """;

    [Fact]
    public void GivenAVatShop_WhenOneLineIsRefunded_ThenItsIncludedTaxIsNotCountedTwice()
    {
        var refunded = Refund(Record(VatOrder), """
            {"id":929361462,"order_id":820982911946154510,"created_at":"2026-11-22T10:00:00Z","restock":true,
             "refund_line_items":[{"id":104689539,"line_item_id":1,"quantity":1,"restock_type":"return","location_id":1,
                                   "subtotal":"60.00","total_tax":"10.00","line_item":{"id":1,"variant_id":11,"sku":"A","price":"60.00","quantity":2}}],
             "transactions":[{"id":179259969,"kind":"refund","status":"success","amount":"60.00","currency":"EUR","gateway":"shopify_payments"}]}
            """);

        var refund = Assert.Single(refunded.Order.Refunds);
        Assert.Equal((50.00m, 10.00m, 0m), (refund.Goods, refund.Tax, refund.Shipping));
        Assert.All(refunded.Entries, e => Assert.True(e.IsBalanced));
    }

    [Fact]
    public void GivenARefundWithAShippingAdjustment_WhenRecorded_ThenShippingAndItsTaxComeFromTheAdjustment()
    {
        var refunded = Refund(Record(VatOrder), """
            {"id":929361463,"order_id":820982911946154510,"created_at":"2026-11-22T10:00:00Z",
             "refund_line_items":[{"id":104689540,"line_item_id":1,"quantity":1,"restock_type":"no_restock",
                                   "subtotal":"60.00","total_tax":"10.00"}],
             "order_adjustments":[{"id":1,"order_id":820982911946154510,"refund_id":929361463,"kind":"shipping_refund","reason":"Shipping refund",
                                   "amount":"-6.00","tax_amount":"-1.00"},
                                  {"id":2,"order_id":820982911946154510,"refund_id":929361463,"kind":"refund_discrepancy","reason":"Refund discrepancy",
                                   "amount":"-4.00","tax_amount":"0.00"}],
             "transactions":[{"id":179259970,"kind":"refund","status":"success","amount":"62.00","currency":"EUR","gateway":"shopify_payments"},
                             {"id":179259971,"kind":"refund","status":"failure","amount":"62.00","currency":"EUR","gateway":"shopify_payments"}]}
            """);

        var refund = Assert.Single(refunded.Order.Refunds);
        // 62.00 moved: 6.00 shipping (its 1.00 VAT included), 10.00 tax on the shirt, and the shirt's 50.00 less the 4.00 kept back.
        Assert.Equal((46.00m, 10.00m, 6.00m, 62.00m), (refund.Goods, refund.Tax, refund.Shipping, refund.Tenders.Sum(t => t.Amount)));
        Assert.All(refunded.Entries, e => Assert.True(e.IsBalanced));
    }
}

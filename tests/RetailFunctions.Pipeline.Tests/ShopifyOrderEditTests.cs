using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Shopify;
using static RetailFunctions.Pipeline.Tests.ShopifyMoneyConformanceTests;
using static RetailFunctions.Pipeline.Tests.ShopifyRestockTests;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Order edits, from the documented <c>orders/edited</c> body (line ids and deltas) and the order's
/// <c>current_quantity</c> and <c>current_total_price</c>: holds and the revenue of later captures follow the edit.
/// </summary>
public sealed class ShopifyOrderEditTests
{
    private const string Authorized = """
        {"id":5900000001,"name":"#1401","currency":"USD","created_at":"2026-11-20T10:00:00Z","updated_at":"2026-11-20T10:00:00Z",
         "total_price":"100.00","refunds":[],
         "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"Socks","quantity":3,"price":"20.00","current_quantity":3},
                       {"id":2,"variant_id":12,"product_id":22,"sku":"B","title":"Cap","quantity":1,"price":"40.00","current_quantity":1}],
         "transactions":[{"id":901,"kind":"authorization","status":"success","amount":"100.00","currency":"USD","gateway":"shopify_payments"}]}
        """;

    private static Outcome Edited(Outcome recorded, string committedAt = "2026-11-20T12:00:00Z")
    {
        var body = """
            {"order_edit":{"id":78912,"app_id":null,"created_at":"2026-11-20T11:59:00Z","committed_at":"COMMITTED","notify_customer":false,
             "order_id":5900000001,"staff_note":"","user_id":null,
             "line_items":{"additions":[],"removals":[{"id":1,"delta":1}]},
             "discounts":{"line_item":{"additions":[],"removals":[]}},"shipping_lines":{"additions":[],"removals":[]}}}
            """.Replace("COMMITTED", committedAt, StringComparison.Ordinal);
        var edit = Assert.IsType<ShopifyEvent.OrderEdited>(ShopifyMapper.Map(Delivery("orders/edited", "7c1d9a52-0000-4000-8000-000000000031"),
            Encoding.UTF8.GetBytes(body))).Edit;
        return Run(recorded.Order, [ShopifyOrderCommands.Edit(Delivery("orders/edited"), edit, Now)]);
    }

    private static Outcome Capture(Order order, decimal amount) =>
        Run(order, [new OrderCommand.RecordPayment("shopify-transaction:902", "shopify", Now, new Domain.Orders.Tender("shopify:shopify_payments", "card",
            "shopify_payments", null, null, null), new PaymentTransaction("shopify:902", "shopify:shopify_payments", PaymentKind.Capture, amount,
            DateTimeOffset.Parse("2026-11-21T09:00:00Z")))]);

    [Fact]
    public void GivenAHeldAuthorizedOrder_WhenAnEditRemovesAUnit_ThenItsHoldFollowsAndTheLaterCaptureBooksTheEditedOrderWithoutAMismatch()
    {
        var held = Confirm(Run(Record(Authorized).Order, [Allocate()]));
        var socksHold = Assert.Single(held.Order.Shipments.SelectMany(s => s.Lines), l => l.LineId == "1");

        var edited = Edited(held);

        Assert.Equal(2m, edited.Order.Line("1")!.Quantity);
        Assert.Equal(80.00m, edited.Order.Total);
        Assert.Equal(socksHold.ReservationId, Assert.Single(edited.Effects.OfType<OrderEffect.ReleaseStock>()).ReservationId);
        Assert.Equal(("1", 2m), Assert.Single(OrderDecider.Needs(edited.Order)) is var need ? (need.LineId, need.Quantity) : default);

        var captured = Capture(edited.Order, 80.00m);
        var sale = captured.Sale;
        Assert.True(sale.IsBalanced);
        Assert.Equal(-80.00m, sale.Lines.Where(l => l.Role.StartsWith(AccountRoles.Revenue, StringComparison.Ordinal)).Sum(l => l.Debit - l.Credit));
        Assert.DoesNotContain(edited.Effects.Concat(captured.Effects).OfType<OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
    }

    [Fact]
    public void GivenASnapshotTakenAfterTheEdit_WhenTheEditArrivesLate_ThenItIsNotAppliedTwice()
    {
        var later = Record(Authorized.Replace("\"updated_at\":\"2026-11-20T10:00:00Z\"", "\"updated_at\":\"2026-11-20T12:00:05Z\"")
            .Replace("\"total_price\":\"100.00\"", "\"total_price\":\"100.00\",\"current_total_price\":\"80.00\"")
            .Replace("\"quantity\":3,\"price\":\"20.00\",\"current_quantity\":3", "\"quantity\":3,\"price\":\"20.00\",\"current_quantity\":2"));
        Assert.Equal(2m, later.Order.Line("1")!.Quantity);

        var edited = Edited(later);

        Assert.Equal(2m, edited.Order.Line("1")!.Quantity);
        Assert.Empty(edited.Effects);
    }

    [Fact]
    public void GivenASnapshotWhoseLineLostAUnitToAnEdit_WhenRecorded_ThenCurrentQuantityAndCurrentTotalPriceAreHonoured()
    {
        var held = Confirm(Run(Record(Authorized).Order, [Allocate()]));
        var updated = Record(Authorized.Replace("\"updated_at\":\"2026-11-20T10:00:00Z\"", "\"updated_at\":\"2026-11-20T12:00:00Z\"")
            .Replace("\"total_price\":\"100.00\"", "\"total_price\":\"100.00\",\"current_total_price\":\"80.00\"")
            .Replace("\"current_quantity\":3", "\"current_quantity\":2"), held.Order, "orders/updated", "7c1d9a52-0000-4000-8000-000000000032");

        Assert.Equal((2m, 80.00m, 0m), (updated.Order.Line("1")!.Quantity, updated.Order.Total, updated.Order.Draft!.Mismatch));
        Assert.Single(updated.Effects.OfType<OrderEffect.ReleaseStock>());
        Assert.DoesNotContain(updated.Effects.OfType<OrderEffect.RaiseException>(), x => x.Reason == "amount-mismatch");
    }

    [Fact]
    public void GivenAUnitRefundedNotEdited_WhenTheSnapshotsCurrentQuantityDropsByIt_ThenTheLineKeepsItsQuantityForTheRefundToAccountFor()
    {
        var snapshot = Map(Authorized.Replace("\"current_quantity\":3", "\"current_quantity\":2").Replace("\"refunds\":[]",
            "\"refunds\":[{\"id\":99,\"refund_line_items\":[{\"id\":5,\"line_item_id\":1,\"quantity\":1,\"restock_type\":\"cancel\"}]}]"));

        Assert.Equal(0m, ShopifyOrderCommands.RemovedByEdits(snapshot, snapshot.Lines[0]));
        var recorded = Record(Authorized.Replace("\"current_quantity\":3", "\"current_quantity\":2").Replace("\"refunds\":[]",
            "\"refunds\":[{\"id\":99,\"refund_line_items\":[{\"id\":5,\"line_item_id\":1,\"quantity\":1,\"restock_type\":\"cancel\"}]}]"));
        Assert.Equal(3m, recorded.Order.Line("1")!.Quantity);
    }
}

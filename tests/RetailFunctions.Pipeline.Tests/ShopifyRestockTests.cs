using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using static RetailFunctions.Pipeline.Tests.ShopifyMoneyConformanceTests;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Restocking refunds follow what happened to each unit, by the refund line's documented <c>restock_type</c>:
/// <c>return</c> restocks only units that shipped, <c>cancel</c> releases the holds of units that never shipped,
/// <c>no_restock</c> moves no stock.
/// </summary>
public sealed class ShopifyRestockTests
{
    private const string TwoShirts = """
        {"id":5800000001,"currency":"USD","created_at":"2026-11-20T10:00:00Z","updated_at":"2026-11-20T10:00:00Z","total_price":"80.00",
         "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"Shirt","quantity":2,"price":"40.00"}],
         "transactions":[{"id":801,"kind":"sale","status":"success","amount":"80.00","currency":"USD","gateway":"shopify_payments"}]}
        """;

    internal static int step;

    internal static OrderCommand Allocate() =>
        new OrderCommand.AllocateStock($"allocate-{++step}", "router", Now, [new StockCandidate("WH-1", "SKU-1", 10m, null)]);

    internal static Outcome Confirm(Outcome outcome) =>
        Run(outcome.Order, [.. outcome.Effects.OfType<OrderEffect.ReserveStock>().Select(r =>
            new OrderCommand.RecordReservation($"reserved-{r.ReservationId}", "ledger", Now, r.ShipmentId, r.LineId, true, null))]);

    /// <summary>Two shirts held at the warehouse; when <paramref name="shipOne"/>, the web store fulfilled one and the other is held again.</summary>
    private static Outcome Held(bool shipOne)
    {
        var held = Confirm(Run(Record(TwoShirts).Order, [Allocate()]));
        if (!shipOne) return held;
        var shipped = Run(held.Order, [new OrderCommand.RecordChannelFulfilment("shopify-fulfillment:901", "shopify", Now, new Dictionary<string, decimal> { ["1"] = 1m }, "WH-1")]);
        return Confirm(Run(shipped.Order, [Allocate()]));
    }

    private static string RefundOf(int quantity, string restockType) => $$"""
        {"id":9{{quantity}}{{restockType.Length}},"order_id":5800000001,"created_at":"2026-11-22T10:00:00Z",
         "refund_line_items":[{"id":71,"line_item_id":1,"quantity":{{quantity}},"restock_type":"{{restockType}}","location_id":1,
                               "subtotal":"{{40 * quantity}}.00","total_tax":"0.00"}],
         "transactions":[{"id":81{{quantity}},"kind":"refund","status":"success","amount":"{{40 * quantity}}.00","currency":"USD","gateway":"shopify_payments"}]}
        """;

    [Fact]
    public void GivenOneOfTwoUnitsShipped_WhenBothAreRefundedWithTheOlderPlainRestock_ThenOnlyTheShippedUnitIsRestockedAndTheOtherHoldIsReleased()
    {
        var held = Held(shipOne: true);
        var stillHeld = Assert.Single(held.Order.Shipments.SelectMany(s => s.Lines), l => l.Reservation == ReservationState.Reserved);

        var refunded = Refund(held, RefundOf(2, "legacy_restock"));

        var restocked = Assert.Single(refunded.Effects.OfType<OrderEffect.ReturnStock>());
        Assert.Equal(1m, restocked.Quantity);
        Assert.Equal(stillHeld.ReservationId, Assert.Single(refunded.Effects.OfType<OrderEffect.ReleaseStock>()).ReservationId);
        Assert.DoesNotContain(refunded.Effects, e => e is OrderEffect.RouteStock);
        Assert.Empty(OrderDecider.Needs(refunded.Order));
        Assert.Equal(1m, refunded.Order.Cancelled("1"));
        Assert.All(refunded.Entries, e => Assert.True(e.IsBalanced));
    }

    [Fact]
    public void GivenTwoUnitsHeldAndNoneShipped_WhenOneIsRefundedAsACancel_ThenItsHoldIsReleasedNotRestockedAndOnlyOneIsHeldAgain()
    {
        var held = Held(shipOne: false);
        var hold = Assert.Single(held.Order.Shipments.SelectMany(s => s.Lines));
        Assert.Equal(2m, hold.Quantity);

        var refunded = Refund(held, RefundOf(1, "cancel"));

        Assert.Empty(refunded.Effects.OfType<OrderEffect.ReturnStock>());
        Assert.Equal(hold.ReservationId, Assert.Single(refunded.Effects.OfType<OrderEffect.ReleaseStock>()).ReservationId);
        Assert.Contains(refunded.Effects, e => e is OrderEffect.RouteStock);
        Assert.Equal(1m, Assert.Single(OrderDecider.Needs(refunded.Order)).Quantity);
        var again = Run(refunded.Order, [Allocate()]);
        Assert.Equal(1m, Assert.Single(again.Effects.OfType<OrderEffect.ReserveStock>()).Quantity);
    }

    [Fact]
    public void GivenOneUnitShipped_WhenItIsRefundedWithoutRestock_ThenNoStockMoves()
    {
        var refunded = Refund(Held(shipOne: true), RefundOf(1, "no_restock"));

        Assert.Empty(refunded.Effects.OfType<OrderEffect.ReturnStock>());
        Assert.Empty(refunded.Effects.OfType<OrderEffect.ReleaseStock>());
        Assert.Empty(refunded.Effects.OfType<OrderEffect.ConsumeStock>());
        Assert.Equal(0m, refunded.Order.Cancelled("1"));
        Assert.Equal(40.00m, Assert.Single(refunded.Order.Refunds).Total);
    }

    [Fact]
    public void GivenOneUnitShippedAndOneHeld_WhenOneIsRefundedAsACancelAndOneAsAReturn_ThenTheReturnIsRestockedAndTheCancelReleasesTheHold()
    {
        var held = Held(shipOne: true);
        var stillHeld = Assert.Single(held.Order.Shipments.SelectMany(s => s.Lines), l => l.Reservation == ReservationState.Reserved);

        var refunded = Refund(held, """
            {"id":961,"order_id":5800000001,"created_at":"2026-11-22T10:00:00Z",
             "refund_line_items":[{"id":72,"line_item_id":1,"quantity":1,"restock_type":"return","location_id":1,"subtotal":"40.00","total_tax":"0.00"},
                                  {"id":73,"line_item_id":1,"quantity":1,"restock_type":"cancel","location_id":1,"subtotal":"40.00","total_tax":"0.00"}],
             "transactions":[{"id":971,"kind":"refund","status":"success","amount":"80.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        Assert.Equal(1m, Assert.Single(refunded.Effects.OfType<OrderEffect.ReturnStock>()).Quantity);
        Assert.Equal(stillHeld.ReservationId, Assert.Single(refunded.Effects.OfType<OrderEffect.ReleaseStock>()).ReservationId);
        Assert.Equal((1m, 1m), (refunded.Order.Returned("1"), refunded.Order.Cancelled("1")));
        Assert.Empty(OrderDecider.Needs(refunded.Order));
        Assert.Equal(OrderStatus.Fulfilled, refunded.Order.Status);
    }

    private static OrderCommand Fulfilled(string id) =>
        ShopifyOrderCommands.Fulfilment(Delivery("fulfillments/create", $"7c1d9a52-0000-4000-8000-0000000009{id}"),
            Shopify.ShopifyMapper.Fulfillment(System.Text.Json.JsonDocument.Parse($$"""
                {"id":90{{id}},"order_id":5800000001,"status":"success","location_id":1,"created_at":"2026-11-21T10:00:00Z","tracking_numbers":["1Z{{id}}"],
                 "line_items":[{"id":1,"variant_id":11,"sku":"A","quantity":1}]}
                """).RootElement), "WH-1", Now);

    [Fact]
    public void GivenALineShippedInTwoParcels_WhenEachFulfilmentArrives_ThenStockLeavesOnceForEachUnitAndTheBooksHoldWhatWasCaptured()
    {
        var recorded = Record(TwoShirts);
        var first = Run(Held(shipOne: false).Order, [Fulfilled("1")]);
        var held = Confirm(Run(first.Order, [Allocate()]));
        var second = Run(held.Order, [Fulfilled("2")]);

        var consumed = first.Effects.Concat(second.Effects).OfType<OrderEffect.ConsumeStock>().ToList();
        Assert.Equal(2m, consumed.Sum(c => c.Quantity));
        Assert.Empty(OrderDecider.Needs(second.Order));
        Assert.Equal(OrderStatus.Fulfilled, second.Order.Status);
        Assert.Equal(80.00m, second.Order.Total);
        var sale = recorded.Sale;
        Assert.True(sale.IsBalanced);
        Assert.Equal(80.00m, sale.Lines.Where(l => l.Role.StartsWith(Domain.Finance.AccountRoles.TenderClearing, StringComparison.Ordinal)).Sum(l => l.Debit));
    }

    [Fact]
    public void GivenAReturnOfAShippedUnit_WhenRefunded_ThenThatUnitIsRestockedAtTheRefundsLocation()
    {
        var refunded = Refund(Held(shipOne: true), RefundOf(1, "return"));

        var restocked = Assert.Single(refunded.Effects.OfType<OrderEffect.ReturnStock>());
        Assert.Equal((1m, "WH-1"), (restocked.Quantity, restocked.Location));
        Assert.Empty(refunded.Effects.OfType<OrderEffect.ReleaseStock>());
    }
}

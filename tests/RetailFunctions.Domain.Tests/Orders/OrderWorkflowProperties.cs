using RetailFunctions.Domain.Orders;
using static RetailFunctions.Domain.Orders.OrderCommand;
using static RetailFunctions.Domain.Tests.Orders.OrderBuilders;

namespace RetailFunctions.Domain.Tests.Orders;

/// <summary>
/// Random store-side workflows (routing, ledger answers, store actions, expiries, cancellation, payments, returns and
/// refunds, with commands delivered again now and then) never break the order's invariants: money back never exceeds
/// money taken, nothing is returned that was not fulfilled, and the ledger holds exactly the reservations the order
/// still holds, having sold exactly what left.
/// </summary>
public sealed class OrderWorkflowProperties
{
    private static readonly GeoPoint Customer = new(52.37, 4.90);

    private static readonly StockCandidate[] Candidates =
    [
        Stock("A", "SKU-A", 2m, new GeoPoint(52.36, 4.88)), Stock("A", "SKU-B", 5m, new GeoPoint(52.36, 4.88)),
        Stock("B", "SKU-A", 5m, new GeoPoint(51.92, 4.48)), Stock("B", "SKU-B", 1m, new GeoPoint(51.92, 4.48)),
        Stock(Warehouse, "SKU-A", 1m),
    ];

    [Fact]
    public void AnyStoreSideWorkflowKeepsMoneyReturnsAndStockConsistent()
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        for (var run = 0; run < 300; run++)
        {
            var random = new Random(7000 + run);
            var pickup = random.Next(2) == 0;
            var draft = Draft(pickup ? FulfilmentMethod.Pickup : FulfilmentMethod.Ship, pickup ? "STORE-1" : null, Customer, shipping: 5m, shippingTax: 1m,
                lines: [Line("L1", "SKU-A", 3m, 10m, tax: 1m), Line("L2", "SKU-B", 2m, 7.5m)]);
            var order = Given(Record(draft));
            var active = new HashSet<string>(StringComparer.Ordinal);
            var sold = new Dictionary<string, decimal>(StringComparer.Ordinal);
            var sent = new List<OrderCommand>();
            var at = At(0);
            for (var step = 0; step < 40; step++)
            {
                at = at.AddMinutes(random.Next(1, 3) == 1 ? random.Next(1, 60) : random.Next(60, 60 * 24 * 4));
                var command = sent.Count > 0 && random.Next(8) == 0 ? sent[random.Next(sent.Count)] : Next(random, order, at, step);
                sent.Add(command);
                var result = OrderWorkflow.Execute(command, order, Policy);
                var context = $"run {run} step {step} {command.GetType().Name} {command.CommandId}";

                foreach (var effect in result.Effects)
                    switch (effect)
                    {
                        case OrderEffect.ReserveStock r:
                            Assert.True(active.Add(r.ReservationId), $"{context}: {r.ReservationId} reserved twice");
                            break;
                        case OrderEffect.ReleaseStock r:
                            Assert.True(active.Remove(r.ReservationId), $"{context}: {r.ReservationId} released but not held");
                            break;
                        case OrderEffect.ConsumeStock c:
                            Assert.True(active.Remove(c.ReservationId), $"{context}: {c.ReservationId} sold but not held");
                            sold[c.Sku] = sold.GetValueOrDefault(c.Sku) + c.Quantity;
                            break;
                    }
                // The ledger refused these: it never held them.
                foreach (var refused in result.Events.OfType<OrderEvent.ReservationRefused>())
                    active.Remove(OrderDecider.ReservationId(OrderId, refused.ShipmentId, refused.LineId));
                order = result.Next;
                reached.UnionWith(result.Events.Select(e => e is OrderEvent.ShipmentAdvanced a ? $"{a.GetType().Name}:{a.Stage}" : e.GetType().Name));
                if (result.Events.OfType<OrderEvent.RefundIssued>().Any(r => r.Refund.StoreCredit > 0m)) reached.Add("store credit");
                if (result.Refusal is not null) reached.Add("refused");

                var held = order.Shipments.Where(s => s.IsOpen && !s.HasLeft).SelectMany(s => s.Lines)
                    .Where(l => l.Reservation is ReservationState.Pending or ReservationState.Reserved).Select(l => l.ReservationId).Order(StringComparer.Ordinal);
                Assert.True(held.SequenceEqual(active.Order(StringComparer.Ordinal)), $"{context}: order holds {string.Join(",", held)}, ledger {string.Join(",", active)}");
                var left = order.Shipments.Where(s => s.HasLeft).SelectMany(s => s.Lines).GroupBy(l => l.Sku).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity));
                Assert.True(left.Count == sold.Count && left.All(l => sold.GetValueOrDefault(l.Key) == l.Value), $"{context}: shipped and sold differ");

                var taken = order.Payments.Sum(p => p.Captured);
                var given = order.Payments.Sum(p => p.Refunded + p.ChargedBack) + order.Refunds.Sum(r => r.StoreCredit);
                Assert.True(given <= taken, $"{context}: {given} back of {taken} captured");
                Assert.True(order.Refunds.Sum(r => r.Shipping) <= 6m, $"{context}: shipping refunded beyond its charge");
                foreach (var line in order.Lines)
                {
                    Assert.True(order.Returned(line.LineId) <= order.Fulfilled(line.LineId), $"{context}: {line.LineId} returned beyond fulfilled");
                    Assert.True(order.Fulfilled(line.LineId) <= line.Quantity, $"{context}: {line.LineId} fulfilled beyond bought");
                    Assert.True(order.Returns.SelectMany(r => r.Lines).Where(l => l.LineId == line.LineId).Sum(l => l.Amount) <= order.GrossOf(line),
                        $"{context}: {line.LineId} refunded beyond its gross");
                }
            }
        }

        // The generator reaches every transition, so the invariants above were checked where they matter.
        Assert.Subset(reached, new HashSet<string>(StringComparer.Ordinal)
        {
            "StockAllocated", "LineBackordered", "ReservationConfirmed", "ReservationRefused", "ShipmentAdvanced:Shipped", "ShipmentAdvanced:Delivered",
            "ShipmentAdvanced:PickedUp", "PickupDeadlineSet", "PickupExpired", "OrderCancelled", "PaymentRecorded", "ReturnAccepted", "RefundIssued",
            "store credit", "refused",
        });
    }

    /// <summary>
    /// Authorizations, captures and voids of any amount; a chargeback only of money still held (a gateway refund or
    /// chargeback beyond what was captured is another system's fact, not something this workflow decided).
    /// </summary>
    private static RecordPayment Payment(Random random, Order order, string id, DateTimeOffset at)
    {
        var tender = random.Next(3) switch { 0 => Card(), 1 => Card("P-OLD", expiry: "2026-10", last4: "0001"), _ => Cash() };
        var held = order.Payments.FirstOrDefault(p => p.Tender.PaymentId == tender.PaymentId)?.Refundable ?? 0m;
        var (kind, amount) = random.Next(4) == 0 && held > 0m ? (PaymentKind.Chargeback, Math.Min(held, RefundMath.Refundable(order)))
            : ((PaymentKind)random.Next(0, 3), (decimal)random.Next(1, 50));
        return new RecordPayment(id, "gateway", at, tender, new PaymentTransaction($"t-{id}", tender.PaymentId, kind, amount, at));
    }

    private static OrderCommand Next(Random random, Order order, DateTimeOffset at, int step)
    {
        var shipment = order.Shipments.Count == 0 ? "S1" : order.Shipments[random.Next(order.Shipments.Count)].ShipmentId;
        var line = random.Next(2) == 0 ? "L1" : "L2";
        var id = $"c{step}";
        return random.Next(10) switch
        {
            0 => new AllocateStock(id, "router", at, Candidates),
            1 => new RecordReservation(id, "ledger", at, shipment, order.Shipments.FirstOrDefault(s => s.ShipmentId == shipment)?.Lines is { Count: > 0 } lines
                ? lines[random.Next(lines.Count)].LineId : line, random.Next(4) > 0, "short"),
            2 or 3 => new AdvanceShipment(id, "associate", at, shipment, (ShipmentStage)random.Next(0, 7), []),
            4 => random.Next(4) == 0 ? new CancelOrder(id, "associate", at, "asked") : new ExpirePickup(id, "timer", at, shipment),
            5 => Payment(random, order, id, at),
            6 or 7 => new AcceptReturn(id, "associate", at, $"R{step}", random.Next(2) == 0 ? "STORE-9" : "STORE-1",
                [new ReturnRequestLine(line, random.Next(1, 3), (ReturnDisposition)random.Next(2))], random.Next(3) == 0),
            _ => new IssueRefund(id, "associate", at, $"G{step}", random.Next(3) == 0 ? null : random.Next(1, 30), random.Next(3) == 0, "goodwill"),
        };
    }
}

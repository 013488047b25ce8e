using static RetailFunctions.Domain.Orders.OrderEvent;

namespace RetailFunctions.Domain.Orders;

/// <summary>Folds events into the order. Every case is a plain data change; the status is derived afterwards.</summary>
public static class OrderEvolution
{
    public static Order Evolve(Order order, OrderEvent e)
    {
        var next = Apply(order, e);
        var status = StatusOf(next);
        return next with
        {
            Status = status,
            History = status == order.Status && order.History.Count > 0 ? next.History : [.. next.History, new StatusChange(status, e.At, Describe(e))],
            Sequence = order.Sequence + 1,
        };
    }

    public static Order Apply(Order order, OrderEvent e) => e switch
    {
        // Returns recorded before the order was known learn their SKUs from its lines.
        OrderPlaced p => order with
        {
            Draft = p.Draft,
            Version = p.Version,
            Returns = [.. order.Returns.Select(r => r with
            {
                Lines = [.. r.Lines.Select(l => l.Sku.Length > 0 ? l : l with { Sku = p.Draft.Lines.FirstOrDefault(x => x.LineId == l.LineId)?.Sku ?? "" })],
            })],
        },
        // A line that now has a SKU is no longer held as unmapped: it is routed again.
        OrderRevised r => order with
        {
            Draft = r.Draft,
            Version = r.Version,
            Backorders = [.. order.Backorders.Where(b => b.Sku.Length > 0 || r.Draft.Lines.Any(l => l.LineId == b.LineId && l.Sku is null))],
            Shipments = [.. order.Shipments.Select(s => s with
            {
                Lines = [.. s.Lines.Select(l => OrderEffects.OverAllocated(order, r.Draft, s, l) ? l with { Reservation = ReservationState.Released } : l)],
            })],
        },
        StockAllocated a => order with { Shipments = [.. order.Shipments, a.Shipment] },
        LineBackordered b => order with { Backorders = [.. order.Backorders, b.Backorder] },
        ReservationConfirmed c => WithLine(order, c.ShipmentId, c.LineId, l => l with { Reservation = ReservationState.Reserved }),
        ReservationRefused r => Refused(order, r),
        ShipmentAdvanced s => WithShipment(order, s.ShipmentId, sh => sh with
        {
            Stage = s.Stage,
            StageAt = s.At,
            TrackingNumbers = s.TrackingNumbers.Count > 0 ? s.TrackingNumbers : sh.TrackingNumbers,
            CompletedAt = s.Stage is ShipmentStage.Shipped or ShipmentStage.Delivered or ShipmentStage.PickedUp ? s.At : sh.CompletedAt,
            Lines = s.Stage is ShipmentStage.Shipped or ShipmentStage.Delivered or ShipmentStage.PickedUp
                ? [.. sh.Lines.Select(l => l with { Reservation = ReservationState.Consumed })]
                : sh.Lines,
        }),
        PickupDeadlineSet d => WithShipment(order, d.ShipmentId, sh => sh with { PickupDeadline = d.DueAt }),
        PickupExpired x => WithShipment(order, x.ShipmentId, sh => Closed(sh, ShipmentStage.Expired)),
        ChannelFulfilled f => ChannelFulfil(order, f),
        OrderCancelled c => order with
        {
            CancelledAt = c.At,
            CancelReason = c.Reason,
            Shipments = [.. order.Shipments.Select(s => s.IsOpen && !s.HasLeft ? Closed(s, ShipmentStage.Cancelled) : s)],
        },
        PaymentRecorded p => WithTransaction(order, p.Tender, p.Transaction),
        ReturnAccepted r => order with
        {
            Returns = [.. order.Returns, r.Return],
            HeldTillReturns = [.. order.HeldTillReturns.Where(h => h.ReturnId != r.Return.ReturnId)],
        },
        TillReturnHeld h => order with { HeldTillReturns = [.. order.HeldTillReturns, h.Return] },
        // A channel refund can arrive before the payment it returns money to: the tender is known by what the refund says until then.
        RefundIssued r => r.Refund.Tenders.Aggregate(CancelUnits(order, order with { Refunds = [.. order.Refunds, r.Refund] }), (o, t) =>
            WithTransaction(o, o.Payments.FirstOrDefault(p => p.Tender.PaymentId == t.PaymentId)?.Tender ?? new Tender(t.PaymentId, t.Method, null, null, t.Last4, null),
                new PaymentTransaction(t.TransactionId ?? $"refund:{r.Refund.RefundId}:{t.PaymentId}", t.PaymentId, PaymentKind.Refund, t.Amount, r.At))),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown order event"),
    };

    /// <summary>The newest rule that holds, from cancelled down to placed.</summary>
    public static OrderStatus StatusOf(Order order)
    {
        if (order.IsCancelled) return OrderStatus.Cancelled;
        var stockLines = order.Lines.Where(l => l.MovesStock).ToList();
        var allFulfilled = order.IsKnown && stockLines.All(l => order.Fulfilled(l.LineId) >= order.Open(l));
        var open = order.Shipments.Where(s => s.IsOpen).ToList();
        var paid = order.IsKnown && order.Captured >= order.Total && order.Total > 0m;
        if (allFulfilled && open.All(s => s.Stage is ShipmentStage.Delivered or ShipmentStage.PickedUp) && (open.Count > 0 || stockLines.Count == 0 && paid))
            return OrderStatus.Closed;
        if (allFulfilled && stockLines.Count > 0) return OrderStatus.Fulfilled;
        if (open.Any(s => s.Stage != ShipmentStage.Allocated) || stockLines.Any(l => order.Fulfilled(l.LineId) > 0m)) return OrderStatus.Fulfilling;
        var reserved = order.IsKnown && stockLines.Count > 0
            && stockLines.All(l => open.SelectMany(s => s.Lines).Where(sl => sl.LineId == l.LineId && sl.Reservation is ReservationState.Reserved or ReservationState.Consumed).Sum(sl => sl.Quantity) >= order.Open(l));
        if (reserved && paid) return OrderStatus.Paid;
        if (reserved) return OrderStatus.Reserved;
        if (order.Backorders.Count > 0) return OrderStatus.Backordered;
        return OrderStatus.Placed;
    }

    private static string Describe(OrderEvent e) => e switch
    {
        ShipmentAdvanced s => $"shipment {s.ShipmentId} {s.Stage} by {s.Actor}",
        OrderCancelled c => $"cancelled: {c.Reason}",
        ReservationRefused r => $"reservation of {r.LineId} at {r.Location} refused: {r.Reason}",
        LineBackordered b => $"line {b.Backorder.LineId} backordered: {b.Backorder.Reason}",
        _ => e.GetType().Name,
    };

    /// <summary>Holds for units a refund cancelled are released; what the line still needs is routed again.</summary>
    private static Order CancelUnits(Order before, Order after) =>
        after.Refunds[^1].CancelledUnits is null ? after : after with
        {
            Shipments = [.. after.Shipments.Select(s => s with
            {
                Lines = [.. s.Lines.Select(l => OrderEffects.CancelledAway(before, after, s, l) ? l with { Reservation = ReservationState.Released } : l)],
            })],
        };

    private static Order WithShipment(Order order, string shipmentId, Func<Shipment, Shipment> change) =>
        order with { Shipments = [.. order.Shipments.Select(s => s.ShipmentId == shipmentId ? change(s) : s)] };

    private static Order WithLine(Order order, string shipmentId, string lineId, Func<ShipmentLine, ShipmentLine> change) =>
        WithShipment(order, shipmentId, s => s with { Lines = [.. s.Lines.Select(l => l.LineId == lineId ? change(l) : l)] });

    private static Shipment Closed(Shipment shipment, ShipmentStage stage) => shipment with
    {
        Stage = stage,
        Lines = [.. shipment.Lines.Select(l => l.Reservation == ReservationState.Consumed ? l : l with { Reservation = ReservationState.Released })],
    };

    private static Order Refused(Order order, ReservationRefused r)
    {
        var shipments = order.Shipments.Select(s =>
        {
            if (s.ShipmentId != r.ShipmentId) return s;
            var lines = s.Lines.Where(l => l.LineId != r.LineId).ToList();
            return s with { Lines = lines, Stage = lines.Count == 0 ? ShipmentStage.Cancelled : s.Stage };
        });
        return order with { Shipments = [.. shipments], RefusedLocations = [.. order.RefusedLocations, FulfilmentRouter.RefusalKey(r.LineId, r.Location)] };
    }

    /// <summary>The channel shipped these lines itself: whatever we held for them is consumed.</summary>
    private static Order ChannelFulfil(Order order, ChannelFulfilled f)
    {
        var fulfilled = new Dictionary<string, decimal>(order.ChannelFulfilled);
        // A hold the fulfilment took whole is consumed; one it took part of is released (the rest is routed again).
        var taken = f.Lines.SelectMany(x => OrderEffects.ChannelTakes(order, x.Key, x.Value - order.ChannelFulfilled.GetValueOrDefault(x.Key)))
            .ToDictionary(t => t.Line.ReservationId, t => t.Take == t.Line.Quantity ? ReservationState.Consumed : ReservationState.Released);
        foreach (var (line, quantity) in f.Lines)
            fulfilled[line] = Math.Max(quantity, fulfilled.TryGetValue(line, out var had) ? had : 0m);
        var shipments = order.Shipments.Select(s => !s.IsOpen ? s : s with
        {
            Lines = [.. s.Lines.Select(l => taken.TryGetValue(l.ReservationId, out var state) ? l with { Reservation = state } : l)],
        }).ToList();
        return order with { ChannelFulfilled = fulfilled, Shipments = shipments };
    }

    private static Order WithTransaction(Order order, Tender tender, PaymentTransaction transaction)
    {
        if (order.Payments.SelectMany(p => p.Transactions).Any(t => t.TransactionId == transaction.TransactionId)) return order;
        var existing = order.Payments.FirstOrDefault(p => p.Tender.PaymentId == tender.PaymentId);
        if (existing is null)
            return order with { Payments = [.. order.Payments, new Payment(tender, [transaction])] };
        var merged = existing.Tender with
        {
            Gateway = existing.Tender.Gateway ?? tender.Gateway,
            Token = existing.Tender.Token ?? tender.Token,
            Last4 = existing.Tender.Last4 ?? tender.Last4,
            CardExpiry = existing.Tender.CardExpiry ?? tender.CardExpiry,
        };
        return order with
        {
            Payments = [.. order.Payments.Select(p => p.Tender.PaymentId == tender.PaymentId ? new Payment(merged, [.. p.Transactions, transaction]) : p)],
        };
    }
}

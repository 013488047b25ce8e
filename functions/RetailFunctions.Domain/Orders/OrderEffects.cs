using static RetailFunctions.Domain.Orders.OrderEvent;

namespace RetailFunctions.Domain.Orders;

/// <summary>
/// What the world must do after an event: stock in the ledger, a task for a store, a timeout, an exception for an
/// owner, a published event. Effects are stored with the state that caused them (an outbox) and each is idempotent
/// by its id, so running one twice after a crash changes nothing.
/// </summary>
public abstract record OrderEffect(string EffectId)
{
    /// <summary>Read what every location can promise and route the unplaced lines (an AllocateStock command).</summary>
    public sealed record RouteStock(string EffectId) : OrderEffect(EffectId);

    public sealed record ReserveStock(string EffectId, string ShipmentId, string LineId, string Sku, string Location, decimal Quantity, string ReservationId, string Channel)
        : OrderEffect(EffectId);

    public sealed record ReleaseStock(string EffectId, string Sku, string ReservationId, string Reason) : OrderEffect(EffectId);

    /// <summary>The goods left: the reservation becomes a sale, or, if none was made, a sale at the fallback location.</summary>
    public sealed record ConsumeStock(string EffectId, string Sku, string ReservationId, string? Location, decimal Quantity) : OrderEffect(EffectId);

    public sealed record ReturnStock(string EffectId, string Sku, string? Location, decimal Quantity, ReturnDisposition Disposition, string Reason) : OrderEffect(EffectId);

    /// <summary>Tell a store to pick a shipment (an outgoing message to the store's task list).</summary>
    public sealed record RequestPick(string EffectId, string ShipmentId, string Location, FulfilmentMethod Method, IReadOnlyList<ShipmentLine> Lines) : OrderEffect(EffectId);

    public sealed record SchedulePickupExpiry(string EffectId, string ShipmentId, DateTimeOffset DueAt) : OrderEffect(EffectId);

    public sealed record RaiseException(string EffectId, string Owner, string Reason, string Detail) : OrderEffect(EffectId);

    /// <summary>The event itself, for the capabilities that follow orders (loyalty, journal, the timeline).</summary>
    public sealed record Publish(string EffectId, OrderEvent Event, long Sequence) : OrderEffect(EffectId);
}

public static class OrderEffects
{
    /// <summary>
    /// A held (not yet gone) shipment line that a revision no longer covers: its line was removed, or cut below what is
    /// held for it. It is released whole; what the line still needs is routed again.
    /// </summary>
    public static bool OverAllocated(Order before, OrderDraft revised, Shipment shipment, ShipmentLine line) =>
        Held(shipment, line)
        && (revised.Lines.FirstOrDefault(l => l.LineId == line.LineId) is not { } now || now.Quantity - before.Cancelled(line.LineId) < before.Allocated(line.LineId));

    /// <summary>
    /// A held shipment line whose units a refund cancelled (they will never leave): released whole, like a revision's,
    /// and what the line still needs is routed again.
    /// </summary>
    public static bool CancelledAway(Order before, Order after, Shipment shipment, ShipmentLine line) =>
        Held(shipment, line) && after.Cancelled(line.LineId) > before.Cancelled(line.LineId) && after.Line(line.LineId) is { } now
        && before.Shipments.Sum(s => s.Lines.Where(l => l.LineId == line.LineId && Held(s, l)).Sum(l => l.Quantity)) > after.Open(now) - after.Fulfilled(now.LineId);

    private static bool Held(Shipment shipment, ShipmentLine line) =>
        shipment.IsOpen && !shipment.HasLeft && line.Reservation is ReservationState.Pending or ReservationState.Reserved;

    /// <summary>Names the order, both figures and the difference, and says which one the books follow.</summary>
    public static string MismatchDetail(Order order, OrderDraft draft)
    {
        var name = draft.References.FirstOrDefault(r => r.Kind == "name")?.Value;
        return $"order {order.OrderId}{(name is null ? "" : $" ({name})")}: the channel states a total of {draft.Total:0.00} {draft.Currency} but its lines, "
            + $"discounts, shipping and tax come to {draft.ComputedTotal:0.00} {draft.Currency}, a difference of {draft.Mismatch:0.00}; "
            + "the stated total is booked";
    }

    /// <summary>What was captured beyond the order's total, net of what has gone back: zero when nothing was over-captured.</summary>
    public static decimal OverCaptured(Order order) =>
        order.IsKnown ? Math.Max(0m, order.Captured - order.Refunded - order.Payments.Sum(p => p.ChargedBack) - order.Total) : 0m;

    /// <summary>An over-capture: the order, what it totals, what was captured and the difference, and that the capture is booked.</summary>
    public static string OverCaptureDetail(Order order, PaymentTransaction capture)
    {
        var name = order.Draft?.References.FirstOrDefault(r => r.Kind == "name")?.Value;
        var kept = order.Total + OverCaptured(order);
        return $"order {order.OrderId}{(name is null ? "" : $" ({name})")}: over-capture: {kept:0.00} {order.Currency} captured and kept "
            + $"(last capture {capture.TransactionId}, {capture.Amount:0.00}) against a total of {order.Total:0.00} {order.Currency}, "
            + $"a difference of {OverCaptured(order):0.00}; what was captured is booked";
    }

    /// <summary>
    /// What a channel fulfilment of <paramref name="newly"/> units of a line takes from the holds of the order's open
    /// shipments, in shipment order: whole holds while they fit, then part of one (a parcel that carried only some of
    /// the units). Evolve and the effects both read it, so the record and the ledger agree.
    /// </summary>
    public static IReadOnlyList<(string Location, ShipmentLine Line, decimal Take)> ChannelTakes(Order before, string lineId, decimal newly)
    {
        var takes = new List<(string, ShipmentLine, decimal)>();
        foreach (var (location, line) in before.Shipments.Where(s => s.IsOpen).SelectMany(s => s.Lines.Select(l => (s.Location, Line: l)))
                     .Where(x => x.Line.LineId == lineId && x.Line.Reservation is ReservationState.Pending or ReservationState.Reserved))
        {
            if (newly <= 0m) break;
            var take = Math.Min(newly, line.Quantity);
            takes.Add((location, line, take));
            newly -= take;
        }
        return takes;
    }

    public static IReadOnlyList<OrderEffect> For(Order before, OrderEvent e, Order after)
    {
        var prefix = $"{after.OrderId}:{after.Sequence}";
        var effects = new List<OrderEffect>();
        void Add(Func<string, OrderEffect> create) => effects.Add(create($"{prefix}:{effects.Count}"));

        if (e is RefundIssued { Refund.CancelledUnits: not null })
        {
            foreach (var held in before.Shipments)
                foreach (var line in held.Lines.Where(l => CancelledAway(before, after, held, l)))
                    Add(id => new OrderEffect.ReleaseStock(id, line.Sku, line.ReservationId, "refunded before it was fulfilled: units cancelled"));
            if (OrderDecider.HasUnplacedLines(after))
                Add(id => new OrderEffect.RouteStock(id));
        }
        switch (e)
        {
            case OrderPlaced or OrderRevised or ReservationRefused:
                // Lines the channel fulfilled before the order itself arrived: their sale is recorded now.
                if (e is OrderRevised revised)
                    foreach (var held in before.Shipments)
                        foreach (var line in held.Lines.Where(l => OverAllocated(before, revised.Draft, held, l)))
                            Add(id => new OrderEffect.ReleaseStock(id, line.Sku, line.ReservationId, "order revised: line reduced or removed"));
                if (e is OrderPlaced)
                    foreach (var (lineId, quantity) in after.ChannelFulfilled)
                        if (after.Line(lineId) is { Sku: { } sku, MovesStock: true })
                            Add(id => new OrderEffect.ConsumeStock(id, sku, $"order:{after.OrderId}:channel:{lineId}:{quantity}", after.Draft!.FulfilmentLocation, quantity));
                if (e is OrderPlaced)
                    foreach (var r in before.Returns)
                        foreach (var line in r.Lines.Where(l => l.Sku.Length == 0))
                            if (after.Line(line.LineId) is { Sku: { } sku, MovesStock: true })
                                Add(id => new OrderEffect.ReturnStock(id, sku, r.Location.Length == 0 ? null : r.Location, line.Quantity, line.Disposition,
                                    $"return {r.ReturnId} of order {after.OrderId}"));
                if (OrderDecider.HasUnplacedLines(after))
                    Add(id => new OrderEffect.RouteStock(id));
                if (after.Draft is { Mismatch: not 0m } stated && stated.Mismatch != (before.Draft?.Mismatch ?? 0m))
                    Add(id => new OrderEffect.RaiseException(id, "finance", "amount-mismatch", MismatchDetail(after, stated)));
                break;
            case StockAllocated a:
                foreach (var line in a.Shipment.Lines.Where(l => l.Reservation == ReservationState.Pending))
                    Add(id => new OrderEffect.ReserveStock(id, a.Shipment.ShipmentId, line.LineId, line.Sku, a.Shipment.Location, line.Quantity, line.ReservationId,
                        after.Draft!.Channel));
                if (a.Shipment.Method != FulfilmentMethod.CarryOut)
                    Add(id => new OrderEffect.RequestPick(id, a.Shipment.ShipmentId, a.Shipment.Location, a.Shipment.Method, a.Shipment.Lines));
                break;
            case LineBackordered b:
                Add(id => new OrderEffect.RaiseException(id, "inventory", b.Backorder.Sku.Length == 0 ? "unmapped-sku" : "backorder",
                    $"order {after.OrderId} line {b.Backorder.LineId}: {b.Backorder.Reason}"));
                break;
            case ShipmentAdvanced s when s.Stage is ShipmentStage.Shipped or ShipmentStage.PickedUp or ShipmentStage.Delivered:
                var shipment = before.Shipments.First(x => x.ShipmentId == s.ShipmentId);
                foreach (var line in shipment.Lines.Where(l => l.Reservation is ReservationState.Pending or ReservationState.Reserved))
                    Add(id => new OrderEffect.ConsumeStock(id, line.Sku, line.ReservationId, shipment.Location, line.Quantity));
                break;
            case PickupDeadlineSet d:
                Add(id => new OrderEffect.SchedulePickupExpiry(id, d.ShipmentId, d.DueAt));
                break;
            case ChannelFulfilled f:
                foreach (var (lineId, quantity) in f.Lines)
                {
                    var previously = before.ChannelFulfilled.TryGetValue(lineId, out var had) ? had : 0m;
                    var takes = ChannelTakes(before, lineId, quantity - previously);
                    foreach (var (location, line, take) in takes)
                    {
                        if (take == line.Quantity)
                        {
                            Add(id => new OrderEffect.ConsumeStock(id, line.Sku, line.ReservationId, location, line.Quantity));
                            continue;
                        }
                        // Part of a hold left: that part is sold, the hold is given up, and the rest is routed and held again.
                        Add(id => new OrderEffect.ReleaseStock(id, line.Sku, line.ReservationId, $"{take} of {line.Quantity} fulfilled by the channel"));
                        Add(id => new OrderEffect.ConsumeStock(id, line.Sku, $"{line.ReservationId}:channel:{quantity}", location, take));
                    }
                    var unheld = quantity - previously - takes.Sum(t => t.Take);
                    if (unheld > 0m && after.Line(lineId) is { Sku: { } sku } && after.Line(lineId)!.MovesStock)
                        Add(id => new OrderEffect.ConsumeStock(id, sku, $"order:{after.OrderId}:channel:{lineId}:{quantity}", f.Location, unheld));
                }
                if (OrderDecider.HasUnplacedLines(after))
                    Add(id => new OrderEffect.RouteStock(id));
                break;
            case OrderCancelled or PickupExpired:
                // An expired pickup gives up its own shipment's holds only; the order's other shipments still stand.
                foreach (var line in before.Shipments.Where(s => s.IsOpen && !s.HasLeft && (e is not PickupExpired x || s.ShipmentId == x.ShipmentId))
                             .SelectMany(s => s.Lines)
                             .Where(l => l.Reservation is ReservationState.Pending or ReservationState.Reserved))
                    Add(id => new OrderEffect.ReleaseStock(id, line.Sku, line.ReservationId, e is PickupExpired ? "pickup deadline passed" : "order cancelled"));
                break;
            case ReturnAccepted r:
                foreach (var line in r.Return.Lines.Where(l => l.Sku.Length > 0))
                    Add(id => new OrderEffect.ReturnStock(id, line.Sku, r.Return.Location.Length == 0 ? null : r.Return.Location, line.Quantity, line.Disposition,
                        $"return {r.Return.ReturnId} of order {after.OrderId}"));
                break;
            case RefundIssued { Refund.Unrefunded: > 0m } r:
                Add(id => new OrderEffect.RaiseException(id, "finance", "refund-shortfall",
                    $"order {after.OrderId} refund {r.Refund.RefundId}: {r.Refund.Unrefunded:0.00} {after.Currency} due but not captured"));
                break;
            // A till's takings (cash rounding included) are checked against its own receipt and close, not here.
            case PaymentRecorded { Transaction.Kind: PaymentKind.Capture } p
                when OverCaptured(after) > OverCaptured(before) && after.Draft is { IsTest: false, Channel: not Canonical.Channels.Pos }:
                Add(id => new OrderEffect.RaiseException(id, "finance", "amount-mismatch", OverCaptureDetail(after, p.Transaction)));
                break;
            case PaymentRecorded { Transaction.Kind: PaymentKind.Chargeback } p:
                Add(id => new OrderEffect.RaiseException(id, "finance", "chargeback",
                    $"order {after.OrderId}: chargeback of {p.Transaction.Amount:0.00} {after.Currency} on {p.Tender.Method}{(p.Tender.Last4 is { } l4 ? $" ending {l4}" : "")}"));
                break;
        }
        Add(id => new OrderEffect.Publish(id, e, after.Sequence));
        return effects;
    }
}

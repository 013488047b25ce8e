using static RetailFunctions.Domain.Orders.OrderEvent;

namespace RetailFunctions.Domain.Orders;

/// <summary>
/// The order workflow's rules as two pure functions. Decide answers a command with events or a refusal; Evolve folds
/// an event into the next state. Channel facts (a web store's order, fulfilment or refund) are recorded, never refused;
/// requests (an associate's return, a refund, a store action) are checked and refused with a reason a person can act on.
/// </summary>
public static class OrderDecider
{
    public static OrderDecision Decide(OrderCommand command, Order order, OrderPolicy policy)
    {
        if (order.AppliedCommands.Contains(command.CommandId)) return OrderDecision.NoOp;
        var decision = DecideCommand(command, order, policy);
        // A till return held for its sale is decided as soon as the sale is recorded and paid.
        return command is OrderCommand.RecordOrder or OrderCommand.RecordPayment && order.HeldTillReturns.Count > 0 && decision is OrderDecision.Accept accept
            ? new OrderDecision.Accept([.. accept.Events, .. TillReturns.Release(accept.Events.Aggregate(order, OrderEvolution.Evolve))])
            : decision;
    }

    private static OrderDecision DecideCommand(OrderCommand command, Order order, OrderPolicy policy)
    {
        return command switch
        {
            OrderCommand.RecordOrder c => RecordOrder(c, order),
            OrderCommand.ApplyChannelEdit c => OrderEdits.Apply(c, order),
            OrderCommand.AllocateStock c => Allocate(c, order, policy),
            OrderCommand.RecordReservation c => RecordReservation(c, order),
            OrderCommand.AdvanceShipment c => Advance(c, order, policy),
            OrderCommand.RecordChannelFulfilment c => ChannelFulfilment(c, order),
            OrderCommand.CancelOrder c => Cancel(c, order, policy),
            OrderCommand.ExpirePickup c => ExpirePickup(c, order, policy),
            OrderCommand.RecordPayment c => RecordPayment(c, order),
            OrderCommand.AcceptReturn c => AcceptReturn(c, order, policy),
            OrderCommand.RecordChannelRefund c => ChannelRefund(c, order),
            OrderCommand.RecordTillReturn c => TillReturns.Decide(c, order),
            OrderCommand.IssueRefund c => IssueRefund(c, order, policy),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown order command"),
        };
    }

    private static OrderDecision Accept(params IEnumerable<OrderEvent> events) => new OrderDecision.Accept([.. events]);

    private static OrderDecision Refuse(string reason) => new OrderDecision.Refuse(reason);

    // ---- channel facts ----

    private static OrderDecision RecordOrder(OrderCommand.RecordOrder c, Order order)
    {
        // Details follow the newest version only; cancellation and fulfilment only ever grow, so any snapshot may add them.
        var events = new List<OrderEvent>();
        if (!order.IsKnown) events.Add(new OrderPlaced(c.At, c.Draft, c.Version));
        else if (c.Version > order.Version || c.Version == order.Version && MapsMoreLines(order, c.Draft))
            events.Add(new OrderRevised(c.At, c.Draft, c.Version));
        if (!order.IsKnown && c.Draft.Method == FulfilmentMethod.CarryOut && c.Draft.FulfilmentLocation is { } till)
            events.Add(new StockAllocated(c.At, CarriedOut(order, c.Draft, till, c.At)));
        var newlyFulfilled = c.ChannelFulfilled.Where(f => f.Value > (order.ChannelFulfilled.TryGetValue(f.Key, out var had) ? had : 0m))
            .ToDictionary(f => f.Key, f => f.Value);
        if (newlyFulfilled.Count > 0)
            events.Add(new ChannelFulfilled(c.At, newlyFulfilled, c.Draft.FulfilmentLocation));
        if (c.CancelledAt is { } cancelledAt && !order.IsCancelled)
            events.Add(new OrderCancelled(cancelledAt, c.CancelReason ?? "cancelled in the channel", c.Actor));
        return Accept(events);
    }

    /// <summary>The same version again, but lines that had no canonical SKU now have one: the catalog was fixed and the event replayed.</summary>
    private static bool MapsMoreLines(Order order, OrderDraft draft) =>
        draft.Lines.Any(l => l.Sku is not null && order.Line(l.LineId) is { Sku: null });

    /// <summary>A till sale: the goods left with the customer and the till already moved the stock.</summary>
    private static Shipment CarriedOut(Order order, OrderDraft draft, string till, DateTimeOffset at) =>
        new($"S{order.Shipments.Count + 1}", till, FulfilmentMethod.CarryOut, ShipmentStage.PickedUp,
            [.. draft.Lines.Where(l => l.MovesStock && l.Sku is not null)
                .Select(l => new ShipmentLine(l.LineId, l.Sku!, l.Quantity, ReservationId(order.OrderId, $"S{order.Shipments.Count + 1}", l.LineId), ReservationState.Consumed))],
            [], null, at);

    private static OrderDecision ChannelFulfilment(OrderCommand.RecordChannelFulfilment c, Order order)
    {
        // A fulfilment adds to what the channel fulfilled before, but never beyond the line: a snapshot may already have counted it.
        var newly = c.Lines.Where(f => f.Value > 0m)
            .Select(f => (f.Key, Had: order.ChannelFulfilled.TryGetValue(f.Key, out var had) ? had : 0m))
            .Select(f => (f.Key, f.Had, Total: Math.Min(f.Had + c.Lines[f.Key], order.Line(f.Key)?.Quantity ?? decimal.MaxValue)))
            .Where(f => f.Total > f.Had)
            .ToDictionary(f => f.Key, f => f.Total);
        return newly.Count == 0 ? OrderDecision.NoOp : Accept(new ChannelFulfilled(c.At, newly, c.Location));
    }

    private static OrderDecision RecordPayment(OrderCommand.RecordPayment c, Order order) =>
        order.Payments.SelectMany(p => p.Transactions).Any(t => t.TransactionId == c.Transaction.TransactionId)
            ? OrderDecision.NoOp
            : Accept(new PaymentRecorded(c.At, c.Tender, c.Transaction));

    private static OrderDecision ChannelRefund(OrderCommand.RecordChannelRefund c, Order order)
    {
        if (order.Refunds.Any(r => r.RefundId == c.RefundId)) return OrderDecision.NoOp;
        var events = new List<OrderEvent>();
        var (restocked, cancelled) = RestockPlan(c.Lines, order);
        // One return per location the goods went back to; the first keeps the refund's id, which the refund links to.
        var byLocation = restocked.GroupBy(l => l.Location ?? order.Draft?.FulfilmentLocation ?? "").ToList();
        for (var i = 0; i < byLocation.Count; i++)
            events.Add(new ReturnAccepted(c.At, new OrderReturn(i == 0 ? c.RefundId : $"{c.RefundId}@{byLocation[i].Key}", byLocation[i].Key,
                [.. byLocation[i].Select(l => new ReturnLine(l.LineId, l.Sku ?? order.Line(l.LineId)?.Sku ?? "", l.Quantity, ReturnDisposition.Sellable, l.Amount, l.Tax))],
                c.At, c.Actor)));
        var tenders = c.Transactions.Where(t => t.Transaction.Kind == PaymentKind.Refund)
            .Select(t => new TenderRefund(t.Tender.PaymentId, t.Tender.Method, t.Tender.Last4, t.Transaction.Amount, t.Transaction.TransactionId)).ToList();
        var total = tenders.Sum(t => t.Amount);
        var tax = c.Lines.Sum(l => l.Tax);
        var goods = Math.Max(0m, c.Lines.Sum(l => l.Amount) - tax);
        // Shipping given back is what the channel says it is; money beyond lines and shipping is never taken for shipping.
        var shipping = c.Shipping ?? 0m;
        // The money that moved wins: what the lines and shipping do not explain is a discrepancy on the goods.
        var discrepancy = total > 0m ? total - goods - tax - shipping : 0m;
        if (goods + discrepancy >= 0m) goods += discrepancy;
        var goodwill = c.Lines.Count == 0 && shipping == 0m;
        events.Add(new RefundIssued(c.At, new Refund(c.RefundId, restocked.Count > 0 ? c.RefundId : null, goods, tax,
            shipping, tenders, 0m, goodwill ? "goodwill refunded in the channel" : "refunded in the channel", [], c.At,
            ShippingTax: c.ShippingTax, IsGoodwill: goodwill, CancelledUnits: cancelled.Count == 0 ? null : cancelled)));
        foreach (var t in c.Transactions.Where(t => t.Transaction.Kind != PaymentKind.Refund))
            events.Add(new PaymentRecorded(c.At, t.Tender, t.Transaction));
        return Accept(events);
    }

    /// <summary>
    /// Stock follows what happened to each refunded unit. A <c>return</c> brings its units back: the web store accepts
    /// it only for units that were fulfilled, even when this record learns of the fulfilment later (the same stock
    /// either way). The older plain restock (<c>legacy_restock</c>) may have been a cancellation: it brings back only
    /// units this record shows fulfilled and not yet returned, and cancels the rest. A <c>cancel</c> never restocks: its
    /// units never left, so their holds are released. A refund without restock moves no stock. Before the order is
    /// known, the refund's word is all there is: its restocks stand.
    /// </summary>
    public static (List<ChannelRefundLine> Restocked, Dictionary<string, decimal> Cancelled) RestockPlan(IReadOnlyList<ChannelRefundLine> lines, Order order)
    {
        var restocked = new List<ChannelRefundLine>();
        var cancelled = new Dictionary<string, decimal>();
        if (!order.IsKnown) return ([.. lines.Where(l => l.Restock && l.Quantity > 0m)], cancelled);
        foreach (var group in lines.Where(l => l.Quantity > 0m).GroupBy(l => l.LineId))
        {
            var line = order.Line(group.Key);
            var shipped = line is null ? decimal.MaxValue : Math.Max(0m, order.Fulfilled(group.Key) - order.Returned(group.Key));
            var unshipped = line is null ? 0m : Math.Max(0m, order.Open(line) - order.Fulfilled(group.Key));
            void Cancel(decimal quantity)
            {
                var take = Math.Min(quantity, unshipped);
                unshipped -= take;
                if (take > 0m) cancelled[group.Key] = cancelled.GetValueOrDefault(group.Key) + take;
            }
            foreach (var refunded in group)
            {
                if (refunded.Restock)
                {
                    var back = refunded.RestockType == "legacy_restock" ? Math.Min(refunded.Quantity, shipped) : refunded.Quantity;
                    shipped -= back;
                    if (back > 0m)
                        restocked.Add(back == refunded.Quantity ? refunded : refunded with
                        {
                            Quantity = back,
                            Amount = RefundMath.Minor(refunded.Amount * back / refunded.Quantity, order.Currency),
                            Tax = RefundMath.Minor(refunded.Tax * back / refunded.Quantity, order.Currency),
                        });
                    Cancel(refunded.Quantity - back);
                }
                else if (refunded.RestockType == "cancel")
                {
                    Cancel(refunded.Quantity);
                }
            }
        }
        return (restocked, cancelled);
    }

    // ---- allocation ----

    public static string ReservationId(string orderId, string shipmentId, string lineId) => $"order:{orderId}:{shipmentId}:{lineId}";

    /// <summary>
    /// True while some line still waits for routing, including lines whose SKU is not yet known (raised as unmapped).
    /// A till sale's lines never do: the customer left with them.
    /// </summary>
    public static bool HasUnplacedLines(Order order) =>
        !order.IsCancelled && order.Draft?.Method != FulfilmentMethod.CarryOut && (Needs(order).Count > 0
            || order.Lines.Any(l => l.MovesStock && l.Sku is null && order.Backorders.All(b => b.LineId != l.LineId)));

    /// <summary>Line quantities not yet placed in a shipment, fulfilled by the channel, or backordered.</summary>
    public static IReadOnlyList<StockNeed> Needs(Order order) =>
        [.. order.Lines.Where(l => l.MovesStock && l.Sku is not null)
            .Select(l => new StockNeed(l.LineId, l.Sku!, order.Open(l)
                - Math.Max(order.Allocated(l.LineId), order.ChannelFulfilled.TryGetValue(l.LineId, out var f) ? f : 0m)
                - order.Backorders.Where(b => b.LineId == l.LineId).Sum(b => b.Quantity)))
            .Where(n => n.Quantity > 0m)];

    private static OrderDecision Allocate(OrderCommand.AllocateStock c, Order order, OrderPolicy policy)
    {
        if (!order.IsKnown || order.IsCancelled || order.Draft!.Method == FulfilmentMethod.CarryOut) return OrderDecision.NoOp;
        var events = new List<OrderEvent>();
        foreach (var unmapped in order.Lines.Where(l => l.MovesStock && l.Sku is null && order.Backorders.All(b => b.LineId != l.LineId)))
            events.Add(new LineBackordered(c.At, new Backorder(unmapped.LineId, "", unmapped.Quantity, $"item {unmapped.ChannelItem ?? unmapped.Title} has no canonical SKU")));

        var needs = Needs(order);
        if (needs.Count == 0) return Accept(events);
        var draft = order.Draft;
        var plan = draft.FulfilmentLocation is { } fixedLocation
            ? AtFixedLocation(needs, fixedLocation, order.RefusedLocations)
            : FulfilmentRouter.Route(needs, c.Candidates, draft.ShipTo, policy.PreferredLocation, order.RefusedLocations);
        if (policy.MayOversell(draft.Channel) && policy.PreferredLocation is { } preferred && plan.Backorders.Count > 0)
            plan = Oversold(plan, preferred, order.RefusedLocations);

        var next = order.Shipments.Count;
        foreach (var (location, lines) in plan.Shipments)
        {
            var shipmentId = $"S{++next}";
            events.Add(new StockAllocated(c.At, new Shipment(shipmentId, location, draft.Method, ShipmentStage.Allocated,
                [.. lines.Select(l => new ShipmentLine(l.LineId, l.Sku, l.Quantity, ReservationId(order.OrderId, shipmentId, l.LineId), ReservationState.Pending))],
                [], null, null)));
        }
        events.AddRange(plan.Backorders.Select(b => new LineBackordered(c.At, b)));
        return Accept(events);
    }

    /// <summary>A channel that may oversell holds its shortfall at the preferred location rather than backordering it.</summary>
    private static RoutePlan Oversold(RoutePlan plan, string preferred, IReadOnlyList<string> refused)
    {
        var held = plan.Backorders.Where(b => b.Sku.Length > 0 && !refused.Contains(FulfilmentRouter.RefusalKey(b.LineId, preferred)))
            .Select(b => new StockNeed(b.LineId, b.Sku, b.Quantity)).ToList();
        if (held.Count == 0) return plan;
        var shipments = plan.Shipments.ToList();
        var index = shipments.FindIndex(s => s.Location == preferred);
        if (index >= 0) shipments[index] = (preferred, [.. shipments[index].Lines, .. held]);
        else shipments.Add((preferred, held));
        return new RoutePlan(shipments, [.. plan.Backorders.Where(b => !held.Any(h => h.LineId == b.LineId))]);
    }

    /// <summary>A pickup store, or a location the channel or the associate chose: the ledger has the last word there.</summary>
    private static RoutePlan AtFixedLocation(IReadOnlyList<StockNeed> needs, string location, IReadOnlyList<string> refused)
    {
        var here = needs.Where(n => !refused.Contains(FulfilmentRouter.RefusalKey(n.LineId, location))).ToList();
        var backorders = needs.Except(here).Select(n => new Backorder(n.LineId, n.Sku, n.Quantity, $"{location} cannot promise {n.Quantity} of {n.Sku}")).ToList();
        return new RoutePlan(here.Count == 0 ? [] : [(location, here)], backorders);
    }

    private static OrderDecision RecordReservation(OrderCommand.RecordReservation c, Order order)
    {
        var shipment = order.Shipments.FirstOrDefault(s => s.ShipmentId == c.ShipmentId);
        var line = shipment?.Lines.FirstOrDefault(l => l.LineId == c.LineId);
        if (shipment is null || line is null || line.Reservation != ReservationState.Pending) return OrderDecision.NoOp;
        return c.Reserved
            ? Accept(new ReservationConfirmed(c.At, c.ShipmentId, c.LineId))
            : Accept(new ReservationRefused(c.At, c.ShipmentId, c.LineId, shipment.Location, c.Reason ?? "refused by the stock ledger"));
    }

    // ---- store actions and timeouts ----

    private static readonly ShipmentStage[] ShipPath = [ShipmentStage.Allocated, ShipmentStage.Picking, ShipmentStage.Packed, ShipmentStage.Shipped, ShipmentStage.Delivered];
    private static readonly ShipmentStage[] PickupPath = [ShipmentStage.Allocated, ShipmentStage.Picking, ShipmentStage.ReadyForPickup, ShipmentStage.PickedUp];

    private static OrderDecision Advance(OrderCommand.AdvanceShipment c, Order order, OrderPolicy policy)
    {
        if (!order.IsKnown) return Refuse($"order {order.OrderId} is not known");
        var shipment = order.Shipments.FirstOrDefault(s => s.ShipmentId == c.ShipmentId);
        if (shipment is null)
            return Refuse($"order {order.OrderId} has no shipment {c.ShipmentId}; it has {(order.Shipments.Count == 0 ? "none yet" : string.Join(", ", order.Shipments.Select(s => s.ShipmentId)))}");
        if (shipment.Stage == c.Stage) return OrderDecision.NoOp;
        if (order.IsCancelled || !shipment.IsOpen) return Refuse($"shipment {c.ShipmentId} of order {order.OrderId} is {(order.IsCancelled ? "cancelled" : shipment.Stage.ToString())}");
        if (shipment.Method == FulfilmentMethod.CarryOut)
            return Refuse($"shipment {c.ShipmentId} of order {order.OrderId} was carried out at the till; it has no store stages");
        var path = shipment.Method == FulfilmentMethod.Pickup ? PickupPath : ShipPath;
        var from = Array.IndexOf(path, shipment.Stage);
        var to = Array.IndexOf(path, c.Stage);
        if (to < 0)
            return Refuse($"a {shipment.Method.ToString().ToLowerInvariant()} shipment has no stage {c.Stage}; its stages are {string.Join(", ", path.Skip(1))}");
        if (to < from)
            return Refuse($"shipment {c.ShipmentId} is already {shipment.Stage}; it cannot go back to {c.Stage}");
        var events = new List<OrderEvent> { new ShipmentAdvanced(c.At, c.ShipmentId, c.Stage, c.TrackingNumbers, c.Actor) };
        if (c.Stage == ShipmentStage.ReadyForPickup)
            events.Add(new PickupDeadlineSet(c.At, c.ShipmentId, c.At + policy.PickupWindow));
        return Accept(events);
    }

    private static OrderDecision ExpirePickup(OrderCommand.ExpirePickup c, Order order, OrderPolicy policy)
    {
        var shipment = order.Shipments.FirstOrDefault(s => s.ShipmentId == c.ShipmentId);
        if (order.IsCancelled || shipment is not { Stage: ShipmentStage.ReadyForPickup, PickupDeadline: { } due } || due > c.At)
            return OrderDecision.NoOp;
        // Collected and recorded by the channel (a pickup fulfilled at the store's till): nothing is left to expire.
        if (shipment.Lines.Any(l => l.Reservation == ReservationState.Consumed) || order.Lines.Any(l => order.ChannelFulfilled.GetValueOrDefault(l.LineId) > 0m))
            return OrderDecision.NoOp;
        var events = new List<OrderEvent> { new PickupExpired(c.At, c.ShipmentId) };
        var reason = $"not picked up by {due:yyyy-MM-dd HH:mm} UTC";
        if (order.Shipments.Any(s => s.ShipmentId != c.ShipmentId && s.IsOpen))
        {
            // Other shipments stand (collected, shipped or still coming): only this one's goods are refunded.
            var value = shipment.Lines.Sum(l => order.Line(l.LineId) is { } line ? RefundMath.Minor(order.GrossOf(line) * l.Quantity / line.Quantity, order.Currency) : 0m);
            var tax = shipment.Lines.Sum(l => order.Line(l.LineId) is { } line ? RefundMath.Minor(line.Tax * l.Quantity / line.Quantity, order.Currency) : 0m);
            if (RefundFor(order, $"expired:{c.ShipmentId}", null, value - tax, tax, 0m, $"shipment {c.ShipmentId} {reason}", policy, c.At) is { } refund)
                events.Add(refund);
            return Accept(events);
        }
        events.AddRange(CancellationEvents(order, reason, c.Actor, c.At, policy));
        return Accept(events);
    }

    private static OrderDecision Cancel(OrderCommand.CancelOrder c, Order order, OrderPolicy policy)
    {
        if (!order.IsKnown) return Refuse($"order {order.OrderId} is not known");
        if (order.IsCancelled) return OrderDecision.NoOp;
        if (order.Shipments.FirstOrDefault(s => s.HasLeft && s.Method != FulfilmentMethod.CarryOut) is { } gone)
            return Refuse($"shipment {gone.ShipmentId} of order {order.OrderId} is already {gone.Stage}; take those goods back as a return instead");
        if (order.Draft!.Method == FulfilmentMethod.CarryOut)
            return Refuse($"order {order.OrderId} was carried out at the till; take the goods back as a return instead");
        if (order.Lines.FirstOrDefault(l => order.ChannelFulfilled.GetValueOrDefault(l.LineId) > 0m) is { } fulfilled)
            return Refuse($"line {fulfilled.LineId} of order {order.OrderId} was fulfilled by the channel; take those goods back as a return instead");
        return Accept(CancellationEvents(order, c.Reason, c.Actor, c.At, policy));
    }

    /// <summary>Cancel, void what was only authorized, and refund everything captured.</summary>
    private static IEnumerable<OrderEvent> CancellationEvents(Order order, string reason, string actor, DateTimeOffset at, OrderPolicy policy)
    {
        yield return new OrderCancelled(at, reason, actor);
        foreach (var payment in order.Payments.Where(p => p.Authorized > p.Captured && !p.Voided))
            yield return new PaymentRecorded(at, payment.Tender,
                new PaymentTransaction($"void:{order.OrderId}:{payment.Tender.PaymentId}", payment.Tender.PaymentId, PaymentKind.Void, payment.Authorized - payment.Captured, at));
        var refundable = RefundMath.Refundable(order);
        if (refundable > 0m)
        {
            var split = RefundMath.Allocate(refundable, order.Payments, policy, at, order.Refunds, order.Currency);
            var parts = RefundMath.Parts(order, refundable);
            yield return new RefundIssued(at, new Refund($"cancel:{order.OrderId}", null, parts.Goods, parts.Tax, parts.Shipping, split.Tenders, split.StoreCredit,
                $"order cancelled: {reason}", split.Notes, at, ShippingTax: parts.ShippingTax, CreditedInstead: split.CreditedInstead));
        }
    }

    // ---- returns and refunds ----

    private static OrderDecision AcceptReturn(OrderCommand.AcceptReturn c, Order order, OrderPolicy policy)
    {
        if (order.Returns.Any(r => r.ReturnId == c.ReturnId)) return OrderDecision.NoOp;
        if (!order.IsKnown) return Refuse($"order {order.OrderId} is not known");
        if (c.Lines.Count == 0) return Refuse("a return needs at least one line");
        var requested = new List<(OrderLine, decimal, ReturnDisposition)>();
        foreach (var group in c.Lines.GroupBy(l => l.LineId))
        {
            var line = order.Line(group.Key);
            if (line is null)
                return Refuse($"order {order.OrderId} has no line {group.Key}; its lines are {string.Join(", ", order.Lines.Select(l => l.LineId))}");
            var quantity = group.Sum(l => l.Quantity);
            if (group.Any(l => l.Quantity <= 0m)) return Refuse($"line {line.LineId}: a returned quantity must be positive");
            var returnable = order.Fulfilled(line.LineId) - order.Returned(line.LineId);
            if (quantity > returnable)
                return Refuse($"line {line.LineId} ({line.Title}): {quantity} returned but only {returnable} of {line.Quantity} bought can still be returned"
                    + (order.Fulfilled(line.LineId) < line.Quantity ? $" ({line.Quantity - order.Fulfilled(line.LineId)} not yet fulfilled; cancel those instead)" : ""));
            var windowEnds = ReturnBasis(order, line.LineId) + policy.ReturnWindow;
            if (c.At > windowEnds)
                return Refuse($"line {line.LineId} ({line.Title}): the {policy.ReturnWindow.TotalDays:0}-day return window ended on {windowEnds:yyyy-MM-dd}");
            requested.AddRange(group.Select(l => (line, l.Quantity, l.Disposition)));
        }

        var amounts = RefundMath.ForReturn(order, requested, c.RefundShipping);
        var events = new List<OrderEvent> { new ReturnAccepted(c.At, new OrderReturn(c.ReturnId, c.Location, amounts.Lines, c.At, c.Actor)) };
        if (RefundFor(order, $"return:{c.ReturnId}", c.ReturnId, amounts.Goods, amounts.Tax, amounts.Shipping, $"return {c.ReturnId}", policy, c.At) is { } refund)
            events.Add(refund);
        return Accept(events);
    }

    /// <summary>The return window runs from when the customer got the line: the latest shipment that carried it, else the order.</summary>
    private static DateTimeOffset ReturnBasis(Order order, string lineId) =>
        order.Shipments.Where(s => s.HasLeft && s.Lines.Any(l => l.LineId == lineId)).Select(s => s.CompletedAt).OfType<DateTimeOffset>()
            .DefaultIfEmpty(order.Draft!.PlacedAt).Max();

    private static OrderDecision IssueRefund(OrderCommand.IssueRefund c, Order order, OrderPolicy policy)
    {
        if (order.Refunds.Any(r => r.RefundId == c.RefundId)) return OrderDecision.NoOp;
        if (!order.IsKnown) return Refuse($"order {order.OrderId} is not known");
        var shipping = c.RefundShipping ? RefundMath.RemainingShipping(order) : 0m;
        var goods = c.Amount ?? 0m;
        if (goods < 0m) return Refuse("a refund amount must be positive");
        if (goods + shipping <= 0m)
            return Refuse(c.RefundShipping ? $"order {order.OrderId} has no shipping left to refund" : "a refund needs an amount or refundShipping");
        var refundable = RefundMath.Refundable(order);
        if (goods + shipping > refundable)
            return Refuse($"a refund of {goods + shipping:0.00} {order.Currency} exceeds the {refundable:0.00} still captured on order {order.OrderId}");
        var refund = RefundFor(order, c.RefundId, null, goods, 0m, shipping, c.Reason, policy, c.At)!;
        // An amount not tied to goods is an allowance: goodwill, its own kind, whatever shipping comes with it.
        return Accept(refund with { Refund = refund.Refund with { IsGoodwill = goods > 0m } });
    }

    /// <summary>A refund never exceeds what was captured and not yet refunded; what cannot go back is noted, not lost.</summary>
    private static RefundIssued? RefundFor(Order order, string refundId, string? returnId, decimal goods, decimal tax, decimal shipping, string reason, OrderPolicy policy, DateTimeOffset at)
    {
        var wanted = goods + tax + shipping;
        if (wanted <= 0m) return null;
        // Nothing captured (an unpaid order) still records the refund due, so finance sees it.
        var refundable = RefundMath.Refundable(order);
        var amount = Math.Min(wanted, refundable);
        var notes = new List<string>();
        if (amount < wanted)
            notes.Add($"{wanted:0.00} due but only {refundable:0.00} captured and not yet refunded: {wanted - amount:0.00} left for the finance owner");
        var split = RefundMath.Allocate(amount, order.Payments, policy, at, order.Refunds, order.Currency);
        notes.AddRange(split.Notes);
        // When the captured money falls short, goods absorb the shortfall first, then tax, then shipping.
        var shortfall = wanted - amount;
        var keptGoods = Math.Max(0m, goods - shortfall);
        shortfall -= goods - keptGoods;
        var keptTax = Math.Max(0m, tax - shortfall);
        shortfall -= tax - keptTax;
        var keptShipping = Math.Max(0m, shipping - shortfall);
        return new RefundIssued(at, new Refund(refundId, returnId, keptGoods, keptTax, keptShipping,
            split.Tenders, split.StoreCredit, reason, notes, at, wanted - amount, RefundMath.ShippingTaxOf(order, keptShipping),
            CreditedInstead: split.CreditedInstead));
    }
}

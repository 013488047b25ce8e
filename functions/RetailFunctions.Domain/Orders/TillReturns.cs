using RetailFunctions.Domain.Finance;
using static RetailFunctions.Domain.Orders.OrderEvent;

namespace RetailFunctions.Domain.Orders;

/// <summary>
/// A till return against its original receipt's order. The till already restocked the goods and paid the money out,
/// so the return is a fact: it is recorded once (by its receipt), against the order's lines up to what is still
/// returnable, and its refund is taken from the order's captures, so neither the goods nor the money can go back twice.
/// A return that arrives before its sale is held on the order and decided, with the same checks, once the sale is paid.
/// </summary>
public static class TillReturns
{
    public static OrderDecision Decide(OrderCommand.RecordTillReturn c, Order order)
    {
        if (order.Returns.Any(r => r.ReturnId == c.ReturnId) || order.Refunds.Any(r => r.RefundId == c.ReturnId)
            || order.HeldTillReturns.Any(h => h.ReturnId == c.ReturnId)) return OrderDecision.NoOp;
        // Before its sale there is nothing to check it against: it is kept, and decided when the sale is paid.
        if (!IsPaidSale(order)) return new OrderDecision.Accept([new TillReturnHeld(c.At, c)]);
        return new OrderDecision.Accept(Events(c, order));
    }

    /// <summary>
    /// After a command that records the sale or its payment: the held returns decided in arrival order, each against the
    /// order as the ones before it left it. Nothing while the sale is not yet recorded and paid in full.
    /// </summary>
    public static IReadOnlyList<OrderEvent> Release(Order order)
    {
        if (order.HeldTillReturns.Count == 0 || !IsPaidSale(order)) return [];
        var events = new List<OrderEvent>();
        foreach (var held in order.HeldTillReturns)
        {
            var decided = Events(held, order);
            events.AddRange(decided);
            order = decided.Aggregate(order, OrderEvolution.Evolve);
        }
        return events;
    }

    private static bool IsPaidSale(Order order) => order.IsKnown && order.Captured >= order.Total;

    private static List<OrderEvent> Events(OrderCommand.RecordTillReturn c, Order order)
    {
        var (lines, notes) = Match(c, order);
        var goods = lines.Sum(l => l.Amount - l.Tax);
        var tax = lines.Sum(l => l.Tax);
        var refund = new Refund(c.ReturnId, c.ReturnId, goods, tax, 0m, Tenders(c, order, goods + tax), 0m, $"returned at the till ({c.ReturnId})",
            notes, c.At);
        return [new ReturnAccepted(c.At, new OrderReturn(c.ReturnId, c.Location, lines, c.At, c.Actor)), new RefundIssued(c.At, refund)];
    }

    /// <summary>
    /// Each returned item against the order lines that sold it, never beyond what they can still give back. A till that
    /// names the original line (TransactionLink's LineItemSequenceNumber) returns that line only. Lines carry no SKU:
    /// the till's own movement restocked them.
    /// </summary>
    private static (List<ReturnLine> Lines, List<string> Notes) Match(OrderCommand.RecordTillReturn c, Order order)
    {
        var lines = new List<ReturnLine>();
        var notes = new List<string>();
        var currency = order.Currency;
        foreach (var item in c.Lines)
        {
            if (item.ItemId == TillReturnLine.Everything)
            {
                lines.AddRange(Everything(order, lines));
                continue;
            }
            var left = item.Quantity;
            var candidates = item.OriginalLine is { } named
                ? order.Lines.Where(l => l.LineId == named)
                : order.Lines.Where(l => l.ChannelItem == item.ItemId || l.Sku == item.ItemId);
            foreach (var line in candidates)
            {
                var open = line.Quantity - order.Returned(line.LineId) - lines.Where(l => l.LineId == line.LineId).Sum(l => l.Quantity);
                var taken = Math.Min(left, open);
                if (taken <= 0m) continue;
                lines.Add(Share(line.LineId, item, taken, currency));
                left -= taken;
            }
            if (left <= 0m) continue;
            notes.Add(item.OriginalLine is { } line_
                ? $"{left} of item {item.ItemId} returned at the till beyond what line {line_} of order {order.OrderId} bought and has not returned: not refunded on the order"
                : $"{left} of item {item.ItemId} returned at the till beyond what order {order.OrderId} bought and has not returned: not refunded on the order");
        }
        return (lines, notes);
    }

    /// <summary>
    /// A post-void that does not repeat the voided receipt's lines gives back everything it still can: each line's open
    /// quantity at its own money, with its SKU, so the order puts the goods back on the shelf.
    /// </summary>
    private static IEnumerable<ReturnLine> Everything(Order order, List<ReturnLine> taken)
    {
        var included = order.Draft?.TaxesIncluded ?? false;
        foreach (var line in order.Lines.Where(l => l.Quantity > 0m))
        {
            var open = line.Quantity - order.Returned(line.LineId) - taken.Where(l => l.LineId == line.LineId).Sum(l => l.Quantity);
            if (open <= 0m) continue;
            var share = open / line.Quantity;
            yield return new ReturnLine(line.LineId, line.Sku ?? "", open, ReturnDisposition.Sellable,
                Currencies.Round((line.Net + (included ? 0m : line.Tax)) * share, order.Currency), Currencies.Round(line.Tax * share, order.Currency));
        }
    }

    private static ReturnLine Share(string lineId, TillReturnLine item, decimal quantity, string currency) =>
        quantity == item.Quantity
            ? new ReturnLine(lineId, "", quantity, ReturnDisposition.Sellable, item.Amount + item.Tax, item.Tax)
            : new ReturnLine(lineId, "", quantity, ReturnDisposition.Sellable, Currencies.Round((item.Amount + item.Tax) * quantity / item.Quantity, currency),
                Currencies.Round(item.Tax * quantity / item.Quantity, currency));

    /// <summary>The till's refund is taken from the order's captures, largest first, so the same money cannot be refunded again.</summary>
    private static List<TenderRefund> Tenders(OrderCommand.RecordTillReturn c, Order order, decimal amount)
    {
        var refunds = new List<TenderRefund>();
        var open = order.Payments.Where(p => p.Refundable > 0m).OrderByDescending(p => p.Refundable).Select(p => (p.Tender.PaymentId, p.Refundable)).ToList();
        // A till that names no refund tender (a post-void) gives each capture back by its own method.
        var methods = new Queue<TillRefundTender>(c.Refunds.Count > 0
            ? c.Refunds.Where(r => r.Amount > 0m)
            : order.Payments.Where(p => p.Refundable > 0m).OrderByDescending(p => p.Refundable).Select(p => new TillRefundTender(p.Tender.Method, p.Refundable)));
        var method = methods.Count > 0 ? methods.Dequeue() : null;
        var methodLeft = method?.Amount ?? 0m;
        foreach (var (paymentId, refundable) in open)
        {
            var room = Math.Min(refundable, amount - refunds.Sum(r => r.Amount));
            while (room > 0m && method is not null)
            {
                var taken = Math.Min(room, methodLeft);
                refunds.Add(new TenderRefund(paymentId, method.Method, null, taken, $"{c.ReturnId}:{paymentId}:{refunds.Count + 1}"));
                room -= taken;
                methodLeft -= taken;
                if (methodLeft > 0m) continue;
                method = methods.Count > 0 ? methods.Dequeue() : null;
                methodLeft = method?.Amount ?? 0m;
            }
        }
        return refunds;
    }
}

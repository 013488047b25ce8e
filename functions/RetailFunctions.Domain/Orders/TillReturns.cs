using RetailFunctions.Domain.Finance;
using static RetailFunctions.Domain.Orders.OrderEvent;

namespace RetailFunctions.Domain.Orders;

/// <summary>
/// A till return against its original receipt's order. The till already restocked the goods and paid the money out,
/// so the return is a fact: it is recorded once (by its receipt), against the order's lines up to what is still
/// returnable, and its refund is taken from the order's captures, so neither the goods nor the money can go back twice.
/// </summary>
public static class TillReturns
{
    public static OrderDecision Decide(OrderCommand.RecordTillReturn c, Order order)
    {
        if (order.Returns.Any(r => r.ReturnId == c.ReturnId) || order.Refunds.Any(r => r.RefundId == c.ReturnId)) return OrderDecision.NoOp;
        var (lines, notes) = Match(c, order);
        var goods = lines.Sum(l => l.Amount - l.Tax);
        var tax = lines.Sum(l => l.Tax);
        var refund = new Refund(c.ReturnId, c.ReturnId, goods, tax, 0m, Tenders(c, order, goods + tax), 0m, $"returned at the till ({c.ReturnId})",
            notes, c.At);
        return new OrderDecision.Accept([new ReturnAccepted(c.At, new OrderReturn(c.ReturnId, c.Location, lines, c.At, c.Actor)), new RefundIssued(c.At, refund)]);
    }

    /// <summary>
    /// Each returned item against the order lines that sold it, never beyond what they can still give back. Lines carry
    /// no SKU: the till's own movement restocked them. On an order not yet known the lines wait under the item's id.
    /// </summary>
    private static (List<ReturnLine> Lines, List<string> Notes) Match(OrderCommand.RecordTillReturn c, Order order)
    {
        var lines = new List<ReturnLine>();
        var notes = new List<string>();
        var currency = order.IsKnown ? order.Currency : "XXX";
        foreach (var item in c.Lines)
        {
            var left = item.Quantity;
            foreach (var line in order.Lines.Where(l => l.ChannelItem == item.ItemId || l.Sku == item.ItemId))
            {
                var open = line.Quantity - order.Returned(line.LineId) - lines.Where(l => l.LineId == line.LineId).Sum(l => l.Quantity);
                var taken = Math.Min(left, open);
                if (taken <= 0m) continue;
                lines.Add(Share(line.LineId, item, taken, currency));
                left -= taken;
            }
            if (left <= 0m) continue;
            if (!order.IsKnown)
                lines.Add(Share($"item:{item.ItemId}", item, left, currency));
            else
                notes.Add($"{left} of item {item.ItemId} returned at the till beyond what order {order.OrderId} bought and has not returned: not refunded on the order");
        }
        return (lines, notes);
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
        var methods = new Queue<TillRefundTender>(c.Refunds.Where(r => r.Amount > 0m));
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

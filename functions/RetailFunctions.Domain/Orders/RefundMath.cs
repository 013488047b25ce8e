using RetailFunctions.Domain.Finance;

namespace RetailFunctions.Domain.Orders;

public sealed record RefundAmounts(decimal Goods, decimal Tax, decimal Shipping, IReadOnlyList<ReturnLine> Lines)
{
    public decimal Total => Goods + Tax + Shipping;
}

/// <summary>How a refund goes back: to tenders, and as store credit; CreditedInstead names the tender each credit stands in for.</summary>
public sealed record TenderSplit(IReadOnlyList<TenderRefund> Tenders, decimal StoreCredit, IReadOnlyList<string> Notes,
    IReadOnlyList<TenderRefund>? CreditedInstead = null);

/// <summary>
/// Refund arithmetic from the order's own figures: a returned unit is worth its share of the line's gross (after
/// discount, with its tax), the last units of a line take whatever cents are left so a fully returned line refunds
/// exactly what was paid, and the money goes back to the tenders in proportion to what each still holds.
/// </summary>
public static class RefundMath
{
    public static decimal Cents(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    /// <summary>Rounded in the currency's minor unit (whole yen, cents, fils); two decimals when the currency is not known.</summary>
    public static decimal Minor(decimal amount, string? currency) => string.IsNullOrEmpty(currency) ? Cents(amount) : Currencies.Round(amount, currency);

    public static RefundAmounts ForReturn(Order order, IReadOnlyList<(OrderLine Line, decimal Quantity, ReturnDisposition Disposition)> lines, bool refundShipping)
    {
        var returnLines = new List<ReturnLine>();
        foreach (var (line, quantity, disposition) in lines)
        {
            // Earlier entries of this same return count as returned before, so the line's last unit still takes the leftover cents.
            var previous = order.Returns.SelectMany(r => r.Lines).Concat(returnLines).Where(l => l.LineId == line.LineId).ToList();
            var returnedBefore = previous.Sum(l => l.Quantity);
            var gross = order.GrossOf(line);
            var isLast = returnedBefore + quantity >= line.Quantity;
            var amount = isLast ? gross - previous.Sum(l => l.Amount) : Minor(gross * quantity / line.Quantity, order.Currency);
            var tax = isLast ? line.Tax - previous.Sum(l => l.Tax) : Minor(line.Tax * quantity / line.Quantity, order.Currency);
            returnLines.Add(new ReturnLine(line.LineId, line.Sku ?? "", quantity, disposition, amount, tax));
        }
        var shipping = refundShipping ? RemainingShipping(order) : 0m;
        var totalTax = returnLines.Sum(l => l.Tax);
        return new RefundAmounts(returnLines.Sum(l => l.Amount) - totalTax, totalTax, shipping, returnLines);
    }

    /// <summary>
    /// What can still be refunded on the order: captured, less what went back to the tenders or was charged back, less
    /// what was given as store credit instead (that money came out of the same captures but left no transaction on them).
    /// </summary>
    public static decimal Refundable(Order order) => Math.Max(0m, order.Payments.Sum(p => p.Refundable) - order.Refunds.Sum(r => r.StoreCredit));

    /// <summary>Shipping (with its tax when prices exclude tax) not yet refunded.</summary>
    public static decimal RemainingShipping(Order order) =>
        order.Draft is null ? 0m
        : Math.Max(0m, order.Draft.Shipping + (order.Draft.TaxesIncluded ? 0m : order.Draft.ShippingTax) - order.Refunds.Sum(r => r.Shipping));

    /// <summary>The tax within an amount of shipping given back, in the proportion the order's shipping carries it.</summary>
    public static decimal ShippingTaxOf(Order order, decimal shipping)
    {
        if (order.Draft is not { } draft || shipping <= 0m) return 0m;
        var charged = draft.Shipping + (draft.TaxesIncluded ? 0m : draft.ShippingTax);
        return charged <= 0m ? 0m : Math.Min(shipping, Minor(shipping * draft.ShippingTax / charged, draft.Currency));
    }

    /// <summary>
    /// An amount given back on the whole order (a cancellation) split as what is still outstanding is: goods, their tax,
    /// and shipping with its tax, each its share, the goods taking the rounding.
    /// </summary>
    public static (decimal Goods, decimal Tax, decimal Shipping, decimal ShippingTax) Parts(Order order, decimal amount)
    {
        // What is still outstanding after earlier refunds: those already gave back some goods, tax and shipping.
        var outstanding = Math.Max(amount, order.Total - order.Refunds.Sum(r => r.Total));
        if (order.Draft is null || outstanding <= 0m) return (amount, 0m, 0m, 0m);
        var share = amount / outstanding;
        var tax = Minor(Math.Max(0m, order.Lines.Sum(l => l.Tax) - order.Refunds.Sum(r => r.Tax)) * share, order.Currency);
        var shipping = Minor(RemainingShipping(order) * share, order.Currency);
        return (amount - tax - shipping, tax, shipping, ShippingTaxOf(order, shipping));
    }

    /// <summary>
    /// Splits a refund across the tenders in proportion to what each can still take back, the rounding cent going to
    /// the largest. A share the tender cannot take goes to store credit: an expired card, cash above the till's limit,
    /// or a tender that was store credit in the first place.
    /// </summary>
    public static TenderSplit Allocate(decimal amount, IReadOnlyList<Payment> payments, OrderPolicy policy, DateTimeOffset at,
        IReadOnlyList<Refund>? earlier = null, string? currency = null)
    {
        // Store credit given in a tender's place came out of that tender's capture, though no transaction says so.
        decimal Open(Payment p) => Math.Max(0m, p.Refundable
            - (earlier ?? []).SelectMany(r => r.CreditedInstead ?? []).Where(c => c.PaymentId == p.Tender.PaymentId).Sum(c => c.Amount));
        var open = payments.Select(p => (Payment: p, Open: Open(p))).Where(p => p.Open > 0m)
            .OrderByDescending(p => p.Open).ThenBy(p => p.Payment.Tender.PaymentId, StringComparer.Ordinal).ToList();
        var refundable = open.Sum(p => p.Open);
        if (amount <= 0m || refundable <= 0m) return new TenderSplit([], 0m, []);

        var shares = open.Select(p => Minor(amount * p.Open / refundable, currency)).ToArray();
        shares[0] += amount - shares.Sum();

        var tenders = new List<TenderRefund>();
        var credited = new List<TenderRefund>();
        var notes = new List<string>();
        for (var i = 0; i < open.Count; i++)
        {
            var tender = open[i].Payment.Tender;
            var share = Math.Min(shares[i], open[i].Open);
            if (share <= 0m) continue;
            void Credit(decimal credit) => credited.Add(new TenderRefund(tender.PaymentId, tender.Method, tender.Last4, credit));
            if (IsStoreCredit(tender.Method))
            {
                Credit(share);
            }
            else if (HasExpired(tender, at))
            {
                Credit(share);
                notes.Add($"card ending {tender.Last4 ?? "????"} expired ({tender.CardExpiry}): {share:0.00} as store credit");
            }
            else if (IsCash(tender.Method) && share > policy.CashRefundLimit)
            {
                tenders.Add(new TenderRefund(tender.PaymentId, tender.Method, tender.Last4, policy.CashRefundLimit));
                Credit(share - policy.CashRefundLimit);
                notes.Add($"cash refunds are limited to {policy.CashRefundLimit:0.00}: {share - policy.CashRefundLimit:0.00} as store credit");
            }
            else
            {
                tenders.Add(new TenderRefund(tender.PaymentId, tender.Method, tender.Last4, share));
            }
        }
        return new TenderSplit(tenders, credited.Sum(c => c.Amount), notes, credited);
    }

    public static bool IsCash(string method) => method.Equals("cash", StringComparison.OrdinalIgnoreCase);

    public static bool IsStoreCredit(string method) => method.Equals("store_credit", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A tender that carries an expiry date is a card whatever its method is called ("visa", "amex", "credit_card"): an
    /// expired one cannot take money back. Gift cards are the retailer's own and never expire this way.
    /// </summary>
    public static bool HasExpired(Tender tender, DateTimeOffset at) =>
        (IsCard(tender.Method) || tender.CardExpiry is not null && !IsCash(tender.Method) && !IsStoreCredit(tender.Method)
            && !tender.Method.Contains("gift", StringComparison.OrdinalIgnoreCase))
        && ExpiredBy(tender.CardExpiry, at);

    public static bool IsCard(string method) =>
        method.Contains("card", StringComparison.OrdinalIgnoreCase) && !method.Contains("gift", StringComparison.OrdinalIgnoreCase);

    /// <summary>Card expiry as yyyy-MM or MM/yy; a card is good through the last day of its month.</summary>
    public static bool ExpiredBy(string? expiry, DateTimeOffset at)
    {
        if (string.IsNullOrWhiteSpace(expiry)) return false;
        int year, month;
        var parts = expiry.Split('-', '/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var first) || !int.TryParse(parts[1], out var second)) return false;
        if (parts[0].Length == 4) (year, month) = (first, second);
        else (year, month) = (second < 100 ? 2000 + second : second, first);
        if (month is < 1 or > 12) return false;
        var firstDayAfter = new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        return at >= firstDayAfter;
    }
}

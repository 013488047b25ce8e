using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;

namespace RetailFunctions.Pipeline.Shopify;

/// <summary>
/// Shop money and presentment money. A shop keeps its books in its own currency (<c>currency</c>, <c>shop_money</c>);
/// a shopper may pay in another (<c>presentment_currency</c>, <c>presentment_money</c>), and transactions are in that
/// one. The document's own pair of totals gives the rate; a transaction for the whole presentment total is exactly
/// the shop total, so a full payment never drifts by a rounding cent.
/// </summary>
internal static class ShopifyMoney
{
    public static Func<PaymentSnapshot, PaymentSnapshot> ToShop(string? shopCurrency, string? presentmentCurrency, decimal shopTotal, decimal? presentmentTotal) =>
        payment =>
        {
            if (shopCurrency is null || string.Equals(payment.Currency, shopCurrency, StringComparison.OrdinalIgnoreCase)) return payment;
            if (presentmentCurrency is not null && !string.Equals(payment.Currency, presentmentCurrency, StringComparison.OrdinalIgnoreCase)) return payment;
            if (presentmentTotal is not { } total || total == 0m) return payment;
            var shop = payment.Amount == total ? shopTotal : Currencies.Round(payment.Amount * shopTotal / total, shopCurrency);
            return payment with { Amount = shop, Currency = shopCurrency, PresentmentAmount = payment.Amount, PresentmentCurrency = payment.Currency };
        };
}

/// <summary>Discounts at order level that the payload states but does not allocate to its lines.</summary>
internal static class ShopifyDiscounts
{
    /// <summary>
    /// Spreads what the order's line discounts fall short of <paramref name="lineDiscounts"/> (total_discounts less
    /// shipping discounts) across the lines in proportion to what each still costs, as Shopify allocates an "across"
    /// application; the rounding cents go to the largest line. Nothing changes when the lines already account for it.
    /// </summary>
    public static IReadOnlyList<OrderLineSnapshot> Unallocated(IReadOnlyList<OrderLineSnapshot> lines, decimal lineDiscounts, bool targetsLines, string currency)
    {
        var missing = lineDiscounts - lines.Sum(l => l.TotalDiscount);
        var bases = lines.Select(l => Math.Max(0m, l.UnitPrice * l.Quantity - l.TotalDiscount)).ToArray();
        var total = bases.Sum();
        if (!targetsLines || missing <= 0m || total <= 0m || missing > total) return lines;
        var shares = bases.Select(b => Currencies.Round(missing * b / total, currency)).ToArray();
        var largest = Array.IndexOf(bases, bases.Max());
        shares[largest] += missing - shares.Sum();
        return [.. lines.Select((l, i) => l with { TotalDiscount = l.TotalDiscount + shares[i] })];
    }
}

/// <summary>Tax the order states (<c>total_tax</c>) but that no line or shipping line carries in its <c>tax_lines</c>.</summary>
internal static class ShopifyTaxes
{
    /// <summary>
    /// Spreads an order-level <paramref name="totalTax"/> across the lines that are not gift cards, in proportion to
    /// what each costs after discount, in the currency's minor unit; the largest line takes the rounding. Nothing
    /// changes when any line or shipping line already states its tax.
    /// </summary>
    public static IReadOnlyList<OrderLineSnapshot> Unallocated(IReadOnlyList<OrderLineSnapshot> lines, IReadOnlyList<ShippingLineSnapshot> shipping,
        decimal totalTax, string currency)
    {
        if (totalTax <= 0m || lines.Any(l => l.TaxLines.Count > 0) || shipping.Any(s => s.TaxLines.Count > 0)) return lines;
        var bases = lines.Select(l => l.IsGiftCard ? 0m : Math.Max(0m, l.UnitPrice * l.Quantity - l.TotalDiscount)).ToArray();
        var total = bases.Sum();
        if (total <= 0m) return lines;
        var shares = bases.Select(b => Currencies.Round(totalTax * b / total, currency)).ToArray();
        var largest = Array.IndexOf(bases, bases.Max());
        shares[largest] += totalTax - shares.Sum();
        return [.. lines.Select((l, i) => shares[i] == 0m ? l : l with { TaxLines = [new TaxLine("order tax", 0m, shares[i])] })];
    }

    /// <summary>A refunded part of a line's tax: the line's tax covers its whole quantity, rounded in the currency's minor unit.</summary>
    public static decimal Prorated(decimal tax, decimal ordered, decimal refunded, string? currency) =>
        ordered == 0m || ordered == refunded ? tax
        : currency is null ? Math.Round(tax * refunded / ordered, 2, MidpointRounding.AwayFromZero)
        : Currencies.Round(tax * refunded / ordered, currency);
}

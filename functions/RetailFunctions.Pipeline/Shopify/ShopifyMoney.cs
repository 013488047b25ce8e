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

using RetailFunctions.Domain.Canonical;

namespace RetailFunctions.Domain.Finance;

/// <summary>
/// One goods line of a till receipt as the journal books it, in the currency's minor unit: the till's extended
/// amount (never list price times quantity), the line's discount plus its share of the receipt's discounts, and its
/// tax plus its share of transaction-level tax. Position 0 is the till's own adjustment where our arithmetic differs.
/// A gift card sold is a liability to its holder: no receipt discount or tax is shared onto it, and it is not revenue.
/// </summary>
public sealed record TillLineMoney(int Position, PosLineKind Kind, string ItemId, decimal Quantity, decimal Gross, decimal Discount, decimal Tax,
    bool GiftCard = false)
{
    /// <summary>What the customer pays for the line (or is paid back for a returned one).</summary>
    public decimal Due(bool taxIncluded) => Gross - Discount + (taxIncluded ? 0m : Tax);
}

/// <summary>
/// One tender's money in the store's currency, signed as it moves the drawer: positive in, negative out (change, cash
/// back, refunds). A foreign-currency tender keeps what was handed over in its own currency.
/// </summary>
public sealed record TillTenderMoney(string Method, decimal Amount, decimal? ForeignAmount = null, string? ForeignCurrency = null);

/// <summary>
/// A till receipt reckoned: what its lines make by our arithmetic (Computed), what the till says it came to (Stated,
/// its TransactionGrandAmount, signed like Computed: negative when money went back), and the tenders. The till wins:
/// <see cref="Lines"/> already carry the difference as an adjustment, so they add up to <see cref="Due"/>.
/// </summary>
public sealed record TillReckoning(
    ReceiptKey Receipt,
    string Currency,
    bool TaxIncluded,
    IReadOnlyList<TillLineMoney> Lines,
    IReadOnlyList<TillTenderMoney> Tenders,
    decimal Computed,
    decimal? Stated,
    IReadOnlyList<string>? Disagreements = null)
{
    public decimal Due => Stated ?? Computed;

    public decimal Difference => Due - Computed;

    /// <summary>Our arithmetic gives the till's own total to the minor unit, and every other total the till states (NCR's gross and discount totals, a line's extended discount).</summary>
    public bool Reproduced => Difference == 0m && (Disagreements is null || Disagreements.Count == 0);

    public decimal Tendered => Tenders.Sum(t => t.Amount);

    public IEnumerable<TillLineMoney> Sold => Lines.Where(l => l.Kind == PosLineKind.Sale);

    /// <summary>Gift cards sold (or loaded): what their holders may spend later.</summary>
    public IEnumerable<TillLineMoney> GiftCardsSold => Sold.Where(l => l.GiftCard);

    public IEnumerable<TillLineMoney> Returned => Lines.Where(l => l.Kind == PosLineKind.Return);

    /// <summary>Gross sales less discounts plus tax of the sale lines: the receipt's takings before returns.</summary>
    public decimal SoldAmount => Sold.Sum(l => l.Due(TaxIncluded));

    public decimal ReturnedAmount => Returned.Sum(l => l.Due(TaxIncluded));

    /// <summary>What a finance person reads when the till and our arithmetic differ.</summary>
    public string MismatchDetail =>
        $"receipt {Receipt}: the till's TransactionGrandAmount is {Math.Abs(Due)} {Currency}, its lines, discounts and taxes make " +
        $"{Math.Abs(Computed)} {Currency}; difference {Difference} {Currency}. Booked at the till's figure." +
        (Disagreements is { Count: > 0 } d ? " " + string.Join(" ", d) : "");
}

/// <summary>
/// Till money as ARTS POSLog defines it, reckoned to the minor unit and turned into journal facts. Pure: the same
/// receipt always gives the same reckoning and facts. A voided, suspended or training transaction moves no money.
/// </summary>
public static class TillReceipts
{
    public const string ExchangeMethod = "exchange";

    /// <summary>The fact ids of a till receipt's sale, return and cash count start with it.</summary>
    public const string FactPrefix = "pos:";

    public static bool MovesMoney(PosTransaction transaction) =>
        transaction.Kind is PosTransactionKind.Sale or PosTransactionKind.Return && Goods(transaction).Any();

    public static TillReckoning Reckon(PosTransaction transaction)
    {
        var currency = transaction.Currency;
        var included = transaction.TaxIncluded;
        var lines = Goods(transaction)
            .Select(l => new TillLineMoney(l.Position, l.Kind, l.ItemId, l.Quantity, Round(l.ExtendedAmount, currency),
                Round(l.DiscountAmount, currency), Round(l.TaxAmount, currency), l.IsGiftCard && l.Kind == PosLineKind.Sale))
            .ToList();
        var disagreements = StatedTotalChecks(transaction, lines, currency);
        lines = WithReceiptDiscounts(lines, transaction, currency);
        lines = WithTransactionTax(lines, transaction, currency);
        var computed = lines.Sum(l => Sign(l.Kind) * l.Due(included));
        var stated = transaction.Total is { } total ? Signed(Round(total, currency), transaction) : (decimal?)null;
        var difference = stated is { } s ? s - computed : 0m;
        return new TillReckoning(transaction.Receipt, currency, included, WithAdjustment(lines, difference),
            Tenders(transaction, currency), computed, stated, disagreements);
    }

    /// <summary>
    /// The totals a till states beside its grand total, each against the lines where present: a line's extended
    /// discount (NCR's ExtendedDiscountAmount), and NCR ACS's GrossPositive (goods sold before discounts), GrossNegative
    /// (returns and every discount, negative) and DiscountTotal (the lines' own discounts). A disagreement is named.
    /// </summary>
    private static List<string> StatedTotalChecks(PosTransaction transaction, List<TillLineMoney> lines, string currency)
    {
        var found = new List<string>();
        foreach (var line in Goods(transaction).Where(l => l.StatedDiscount is not null))
            if (Round(line.StatedDiscount!.Value, currency) != Round(line.DiscountAmount, currency))
                found.Add($"Line {line.Position} ({line.ItemId}): ExtendedDiscountAmount {line.StatedDiscount} but its discounts make {Round(line.DiscountAmount, currency)}.");
        if (transaction.Gross is not { } gross) return found;
        var lineDiscounts = lines.Sum(l => l.Discount);
        var negatives = lines.Where(l => l.Kind == PosLineKind.Return).Sum(l => l.Gross) + lineDiscounts + Round(transaction.Discounts.Sum(d => d.Amount), currency);
        void Check(string name, decimal? stated, decimal ours)
        {
            if (stated is { } s && Currencies.Round(s, currency) != ours) found.Add($"{name} is {s} but the lines make {ours}.");
        }
        Check("acs:GrossPositive", gross.Positive, lines.Where(l => l.Kind == PosLineKind.Sale).Sum(l => l.Gross));
        Check("acs:GrossNegative", gross.Negative, -negatives);
        Check("acs:DiscountTotal", gross.Discount, lineDiscounts);
        return found;
    }

    /// <summary>
    /// The journal facts of a receipt: a sale for the sold lines, a return for the returned ones; an exchange is
    /// both, the returned goods paying for the new ones through an exchange clearing that nets to zero.
    /// </summary>
    public static IReadOnlyList<FinancialFact> Facts(TillReckoning reckoning, string store, DateOnly businessDay, DateTimeOffset at)
    {
        var r = reckoning;
        var reference = r.Receipt.ToString();
        var facts = new List<FinancialFact>();
        var sold = r.Sold.Where(l => !l.GiftCard).ToList();
        var giftCards = r.GiftCardsSold.Sum(l => l.Due(r.TaxIncluded));
        var returned = r.Returned.ToList();
        var credit = r.Sold.Any() && returned.Count > 0 ? r.ReturnedAmount : 0m;
        if (r.Sold.Any())
        {
            var tenders = r.Tenders.Select(t => new Tender(t.Method, t.Amount)).ToList();
            if (credit != 0m) tenders.Add(new Tender(ExchangeMethod, credit));
            var (saleTenders, giftTenders) = SplitTenders(tenders, giftCards, r.Currency);
            if (sold.Count > 0)
                facts.Add(new FinancialFact.Sale($"{FactPrefix}{reference}:sale", store, Channels.Pos, businessDay, r.Currency, at, reference,
                    [.. sold.Select(l => Line(l, r.TaxIncluded))], saleTenders));
            // A gift card sold is a liability to its holder until spent, not revenue.
            if (giftCards > 0m)
                facts.Add(new FinancialFact.GiftCardSold($"{FactPrefix}{reference}:gift-cards", store, Channels.Pos, businessDay, r.Currency, at, reference,
                    giftCards, giftTenders));
        }
        if (returned.Count > 0)
        {
            IReadOnlyList<Tender> refunds = credit != 0m
                ? [new Tender(ExchangeMethod, credit)]
                : [.. r.Tenders.Select(t => new Tender(t.Method, -t.Amount))];
            facts.Add(new FinancialFact.Return($"{FactPrefix}{reference}:return", store, Channels.Pos, businessDay, r.Currency, at, reference,
                [.. returned.Select(l => Line(l, r.TaxIncluded))], refunds));
        }
        return facts;
    }

    /// <summary>
    /// The tenders of a receipt that sells gift cards: each tender pays the gift cards its share, in the minor unit,
    /// largest first, and the goods the rest; change and refunds stay with the goods.
    /// </summary>
    private static (List<Tender> Sale, List<Tender> GiftCards) SplitTenders(List<Tender> tenders, decimal giftCards, string currency)
    {
        if (giftCards <= 0m) return (tenders, []);
        var paying = tenders.Where(t => t.Amount > 0m).ToList();
        var shares = Split(giftCards, [.. paying.Select(t => t.Amount)], currency);
        var gift = paying.Select((t, i) => t with { Amount = shares[i] }).Where(t => t.Amount != 0m).ToList();
        var sale = tenders.Select(t => paying.IndexOf(t) is var i and >= 0 ? t with { Amount = t.Amount - shares[i] } : t).Where(t => t.Amount != 0m).ToList();
        return (sale, gift);
    }

    /// <summary>
    /// A till close as the cash count: what the drawer held at close less its opening float (Counted) against what the
    /// till says its transactions took in cash (Expected); the difference is over/short. Null when the close does not
    /// state both.
    /// </summary>
    public static FinancialFact.CashCount? CashCount(PosTransaction close, string store, DateTimeOffset at)
    {
        if (close.Kind != PosTransactionKind.TillClose || close.TillSales is null) return null;
        static bool IsCash(TenderTotal t) => string.Equals(t.TenderType.Trim(), "Cash", StringComparison.OrdinalIgnoreCase);
        if (!close.TillTotals.Any(IsCash) || !close.TillSales.Any(IsCash)) return null;
        var receipt = close.Receipt;
        return new FinancialFact.CashCount($"{FactPrefix}{receipt}:cash-count", store, Channels.Pos, receipt.BusinessDay, close.Currency, at,
            $"till {receipt.WorkstationId} close {receipt}",
            Currencies.Round(close.TillSales.Where(IsCash).Sum(t => t.Amount), close.Currency),
            Currencies.Round(close.TillTotals.Where(IsCash).Sum(t => t.Amount), close.Currency));
    }

    /// <summary>
    /// Splits an amount over weights in the currency's minor unit, largest remainder first, so the shares add up to
    /// the amount exactly. Zero weights get nothing; with no weight at all everything goes to the last share.
    /// </summary>
    public static IReadOnlyList<decimal> Split(decimal amount, IReadOnlyList<decimal> weights, string currency)
    {
        if (weights.Count == 0) return [];
        var unit = Currencies.MinorUnit(currency);
        var total = weights.Sum(Math.Abs);
        if (total == 0m) return [.. weights.Select((_, i) => i == weights.Count - 1 ? amount : 0m)];
        var exact = weights.Select(w => amount * Math.Abs(w) / total).ToArray();
        var shares = exact.Select(e => Math.Truncate(e / unit) * unit).ToArray();
        var left = (int)Math.Round((amount - shares.Sum()) / unit);
        var order = Enumerable.Range(0, shares.Length).OrderByDescending(i => Math.Abs(exact[i] - shares[i])).ThenBy(i => i).ToList();
        for (var k = 0; k < Math.Abs(left); k++)
            shares[order[k % order.Count]] += Math.Sign(left) * unit;
        return shares;
    }

    /// <summary>
    /// What a journal entry books for goods: revenue and tax less discounts, less sales returns. For a till receipt's
    /// entries it adds up to the receipt's total (signed: negative when money went back), whatever the tenders were.
    /// </summary>
    public static decimal Takings(JournalEntry entry) =>
        entry.Lines.Where(l => GoodsRoles.Contains(l.Role.Split(':')[0]) || entry.Source == GiftCardSource && l.Role == AccountRoles.GiftCardLiability)
            .Sum(l => l.Credit - l.Debit);

    /// <summary>The source of a gift card sale's entry: the card it sells is takings, though not revenue.</summary>
    private const string GiftCardSource = "gift-card-sold";

    /// <summary>The entries a till receipt makes (by their source): what the journal booked for the receipts.</summary>
    public static bool IsReceiptEntry(string source) => source is "sale" or "return" or GiftCardSource;

    private static readonly string[] GoodsRoles = [AccountRoles.Revenue, AccountRoles.SalesReturns, AccountRoles.TaxPayable, AccountRoles.Discounts];

    private static IEnumerable<PosLine> Goods(PosTransaction transaction) =>
        transaction.Lines.Where(l => !l.Voided && l.Quantity != 0m);

    private static decimal Sign(PosLineKind kind) => kind == PosLineKind.Return ? -1m : 1m;

    private static decimal Round(decimal amount, string currency) => Currencies.Round(Math.Abs(amount), currency);

    /// <summary>Tills write a return's grand total positive or negative; it follows the direction of the receipt's goods.</summary>
    private static decimal Signed(decimal stated, PosTransaction transaction) =>
        !Goods(transaction).Any(l => l.Kind == PosLineKind.Sale) || transaction.Total < 0m ? -stated : stated;

    /// <summary>Receipt-level discounts (coupons, promotions, loyalty rewards) shared over the goods they reduce, by net amount.</summary>
    private static List<TillLineMoney> WithReceiptDiscounts(List<TillLineMoney> lines, PosTransaction transaction, string currency)
    {
        var discount = Round(transaction.Discounts.Sum(d => d.Amount), currency);
        if (discount == 0m || lines.Count == 0) return lines;
        var kind = lines.Any(l => l.Kind == PosLineKind.Sale && !l.GiftCard) ? PosLineKind.Sale : PosLineKind.Return;
        var targets = lines.Where(l => l.Kind == kind && !l.GiftCard).ToList();
        if (targets.Count == 0) return lines;
        var shares = Split(discount, [.. targets.Select(l => l.Gross - l.Discount)], currency);
        return [.. lines.Select(l => targets.IndexOf(l) is var i and >= 0 ? l with { Discount = l.Discount + shares[i] } : l)];
    }

    /// <summary>
    /// Transaction-level Tax items state the tax; the lines' own taxes are the detail. When the lines carry none (or
    /// the till stated a different total), the stated tax is shared over the lines by what they cost.
    /// </summary>
    private static List<TillLineMoney> WithTransactionTax(List<TillLineMoney> lines, PosTransaction transaction, string currency)
    {
        var lineTax = lines.Sum(l => Sign(l.Kind) * l.Tax);
        decimal? stated = transaction.StatedTax is { } t ? Currencies.Round(t, currency)
            : transaction.Taxes.Count > 0 && lines.All(l => l.Tax == 0m) ? Currencies.Round(transaction.Taxes.Sum(x => x.Amount), currency)
            : null;
        if (stated is not { } taxTotal || lines.Count == 0) return lines;
        if (transaction.Kind == PosTransactionKind.Return) taxTotal = -Math.Abs(taxTotal);
        var extra = taxTotal - lineTax;
        if (extra == 0m) return lines;
        // The difference goes to the lines whose direction it has: more tax on the sold goods, or on the returned ones.
        var kind = extra > 0m ? PosLineKind.Sale : PosLineKind.Return;
        var targets = lines.Where(l => l.Kind == kind && !l.GiftCard).ToList();
        if (targets.Count == 0)
        {
            kind = kind == PosLineKind.Sale ? PosLineKind.Return : PosLineKind.Sale;
            targets = lines.Where(l => l.Kind == kind && l.Tax > 0m && !l.GiftCard).ToList();
            if (targets.Count == 0) return lines;
        }
        var amount = kind == PosLineKind.Sale ? extra : -extra;
        var shares = Split(amount, [.. targets.Select(l => l.Gross - l.Discount)], currency);
        return [.. lines.Select(l => targets.IndexOf(l) is var i and >= 0 ? l with { Tax = Math.Max(0m, l.Tax + shares[i]) } : l)];
    }

    /// <summary>
    /// The till wins: a positive difference is money in (an adjustment sold, or less given back on a return), a
    /// negative one money out (more discount on the sold goods, or an adjustment given back).
    /// </summary>
    private static List<TillLineMoney> WithAdjustment(List<TillLineMoney> lines, decimal difference)
    {
        if (difference == 0m) return lines;
        var hasSales = lines.Any(l => l.Kind == PosLineKind.Sale);
        var hasReturns = lines.Any(l => l.Kind == PosLineKind.Return);
        if (difference > 0m && (hasSales || !hasReturns))
            return [.. lines, new TillLineMoney(0, PosLineKind.Sale, "till-adjustment", 0m, difference, 0m, 0m)];
        if (difference < 0m && hasReturns)
            return [.. lines, new TillLineMoney(0, PosLineKind.Return, "till-adjustment", 0m, -difference, 0m, 0m)];
        // Less money in on a sale, or less given back on a return: more discount where there is room for it.
        var kind = difference < 0m ? PosLineKind.Sale : PosLineKind.Return;
        var left = Math.Abs(difference);
        var result = new List<TillLineMoney>(lines.Count);
        foreach (var line in lines)
        {
            var room = line.Kind == kind ? Math.Min(left, line.Gross - line.Discount) : 0m;
            left -= room;
            result.Add(room > 0m ? line with { Discount = line.Discount + room } : line);
        }
        // No room left (every line already free): the journal will say the fact does not balance.
        return result;
    }

    private static IReadOnlyList<TillTenderMoney> Tenders(PosTransaction transaction, string currency)
    {
        var paidOut = transaction.Kind == PosTransactionKind.Return;
        return [.. transaction.Tenders
            .Select(t => new TillTenderMoney(Method(t), t.IsChange || t.IsRefund || paidOut
                ? -Currencies.Round(Math.Abs(t.Amount), currency)
                : Currencies.Round(t.Amount, currency), t.ForeignAmount, t.ForeignCurrency))
            .Where(t => t.Amount != 0m)];
    }

    /// <summary>The clearing account a till tender books to: cash, the card brand, or a liability for gift cards and store credit.</summary>
    public static string Method(PosTender tender)
    {
        var type = tender.TenderType.Trim().Replace("_", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        return type switch
        {
            "cash" => TenderMethods.Cash,
            "giftcard" or "giftcertificate" => TenderMethods.GiftCard,
            "storecredit" or "credit voucher" or "creditvoucher" or "voucher" => TenderMethods.StoreCredit,
            "creditdebit" or "credit" or "debit" or "card" or "creditcard" or "debitcard" =>
                tender.CardType is { Length: > 0 } card ? TenderMethods.Normalize(card).Replace(' ', '-') : "card",
            _ => type,
        };
    }

    private static SaleLine Line(TillLineMoney line, bool taxIncluded) =>
        new(taxIncluded ? line.Gross - line.Tax : line.Gross, line.Discount, line.Tax);
}

namespace RetailFunctions.Domain.Finance;

/// <summary>What the journal does with a fact: post an entry, refuse it with a reason a person can act on, or nothing.</summary>
public abstract record JournalDecision
{
    public sealed record Post(JournalEntry Entry) : JournalDecision;

    /// <summary>The fact cannot become a balanced entry (tenders do not cover the total, a negative amount...).</summary>
    public sealed record Refuse(string Reason) : JournalDecision;

    /// <summary>Every amount is zero: there is nothing to post.</summary>
    public sealed record Nothing(string Reason) : JournalDecision;
}

/// <summary>How far a fact may be off before it is refused rather than balanced with a rounding line.</summary>
public sealed record JournalRules(int RoundingToleranceMinorUnits = 5)
{
    public static JournalRules Default { get; } = new();
}

/// <summary>
/// Turns a financial fact into a balanced double-entry journal entry: one pure function, the same fact and chart
/// always give the same entry. Amounts are summed per account and channel, then rounded to the currency's minor
/// unit; what rounding (or a till's cash rounding) leaves over becomes an explicit rounding line, never lost, as long
/// as it is within the tolerance. The entry is dated by the fact's business day.
/// </summary>
public static class JournalBuilder
{
    public static JournalDecision Build(FinancialFact fact, ChartOfAccounts chart, JournalRules? rules = null)
    {
        rules ??= JournalRules.Default;
        if (Refusal(fact) is { } refusal) return new JournalDecision.Refuse(refusal);

        var legs = new Legs(fact, chart);
        switch (fact)
        {
            case FinancialFact.Sale sale:
                foreach (var line in sale.Lines)
                {
                    legs.Credit(AccountRoles.Revenue, fact.Channel, line.Gross, "revenue");
                    legs.Debit(AccountRoles.Discounts, fact.Channel, line.Discount, "discounts");
                    legs.Credit(AccountRoles.TaxPayable, line.TaxCode, line.Tax, TaxMemo(line.TaxCode));
                }
                foreach (var tender in sale.Tenders) legs.Tender(tender, tender.Amount);
                break;
            case FinancialFact.Return ret:
                foreach (var line in ret.Lines)
                {
                    legs.Debit(AccountRoles.SalesReturns, fact.Channel, line.Gross, "sales returns");
                    legs.Credit(AccountRoles.Discounts, fact.Channel, line.Discount, "discounts given back");
                    legs.Debit(AccountRoles.TaxPayable, line.TaxCode, line.Tax, TaxMemo(line.TaxCode));
                }
                foreach (var tender in ret.Refunds) legs.Tender(tender, -tender.Amount);
                break;
            case FinancialFact.Refund refund:
                legs.Debit(AccountRoles.Refunds, fact.Channel, refund.Amount, refund.Reason ?? "refund");
                legs.Debit(AccountRoles.TaxPayable, null, refund.Tax, "tax refunded");
                foreach (var tender in refund.Refunds) legs.Tender(tender, -tender.Amount);
                break;
            case FinancialFact.GiftCardSold sold:
                legs.Credit(AccountRoles.GiftCardLiability, null, sold.Amount, "gift card sold");
                foreach (var tender in sold.Tenders) legs.Tender(tender, tender.Amount);
                break;
            case FinancialFact.Chargeback chargeback:
                legs.Debit(AccountRoles.Chargebacks, chargeback.Method, chargeback.Amount, chargeback.Reason ?? "chargeback");
                legs.Debit(AccountRoles.ChargebackFees, chargeback.Method, chargeback.Fee, "dispute fee");
                legs.Credit(AccountRoles.TenderClearing, chargeback.Method, chargeback.Amount + chargeback.Fee, $"{chargeback.Method} chargeback");
                break;
            case FinancialFact.ChargebackReversed reversed:
                legs.Credit(AccountRoles.Chargebacks, reversed.Method, reversed.Amount, "chargeback reversed");
                legs.Debit(AccountRoles.TenderClearing, reversed.Method, reversed.Amount, $"{reversed.Method} dispute won");
                break;
            case FinancialFact.ProcessorFee fee:
                legs.Debit(AccountRoles.ProcessorFees, fee.Method, fee.Amount, $"{fee.Method} fees");
                legs.Credit(AccountRoles.TenderClearing, fee.Method, fee.Amount, $"{fee.Method} fees");
                break;
            case FinancialFact.Payout payout:
                legs.Debit(AccountRoles.Bank, null, payout.Amount, $"{payout.Method} payout");
                legs.Debit(AccountRoles.ProcessorFees, payout.Method, payout.Fees, $"{payout.Method} fees deducted");
                legs.Credit(AccountRoles.TenderClearing, payout.Method, payout.Amount + payout.Fees, $"{payout.Method} payout");
                break;
            case FinancialFact.CashCount count:
                var over = count.Counted - count.Expected;
                legs.Debit(AccountRoles.TenderClearing, TenderMethods.Cash, over, over >= 0 ? "cash over" : "cash short");
                legs.Credit(AccountRoles.CashOverShort, null, over, over >= 0 ? "cash over" : "cash short");
                break;
            default:
                return new JournalDecision.Refuse($"unknown financial fact {fact.GetType().Name}");
        }
        return legs.Close(JournalIds.ForFact(fact), rules);
    }

    private static string TaxMemo(string? taxCode) => taxCode is null ? "tax" : $"tax {taxCode}";

    /// <summary>Why a fact cannot be journalled as it is, or null.</summary>
    public static string? Refusal(FinancialFact fact)
    {
        if (string.IsNullOrWhiteSpace(fact.FactId)) return "factId is required";
        if (string.IsNullOrWhiteSpace(fact.Store)) return "store is required";
        if (string.IsNullOrWhiteSpace(fact.Channel)) return "channel is required";
        if (fact.Store.Length > 100 || fact.FactId.Length > 400) return "store or factId is too long";
        if (!Currencies.IsCode(fact.Currency)) return $"currency '{fact.Currency}' is not an ISO 4217 code";
        if (fact.BusinessDay == default) return "businessDay is required";
        return fact switch
        {
            // Collections come from JSON too: a missing one is a refusal, not a crash.
            FinancialFact.Sale s when s.Lines is null || s.Tenders is null => "a sale needs lines and tenders",
            FinancialFact.Return r when r.Lines is null || r.Refunds is null => "a return needs lines and refunds",
            FinancialFact.Refund r when r.Refunds is null => "a refund needs refunds (the tenders given back)",
            FinancialFact.GiftCardSold g when g.Tenders is null => "a gift card sale needs tenders",
            FinancialFact.Sale s when s.Lines.Any(NegativeLine) => "a sale line has a negative gross, discount or tax",
            FinancialFact.Sale s when s.Lines.Any(l => l.Discount > l.Gross) => "a sale line's discount exceeds its gross amount",
            FinancialFact.Sale s when s.Tenders.Any(t => string.IsNullOrWhiteSpace(t.Method)) => "a tender has no method",
            FinancialFact.Return r when r.Lines.Any(NegativeLine) => "a return line has a negative gross, discount or tax",
            FinancialFact.Return r when r.Refunds.Any(t => string.IsNullOrWhiteSpace(t.Method)) => "a refund tender has no method",
            FinancialFact.Refund r when r.Amount < 0 || r.Tax < 0 => "a refund's amount and tax must not be negative",
            FinancialFact.Refund r when r.Refunds.Any(t => string.IsNullOrWhiteSpace(t.Method)) => "a refund tender has no method",
            FinancialFact.GiftCardSold g when g.Amount < 0 => "a gift card's amount must not be negative",
            FinancialFact.Chargeback c when c.Amount < 0 || c.Fee < 0 => "a chargeback's amount and fee must not be negative",
            FinancialFact.Chargeback c when string.IsNullOrWhiteSpace(c.Method) => "a chargeback needs the tender method it pulls from",
            FinancialFact.ChargebackReversed c when c.Amount < 0 => "a reversed chargeback's amount must not be negative",
            FinancialFact.ProcessorFee f when f.Amount < 0 => "a fee must not be negative",
            FinancialFact.ProcessorFee f when string.IsNullOrWhiteSpace(f.Method) => "a fee needs its tender method",
            FinancialFact.Payout p when p.Amount < 0 || p.Fees < 0 => "a payout's amount and fees must not be negative",
            FinancialFact.Payout p when string.IsNullOrWhiteSpace(p.Method) => "a payout needs its tender method",
            FinancialFact.CashCount c when c.Expected < 0 || c.Counted < 0 => "cash counts must not be negative",
            _ => null,
        };
    }

    private static bool NegativeLine(SaleLine line) => line.Gross < 0 || line.Discount < 0 || line.Tax < 0;

    /// <summary>Signed amounts per account and channel (debits positive), exact until the entry is closed.</summary>
    private sealed class Legs(FinancialFact fact, ChartOfAccounts chart)
    {
        private readonly Dictionary<(string Account, string Role), (decimal Amount, List<string> Memos)> _sums = new();
        private readonly List<(string Account, string Role)> _order = [];

        public void Debit(string role, string? qualifier, decimal amount, string memo) => Add(role, qualifier, amount, memo);

        public void Credit(string role, string? qualifier, decimal amount, string memo) => Add(role, qualifier, -amount, memo);

        /// <summary>A tender moving money in (positive) or out: a clearing account, or a liability for gift cards and store credit.</summary>
        public void Tender(Tender tender, decimal signed)
        {
            var method = TenderMethods.Normalize(tender.Method);
            var (role, qualifier) = method switch
            {
                TenderMethods.GiftCard => (AccountRoles.GiftCardLiability, (string?)null),
                TenderMethods.StoreCredit => (AccountRoles.StoreCreditLiability, null),
                _ => (AccountRoles.TenderClearing, method),
            };
            Add(role, qualifier, signed, method);
        }

        private void Add(string role, string? qualifier, decimal signed, string memo)
        {
            if (signed == 0m) return;
            var normalized = qualifier is null ? null : TenderMethods.Normalize(qualifier);
            var key = (chart.Resolve(role, normalized), normalized is null ? role : $"{role}:{normalized}");
            if (!_sums.TryGetValue(key, out var sum))
            {
                _order.Add(key);
                sum = (0m, []);
            }
            if (!sum.Memos.Contains(memo)) sum.Memos.Add(memo);
            _sums[key] = (sum.Amount + signed, sum.Memos);
        }

        public JournalDecision Close(string entryId, JournalRules rules)
        {
            var currency = fact.Currency;
            var rounded = _order
                .Select(k => (Key: k, Amount: Currencies.Round(_sums[k].Amount, currency), Memo: string.Join(", ", _sums[k].Memos)))
                .Where(x => x.Amount != 0m)
                .ToList();
            var exact = _order.Sum(k => _sums[k].Amount);
            var residual = rounded.Sum(x => x.Amount);
            if (residual != 0m)
            {
                var tolerance = rules.RoundingToleranceMinorUnits * Currencies.MinorUnit(currency);
                if (Math.Abs(residual) > tolerance)
                {
                    var debits = rounded.Where(x => x.Amount > 0).Sum(x => x.Amount);
                    var credits = -rounded.Where(x => x.Amount < 0).Sum(x => x.Amount);
                    return new JournalDecision.Refuse(
                        $"{fact.Kind} {fact.FactId} does not balance: debits {debits} and credits {credits} {currency} differ by {residual}, " +
                        $"more than the rounding tolerance of {tolerance} {currency} (the exact difference is {exact})");
                }
                rounded.Add(((chart.Resolve(AccountRoles.Rounding), AccountRoles.Rounding), -residual,
                    Math.Abs(exact) < Currencies.MinorUnit(currency) ? "rounding to the minor unit" : "cash rounding"));
            }
            if (rounded.Count == 0)
                return new JournalDecision.Nothing($"{fact.Kind} {fact.FactId} moves no money");

            var lines = rounded.Select((x, i) => new JournalLine(
                i + 1, x.Key.Account, x.Key.Role, Math.Max(x.Amount, 0m), Math.Max(-x.Amount, 0m), currency, fact.Store, fact.Channel, x.Memo)).ToList();
            return new JournalDecision.Post(new JournalEntry(entryId, fact.Kind, fact.FactId, fact.Store, fact.Channel, fact.BusinessDay, currency, fact.Reference, lines));
        }
    }
}

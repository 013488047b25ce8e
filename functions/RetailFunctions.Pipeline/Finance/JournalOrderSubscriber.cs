using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using FinanceTender = RetailFunctions.Domain.Finance.Tender;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>
/// Orders feed the journal: a sale for each capture (what it captured, edits and later captures included), a return or
/// refund for every refund issued, a chargeback when a tender is charged back. Fact ids come from the order, so a
/// redelivered event posts nothing twice.
/// </summary>
public sealed class JournalOrderSubscriber(JournalService journal, TestOrderPolicy? testOrders = null) : IOrderEventSubscriber
{
    public async Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken)
    {
        var locations = await journal.LocationsAsync(cancellationToken);
        foreach (var fact in FactsFor(message, locations.BusinessDay, testOrders))
            await journal.RecordAsync(fact, cancellationToken, sourceMessageId: $"{message.OrderId}:{message.Sequence}");
    }

    /// <summary>
    /// The facts an order event books. A moment is dated by the local day of the store it is booked at (localDay; UTC
    /// when not given), unless the order states its business day (a till's).
    /// </summary>
    public static IEnumerable<FinancialFact> FactsFor(OrderEventMessage message, Func<string, DateTimeOffset, DateOnly>? localDay = null,
        TestOrderPolicy? testOrders = null)
    {
        localDay ??= static (_, at) => DateOnly.FromDateTime(at.UtcDateTime);
        var order = message.Order;
        // A test order is recorded and marked, not booked (no money moved) unless the shop books test orders.
        if (order.Draft is not { } draft || (testOrders ?? TestOrderPolicy.Default).KeepsOut(draft)) yield break;
        // The order's own store, else its channel: never where it happened to be allocated, which depends on whether
        // the event came before or after the allocation (a sale is captured before it; a later refund would not be).
        var store = draft.PlacedAtLocation ?? draft.FulfilmentLocation ?? draft.Channel;
        // A payment is dated by its own transaction, not by when the record of it arrived (a web order's capture
        // recorded on Monday from Friday's webhook is Friday's sale).
        var day = draft.BusinessDay ?? localDay(store, message.Event is OrderEvent.PaymentRecorded recorded ? recorded.Transaction.At : message.Event.At);
        var reference = order.OrderId;
        switch (message.Event)
        {
            // A till's sale is journalled from the till's own receipt (TillJournal), which is what the customer paid.
            case OrderEvent.PaymentRecorded { Transaction.Kind: PaymentKind.Capture } captured when order.Total > 0m && draft.Channel != Channels.Pos:
                foreach (var fact in SaleFacts(order, draft, captured.Transaction, store, day, message.Event.At))
                    yield return fact;
                break;
            // A till return is journalled from the till's own receipt (TillJournal); recording it on the order only
            // keeps the order from being refunded twice.
            case OrderEvent.RefundIssued { Refund: var refund } when refund.Total > 0m
                && !(draft.Channel == Channels.Pos && refund.RefundId.StartsWith(PosOrderCommands.TillReturnPrefix, StringComparison.Ordinal)):
                var refunds = refund.Tenders.Select(t => new FinanceTender(MethodOf(order.Payments.FirstOrDefault(p => p.Tender.PaymentId == t.PaymentId)?.Tender, t.Method), t.Amount)).ToList();
                if (refund.StoreCredit > 0m) refunds.Add(new FinanceTender(TenderMethods.StoreCredit, refund.StoreCredit));
                var paid = refunds.Sum(t => t.Amount);
                if (paid <= 0m) yield break;
                // Money goes back where and when the refund happens: the returning store, that day.
                var refundStore = order.Returns.FirstOrDefault(r => r.ReturnId == refund.ReturnId) is { Location.Length: > 0 } returned ? returned.Location : store;
                var refundDay = localDay(refundStore, refund.At);
                // Goods and shipping reverse what their sale booked, each with its own tax; an allowance is a refund of its own kind.
                yield return refund.IsGoodwill
                    ? new FinancialFact.Refund($"order:{order.OrderId}:refund:{refund.RefundId}", refundStore, draft.Channel, refundDay, draft.Currency, refund.At, reference,
                        paid - refund.Tax - refund.ShippingTax, refund.Tax + refund.ShippingTax, refunds, $"goodwill: {refund.Reason}")
                    : new FinancialFact.Return($"order:{order.OrderId}:refund:{refund.RefundId}", refundStore, draft.Channel, refundDay, draft.Currency, refund.At, reference,
                        ReturnedLines(refund, paid), refunds);
                break;
            case OrderEvent.PaymentRecorded { Transaction.Kind: PaymentKind.Chargeback } chargeback:
                yield return new FinancialFact.Chargeback($"order:{order.OrderId}:chargeback:{chargeback.Transaction.TransactionId}", store, draft.Channel, day,
                    draft.Currency, chargeback.At, reference, MethodOf(chargeback.Tender), chargeback.Transaction.Amount, 0m, "chargeback");
                break;
        }
    }

    /// <summary>Goods with their tax, and shipping with its tax, as two lines that add up to what was paid back.</summary>
    public static IReadOnlyList<SaleLine> ReturnedLines(Refund refund, decimal paid)
    {
        var lines = new List<SaleLine> { new(paid - refund.Tax - refund.Shipping, 0m, refund.Tax) };
        if (refund.Shipping > 0m) lines.Add(new SaleLine(refund.Shipping - refund.ShippingTax, 0m, refund.ShippingTax));
        return lines;
    }

    /// <summary>
    /// The sale a capture books: captures made at the same moment (a till's tenders) book together; each moment books
    /// its slice of the order's revenue, tax and gift cards, from what earlier moments captured up to what this one
    /// reaches (never beyond the total). Slices are rounded cumulatively, so the moment that completes the order books
    /// exactly what is left. The first moment keeps the order's sale id; later ones are named by their capture.
    /// </summary>
    public static IEnumerable<FinancialFact> SaleFacts(Order order, OrderDraft draft, PaymentTransaction transaction, string store, DateOnly day,
        DateTimeOffset at)
    {
        var moments = order.Payments.SelectMany(p => p.Transactions.Where(t => t.Kind == PaymentKind.Capture).Select(t => (p.Tender, Capture: t)))
            .OrderBy(x => x.Capture.At).ThenBy(x => x.Capture.TransactionId, StringComparer.Ordinal)
            .GroupBy(x => x.Capture.At).ToList();
        var index = moments.FindIndex(m => m.Any(x => x.Capture.TransactionId == transaction.TransactionId));
        if (index < 0) yield break;
        var total = order.Total;
        var before = moments.Take(index).Sum(m => m.Sum(x => x.Capture.Amount));
        var captured = moments[index].Sum(x => x.Capture.Amount);
        var (from, to) = (Math.Min(before, total), Math.Min(before + captured, total));
        // Money captured beyond the order's total moved all the same: it is booked (revenue, no tax) and the order's
        // effects raise it to finance as an over-capture, never trimmed away.
        var excess = captured - (to - from);
        if (to <= from && excess <= 0m) yield break;
        decimal Slice(decimal amount) => Currencies.Round(amount * to / total, draft.Currency) - Currencies.Round(amount * from / total, draft.Currency);

        var lines = order.Lines.Where(l => !l.IsGiftCard)
            .Select(l => new SaleLine(l.UnitPrice * l.Quantity - (draft.TaxesIncluded ? l.Tax : 0m), l.Discount, l.Tax)).ToList();
        if (draft.Shipping > 0m) lines.Add(new SaleLine(draft.Shipping - (draft.TaxesIncluded ? draft.ShippingTax : 0m), 0m, draft.ShippingTax));
        lines = [.. WithStatedTotal(lines, draft.Mismatch).Select(l => new SaleLine(Slice(l.Gross), Slice(l.Discount), Slice(l.Tax), l.TaxCode))
            .Where(l => l.Gross != 0m || l.Discount != 0m || l.Tax != 0m)];
        // A gift card sold is a liability until it is spent, not revenue: its share of the tenders goes to it.
        var giftCards = Slice(order.Lines.Where(l => l.IsGiftCard).Sum(order.GrossOf));
        // Per-component rounding may leave a cent; the largest line takes it so the slice is exactly what was captured.
        var residual = (to - from) - giftCards - lines.Sum(l => l.Gross - l.Discount + l.Tax);
        if (residual != 0m && lines.Count > 0)
        {
            var largest = lines.IndexOf(lines.MaxBy(l => l.Gross)!);
            lines[largest] = lines[largest] with { Gross = lines[largest].Gross + residual };
        }
        else giftCards += residual;

        if (excess > 0m) lines.Add(new SaleLine(excess, 0m, 0m));
        var tenders = moments[index].GroupBy(x => MethodOf(x.Tender)).Select(g => new FinanceTender(g.Key, g.Sum(x => x.Capture.Amount))).ToList();
        var (saleTenders, giftTenders) = SplitTenders(tenders, giftCards, draft.Currency);
        var suffix = index == 0 ? "" : $":{moments[index].First().Capture.TransactionId}";
        if (lines.Any(l => l.Gross != 0m || l.Tax != 0m))
            yield return new FinancialFact.Sale($"order:{order.OrderId}:sale{suffix}", store, draft.Channel, day, draft.Currency, at, order.OrderId, lines, saleTenders);
        if (giftCards > 0m)
            yield return new FinancialFact.GiftCardSold($"order:{order.OrderId}:gift-cards{suffix}", store, draft.Channel, day, draft.Currency, at,
                order.OrderId, giftCards, giftTenders);
    }

    /// <summary>
    /// The document wins for money: what its stated total exceeds the parts by is revenue, what it falls short by is a
    /// further discount on the largest line that can carry it (the amount-mismatch exception tells finance why).
    /// </summary>
    public static List<SaleLine> WithStatedTotal(List<SaleLine> lines, decimal mismatch)
    {
        if (mismatch > 0m) return [.. lines, new SaleLine(mismatch, 0m, 0m)];
        if (mismatch == 0m) return lines;
        var index = lines.FindIndex(l => l.Gross - l.Discount >= -mismatch);
        if (index < 0) return lines;
        var adjusted = lines.ToList();
        adjusted[index] = adjusted[index] with { Discount = adjusted[index].Discount - mismatch };
        return adjusted;
    }

        /// <summary>Splits what each tender paid between the goods and the gift cards, in proportion, in the currency's minor unit.</summary>
    public static (IReadOnlyList<FinanceTender> Sale, IReadOnlyList<FinanceTender> GiftCards) SplitTenders(IReadOnlyList<FinanceTender> captures, decimal giftCards,
        string currency)
    {
        var total = captures.Sum(t => t.Amount);
        if (giftCards <= 0m || total <= 0m) return (captures, []);
        var shares = captures.Select(t => Currencies.Round(t.Amount * giftCards / total, currency)).ToArray();
        shares[^1] += giftCards - shares.Sum();
        return ([.. captures.Select((t, i) => t with { Amount = t.Amount - shares[i] }).Where(t => t.Amount != 0m)],
            [.. captures.Select((t, i) => t with { Amount = shares[i] }).Where(t => t.Amount != 0m)]);
    }

    /// <summary>Tender clearing accounts are per payment method: the gateway for cards paid online, else the method.</summary>
    private static string MethodOf(Domain.Orders.Tender? tender, string? fallback = null)
    {
        var method = tender?.Method ?? fallback ?? "other";
        return method switch
        {
            "gift_card" => TenderMethods.GiftCard,
            "store_credit" => TenderMethods.StoreCredit,
            "card" when tender?.Gateway is { Length: > 0 } gateway => TenderMethods.Normalize(gateway).Replace('_', '-'),
            _ => TenderMethods.Normalize(method).Replace('_', '-'),
        };
    }
}

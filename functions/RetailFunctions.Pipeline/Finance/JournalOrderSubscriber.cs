using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using FinanceTender = RetailFunctions.Domain.Finance.Tender;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>
/// Orders feed the journal: a sale once the order is captured in full, a return or refund for every refund issued,
/// a chargeback when a tender is charged back. Fact ids come from the order, so a redelivered event posts nothing twice.
/// </summary>
public sealed class JournalOrderSubscriber(JournalService journal) : IOrderEventSubscriber
{
    public async Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken)
    {
        foreach (var fact in FactsFor(message))
            await journal.RecordAsync(fact, cancellationToken, sourceMessageId: $"{message.OrderId}:{message.Sequence}");
    }

    public static IEnumerable<FinancialFact> FactsFor(OrderEventMessage message)
    {
        var order = message.Order;
        if (order.Draft is not { } draft) yield break;
        // The order's own store, else its channel: never where it happened to be allocated, which depends on whether
        // the event came before or after the allocation (a sale is captured before it; a later refund would not be).
        var store = draft.PlacedAtLocation ?? draft.FulfilmentLocation ?? draft.Channel;
        // A payment is dated by its own transaction, not by when the record of it arrived (a web order's capture
        // recorded on Monday from Friday's webhook is Friday's sale).
        var day = draft.BusinessDay ?? DateOnly.FromDateTime((message.Event is OrderEvent.PaymentRecorded recorded ? recorded.Transaction.At : message.Event.At).UtcDateTime);
        var reference = order.OrderId;
        switch (message.Event)
        {
            // A till's sale is journalled from the till's own receipt (TillJournal), which is what the customer paid.
            case OrderEvent.PaymentRecorded { Transaction.Kind: PaymentKind.Capture } when order.Captured >= order.Total && order.Total > 0m
                && draft.Channel != Channels.Pos:
                var captures = order.Payments.Where(p => p.Captured > 0m).Select(p => new FinanceTender(MethodOf(p.Tender), p.Captured)).ToList();
                // A gift card sold is a liability until it is spent, not revenue: its share of the tenders goes to it.
                var giftCards = order.Lines.Where(l => l.IsGiftCard).Sum(order.GrossOf);
                var (saleTenders, giftTenders) = SplitTenders(captures, giftCards, draft.Currency);
                var lines = order.Lines.Where(l => !l.IsGiftCard)
                    .Select(l => new SaleLine(l.UnitPrice * l.Quantity - (draft.TaxesIncluded ? l.Tax : 0m), l.Discount, l.Tax)).ToList();
                if (draft.Shipping > 0m) lines.Add(new SaleLine(draft.Shipping - (draft.TaxesIncluded ? draft.ShippingTax : 0m), 0m, draft.ShippingTax));
                if (lines.Count > 0)
                    yield return new FinancialFact.Sale($"order:{order.OrderId}:sale", store, draft.Channel, day, draft.Currency, message.Event.At, reference, lines, saleTenders);
                if (giftCards > 0m)
                    yield return new FinancialFact.GiftCardSold($"order:{order.OrderId}:gift-cards", store, draft.Channel, day, draft.Currency, message.Event.At,
                        reference, giftCards, giftTenders);
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
                var refundDay = DateOnly.FromDateTime(refund.At.UtcDateTime);
                yield return refund.ReturnId is not null
                    ? new FinancialFact.Return($"order:{order.OrderId}:refund:{refund.RefundId}", refundStore, draft.Channel, refundDay, draft.Currency, refund.At, reference,
                        [new SaleLine(paid - refund.Tax, 0m, refund.Tax)], refunds)
                    : new FinancialFact.Refund($"order:{order.OrderId}:refund:{refund.RefundId}", refundStore, draft.Channel, refundDay, draft.Currency, refund.At, reference,
                        paid - refund.Tax, refund.Tax, refunds, refund.Reason);
                break;
            case OrderEvent.PaymentRecorded { Transaction.Kind: PaymentKind.Chargeback } chargeback:
                yield return new FinancialFact.Chargeback($"order:{order.OrderId}:chargeback:{chargeback.Transaction.TransactionId}", store, draft.Channel, day,
                    draft.Currency, chargeback.At, reference, MethodOf(chargeback.Tender), chargeback.Transaction.Amount, 0m, "chargeback");
                break;
        }
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

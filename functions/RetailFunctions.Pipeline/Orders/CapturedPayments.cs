using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Reconciliation;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>Money taken and given back on orders, by business day, as the nightly reconciliation reads it against settlements.</summary>
public interface ICapturedPaymentLedger : ICapturedPaymentSource
{
    /// <summary>Records one capture (positive) or refund (negative) once per key.</summary>
    Task RecordAsync(MatchItem payment, CancellationToken cancellationToken);
}

/// <summary>
/// Follows orders into the captured-payment ledger: every capture and refund a payment processor settles, keyed by
/// the id the processor's settlement names (a web-store transaction id without our prefix, a gateway's charge id; a
/// refund the channel made by its own refund transaction). Money no processor settles stays out: a till's takings
/// (reconciled against its till close), cash, gift cards and store credit.
/// </summary>
public sealed class CapturedPaymentSubscriber(ICapturedPaymentLedger ledger) : IOrderEventSubscriber
{
    public async Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken)
    {
        foreach (var payment in PaymentsFor(message))
            await ledger.RecordAsync(payment, cancellationToken);
    }

    public static IEnumerable<MatchItem> PaymentsFor(OrderEventMessage message)
    {
        var order = message.Order;
        if (order.Draft is not { } draft) yield break;
        var store = draft.PlacedAtLocation ?? draft.FulfilmentLocation ?? draft.Channel;
        switch (message.Event)
        {
            case OrderEvent.PaymentRecorded { Transaction: { Kind: PaymentKind.Capture or PaymentKind.Refund } tx } payment
                when ProcessorSettles(draft, payment.Tender.Method):
                yield return Item(tx.TransactionId, store, tx.Kind, tx.Amount, draft, tx.At, order.OrderId);
                break;
            case OrderEvent.RefundIssued { Refund: var refund }:
                foreach (var tender in refund.Tenders.Where(t => ProcessorSettles(draft, t.Method)))
                    yield return Item(tender.TransactionId ?? $"refund:{refund.RefundId}:{tender.PaymentId}", store, PaymentKind.Refund, tender.Amount, draft,
                        refund.At, order.OrderId);
                break;
        }
    }

    private static MatchItem Item(string transactionId, string store, PaymentKind kind, decimal amount, OrderDraft draft, DateTimeOffset at, string orderId) =>
        new(SettlementKey(transactionId), store, kind == PaymentKind.Capture ? "capture" : "refund", kind == PaymentKind.Capture ? amount : -amount,
            Fee: null, draft.Currency, draft.BusinessDay is { } day && kind == PaymentKind.Capture ? day : DateOnly.FromDateTime(at.UtcDateTime), orderId);

    /// <summary>
    /// Whether a payment processor's settlement will list this money: not a till's (its takings are checked against the
    /// till close), nor cash, gift cards or store credit, which no processor handles.
    /// </summary>
    public static bool ProcessorSettles(OrderDraft draft, string method) =>
        draft.Channel != Channels.Pos && method is not ("cash" or "gift_card" or "store_credit");

    /// <summary>Web-store transactions are recorded as "shopify:{id}"; their settlement names the bare id.</summary>
    public static string SettlementKey(string transactionId) =>
        transactionId.StartsWith("shopify:", StringComparison.Ordinal) ? transactionId["shopify:".Length..] : transactionId;
}

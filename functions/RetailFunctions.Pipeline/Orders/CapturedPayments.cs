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
public sealed class CapturedPaymentSubscriber(ICapturedPaymentLedger ledger, ExpectedProcessorFees? fees = null, TestOrderPolicy? testOrders = null)
    : IOrderEventSubscriber
{
    public async Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken)
    {
        foreach (var payment in PaymentsFor(message, fees, testOrders))
            await ledger.RecordAsync(payment, cancellationToken);
    }

    public static IEnumerable<MatchItem> PaymentsFor(OrderEventMessage message, ExpectedProcessorFees? fees = null, TestOrderPolicy? testOrders = null)
    {
        var order = message.Order;
        // A test order's payments went through a test gateway: no settlement will list them, unless the shop books test orders.
        if (order.Draft is not { } draft || (testOrders ?? TestOrderPolicy.Default).KeepsOut(draft)) yield break;
        var store = draft.PlacedAtLocation ?? draft.FulfilmentLocation ?? draft.Channel;
        switch (message.Event)
        {
            case OrderEvent.PaymentRecorded { Transaction: { Kind: PaymentKind.Capture or PaymentKind.Refund } tx } payment
                when ProcessorSettles(draft, payment.Tender.Method):
                // The gateway is the tender's as the order holds it: a capture recorded later may name only the payment.
                var gateway = order.Payments.FirstOrDefault(p => p.Tender.PaymentId == tx.PaymentId)?.Tender.Gateway ?? payment.Tender.Gateway;
                yield return Item(tx.TransactionId, store, tx.Kind, tx.Amount, draft, tx.At, order.OrderId) with
                {
                    Fee = tx.Kind == PaymentKind.Capture ? fees?.For(gateway, tx.Amount) : null,
                };
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

/// <summary>
/// The processing fee each gateway's contract says a capture costs (a rate and a fixed part, rounded to the cent), so
/// the reconciliation can tell a fee that differs from it. Gateways not listed have no expected fee: their fees are
/// not compared. Refunds have none either (processors keep or return the original fee by their own rules).
/// </summary>
public sealed record ExpectedProcessorFees(IReadOnlyDictionary<string, ProcessorFee> ByGateway)
{
    public static ExpectedProcessorFees None { get; } = new(new Dictionary<string, ProcessorFee>());

    public decimal? For(string? gateway, decimal amount) =>
        gateway is not null && ByGateway.TryGetValue(gateway.Trim().ToLowerInvariant(), out var fee)
            ? Math.Round(amount * fee.Rate + fee.Fixed, 2, MidpointRounding.AwayFromZero)
            : null;

    /// <summary>Reads "2.9%+0.30", "1.5%" or "0.25": a percentage of the amount, a fixed amount, or both.</summary>
    public static ProcessorFee Parse(string text)
    {
        decimal rate = 0m, fixedPart = 0m;
        foreach (var part in text.Replace(" ", "", StringComparison.Ordinal).Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            var percent = part.EndsWith('%');
            if (!decimal.TryParse(percent ? part[..^1] : part, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0m)
                throw new FormatException($"'{text}' is not a fee: expected a percentage, a fixed amount or both, like 2.9%+0.30");
            if (percent) rate += value / 100m;
            else fixedPart += value;
        }
        return new ProcessorFee(rate, fixedPart);
    }
}

public sealed record ProcessorFee(decimal Rate, decimal Fixed);

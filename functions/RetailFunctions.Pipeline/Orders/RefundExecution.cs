using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>One tender's share of a refund: the transaction it goes back against (the capture or sale) and how much.</summary>
public sealed record RefundLeg(string ParentTransactionId, string? Gateway, decimal Amount);

/// <summary>A refund decided here, to be carried out at the processor that took the money.</summary>
public sealed record RefundInstruction(string OrderId, string ChannelOrderId, string RefundId, string Currency, IReadOnlyList<RefundLeg> Legs, string Reason)
{
    /// <summary>Written into the processor's refund note: how the same refund is found again, and how its echo is recognised.</summary>
    public string Marker => RefundMarkers.For(RefundId);
}

/// <summary>What the processor did: carried it out (now or earlier, found by its marker), or refused it with its reason.</summary>
public abstract record RefundOutcome
{
    public sealed record Executed(string ChannelRefundId, bool AlreadyDone) : RefundOutcome;

    public sealed record Refused(string Reason) : RefundOutcome;
}

/// <summary>A payment processor's refund call. Transient failures throw, so the message is tried again.</summary>
public interface IRefundGateway
{
    string Channel { get; }

    Task<RefundOutcome> RefundAsync(RefundInstruction instruction, CancellationToken cancellationToken);
}

public static class RefundMarkers
{
    private const string Prefix = "[retail-refund:";

    public static string For(string refundId) => $"{Prefix}{refundId}]";

    /// <summary>Our refund id in a processor's note, or null: a web-store refund that echoes one we made.</summary>
    public static string? Find(string? note)
    {
        if (note is null) return null;
        var start = note.IndexOf(Prefix, StringComparison.Ordinal);
        if (start < 0) return null;
        var end = note.IndexOf(']', start);
        return end < 0 ? null : note[(start + Prefix.Length)..end];
    }
}

/// <summary>
/// Refunds decided here (a web order returned in a store, a missed pickup, goodwill, a cancellation) are carried out at
/// the processor that took the money: each tender's share against the transaction that captured it. A refusal is
/// finance's to resolve, with the processor's reason. Refunds the channel made itself are never sent back to it.
/// </summary>
public sealed class RefundExecutionSubscriber(IEnumerable<IRefundGateway> gateways, IExceptionStore exceptions, TimeProvider clock) : IOrderEventSubscriber
{
    public const string Refused = "refund-refused";

    public const string NotExecuted = "refund-not-executed";

    public async Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken)
    {
        if (message.Event is not OrderEvent.RefundIssued { Refund: var refund } || message.Order.Draft is not { } draft) return;
        if (gateways.FirstOrDefault(g => g.Channel == draft.Channel) is not { } gateway || IsChannels(refund)) return;
        var owed = refund.Tenders.Where(t => t.Amount > 0m && t.TransactionId is null).Sum(t => t.Amount);
        if (Instruction(message.Order, refund) is not { } instruction)
        {
            // Money is owed back but no capture of the web store's names where: a person must refund it.
            if (owed > 0m)
                await RaiseAsync(message, refund, NotExecuted, $"order {message.OrderId}: refund {refund.RefundId} of {owed:0.00} {draft.Currency} "
                    + "has no web-store capture to go back against; refund it by hand", cancellationToken);
            return;
        }
        if (await gateway.RefundAsync(instruction, cancellationToken) is RefundOutcome.Refused refused)
            await RaiseAsync(message, refund, Refused, $"order {message.OrderId}: refund {refund.RefundId} of {instruction.Legs.Sum(l => l.Amount):0.00} "
                + $"{instruction.Currency} was refused by the processor: {refused.Reason}", cancellationToken);
    }

    private static bool IsChannels(Refund refund) => refund.RefundId.StartsWith($"{SourceSystems.Shopify}:", StringComparison.Ordinal);

    private Task RaiseAsync(OrderEventMessage message, Refund refund, string reason, string detail, CancellationToken ct) =>
        exceptions.RaiseAsync(new BusinessException($"refund:{message.OrderId}:{refund.RefundId}", Owners.Finance, reason, detail,
            $"{message.OrderId}:{message.Sequence}", $"order:{message.OrderId}",
            new Dictionary<string, string> { [Messaging.BusinessKeys.Order] = message.OrderId }, ExceptionStatuses.Open, clock.GetUtcNow()), ct);

    /// <summary>What to send, or null: a channel's own refund, a refund with nothing for a processor, or no channel order to refund against.</summary>
    public static RefundInstruction? Instruction(Order order, Refund refund)
    {
        if (order.Draft is not { } draft || IsChannels(refund)) return null;
        if (draft.References.FirstOrDefault(r => r.Kind == "id") is not { } channelOrder) return null;
        var legs = new List<RefundLeg>();
        foreach (var tender in refund.Tenders.Where(t => t.Amount > 0m && t.TransactionId is null))
        {
            var payment = order.Payments.FirstOrDefault(p => p.Tender.PaymentId == tender.PaymentId);
            // The web store's own capture ("shopify:123"): one derived from the order's financial status names no transaction.
            var parent = payment?.Transactions.LastOrDefault(t => t.Kind == PaymentKind.Capture && t.TransactionId.StartsWith("shopify:", StringComparison.Ordinal)
                && t.TransactionId["shopify:".Length..].All(char.IsAsciiDigit));
            if (parent is null) continue;
            legs.Add(new RefundLeg(parent.TransactionId["shopify:".Length..], payment!.Tender.Gateway, tender.Amount));
        }
        return legs.Count == 0 ? null : new RefundInstruction(order.OrderId, channelOrder.Value, refund.RefundId, draft.Currency, legs, refund.Reason);
    }
}

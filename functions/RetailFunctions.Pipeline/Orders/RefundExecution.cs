using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Aggregates;
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

    /// <summary>The longest one call can last, every try, timeout and wait included: how long an attempt holds the refund.</summary>
    TimeSpan LongestCall { get; }

    Task<RefundOutcome> RefundAsync(RefundInstruction instruction, CancellationToken cancellationToken);
}

/// <summary>
/// A payment processor other than the web store (a gateway an app, marketplace or store order was paid through),
/// reached over the processor refund contract (docs/finance.md): chosen by the gateway the tender was paid with.
/// Transient failures throw, so the message is tried again.
/// </summary>
public interface IProcessorRefundConnector
{
    /// <summary>Whether this connector refunds money taken through the named gateway.</summary>
    bool Serves(string gateway);

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
/// One attempt at a time calls the web store for a refund (<see cref="RefundAttempts"/>): it takes no idempotency key.
/// </summary>
public sealed class RefundExecutionSubscriber(IEnumerable<IRefundGateway> gateways, IRefundAttemptStore attempts, IExceptionStore exceptions,
    TimeProvider clock, IEnumerable<IProcessorRefundConnector>? processors = null) : IOrderEventSubscriber
{
    public const string Refused = "refund-refused";

    public const string NotExecuted = "refund-not-executed";

    /// <summary>How far two runtimes' clocks may disagree about when a lease ends.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private const string Aggregate = "refund attempt";

    /// <summary>How often an attempt waiting for another looks again.</summary>
    private static readonly TimeSpan LookAgain = TimeSpan.FromSeconds(1);

    private readonly AggregateRunner<RefundAttemptKey, StoredRefundAttempt, RefundAttemptState> _attempts = new(attempts, maxAttempts: 8);

    public async Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken)
    {
        if (message.Event is not OrderEvent.RefundIssued { Refund: var refund } || message.Order.Draft is not { } draft || IsChannels(refund)) return;
        // Tenders paid through another processor go back through its connector, whatever the channel.
        var sent = 0m;
        foreach (var (connector, gatewayName, toProcessor) in ProcessorInstructions(message.Order, refund, processors ?? []))
        {
            sent += toProcessor.Legs.Sum(l => l.Amount);
            if (await connector.RefundAsync(toProcessor, cancellationToken) is RefundOutcome.Refused refusedThere)
                await RaiseAsync(message, refund, Refused, $"order {message.OrderId}: refund {refund.RefundId} of {toProcessor.Legs.Sum(l => l.Amount):0.00} "
                    + $"{toProcessor.Currency} was refused by the processor {gatewayName}: {refusedThere.Reason}", cancellationToken, gatewayName);
        }
        if (gateways.FirstOrDefault(g => g.Channel == draft.Channel) is not { } gateway) return;
        var owed = refund.Tenders.Where(t => t.Amount > 0m && t.TransactionId is null).Sum(t => t.Amount) - sent;
        if (Instruction(message.Order, refund) is not { } instruction)
        {
            // Money is owed back but no capture of the web store's names where: a person must refund it.
            if (owed > 0m)
                await RaiseAsync(message, refund, NotExecuted, $"order {message.OrderId}: refund {refund.RefundId} of {owed:0.00} {draft.Currency} "
                    + "has no web-store capture to go back against; refund it by hand", cancellationToken);
            return;
        }
        var key = new RefundAttemptKey(message.OrderId, refund.RefundId);
        var holder = Guid.NewGuid().ToString("N");
        var taken = await TakeTurnAsync(key, holder, gateway.LongestCall + ClockSkew, cancellationToken);
        if (taken.Result is RefundTurn.Made) return;
        RefundOutcome outcome;
        try
        {
            outcome = await gateway.RefundAsync(instruction, cancellationToken);
        }
        catch
        {
            await LetGoAsync(key, holder, taken.Slice);
            throw;
        }
        if (outcome is RefundOutcome.Executed executed)
        {
            await _attempts.RunAsync(Aggregate, key, row => RefundAttempts.Finish(row, holder, executed.ChannelRefundId), CancellationToken.None, taken.Slice);
            return;
        }
        await LetGoAsync(key, holder, taken.Slice);
        if (outcome is RefundOutcome.Refused refused)
            await RaiseAsync(message, refund, Refused, $"order {message.OrderId}: refund {refund.RefundId} of {instruction.Legs.Sum(l => l.Amount):0.00} "
                + $"{instruction.Currency} was refused by the processor: {refused.Reason}", cancellationToken);
    }

    /// <summary>
    /// Takes the refund for this attempt, waiting while another holds it, or learns that it is carried out; with the
    /// row as written or read, on which finishing or letting go is decided without reading it again.
    /// </summary>
    private async Task<Ran<StoredRefundAttempt, RefundTurn>> TakeTurnAsync(RefundAttemptKey key, string holder, TimeSpan lease, CancellationToken ct)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            var taken = await _attempts.RunAsync(Aggregate, key, row => RefundAttempts.Take(row, holder, now, lease), ct);
            if (taken.Result is not RefundTurn.Held held) return taken;
            // The holder finishes, lets go, or its lease passes; each is seen on a later look.
            await Task.Delay(held.Until - now < LookAgain ? held.Until - now : LookAgain, clock, ct);
        }
    }

    /// <summary>Done even when the message is being cancelled: otherwise the next attempt waits for the lease to pass.</summary>
    private Task LetGoAsync(RefundAttemptKey key, string holder, StoredRefundAttempt taken) =>
        _attempts.RunAsync(Aggregate, key, row => RefundAttempts.LetGo(row, holder, clock.GetUtcNow()), CancellationToken.None, taken);

    private static bool IsChannels(Refund refund) => refund.RefundId.StartsWith($"{SourceSystems.Shopify}:", StringComparison.Ordinal);

    private Task RaiseAsync(OrderEventMessage message, Refund refund, string reason, string detail, CancellationToken ct, string? processor = null) =>
        exceptions.RaiseAsync(new BusinessException($"refund:{message.OrderId}:{refund.RefundId}{(processor is null ? "" : $":{processor}")}", Owners.Finance, reason, detail,
            $"{message.OrderId}:{message.Sequence}", $"order:{message.OrderId}",
            new Dictionary<string, string> { [Messaging.BusinessKeys.Order] = message.OrderId }, ExceptionStatuses.Open, clock.GetUtcNow()), ct);

    /// <summary>
    /// What to send to processors other than the web store: each tender whose gateway a connector serves, against the
    /// tender's last capture that is not the web store's, grouped by connector. Our refund id is the idempotency key.
    /// </summary>
    public static IReadOnlyList<(IProcessorRefundConnector Connector, string Gateway, RefundInstruction Instruction)> ProcessorInstructions(
        Order order, Refund refund, IEnumerable<IProcessorRefundConnector> processors)
    {
        if (order.Draft is not { } draft || IsChannels(refund)) return [];
        var legs = new List<(IProcessorRefundConnector Connector, string Gateway, RefundLeg Leg)>();
        foreach (var tender in refund.Tenders.Where(t => t.Amount > 0m && t.TransactionId is null))
        {
            var payment = order.Payments.FirstOrDefault(p => p.Tender.PaymentId == tender.PaymentId);
            if (payment?.Tender.Gateway is not { } gateway || processors.FirstOrDefault(p => p.Serves(gateway)) is not { } connector) continue;
            if (payment.Transactions.LastOrDefault(t => t.Kind == PaymentKind.Capture && !IsWebStoreCapture(t.TransactionId)) is not { } parent) continue;
            legs.Add((connector, gateway, new RefundLeg(parent.TransactionId, gateway, tender.Amount)));
        }
        var reference = draft.References.FirstOrDefault(r => r.Kind == "id")?.Value ?? order.OrderId;
        return [.. legs.GroupBy(l => l.Connector).Select(g => (g.Key, g.First().Gateway,
            new RefundInstruction(order.OrderId, reference, refund.RefundId, draft.Currency, [.. g.Select(l => l.Leg)], refund.Reason)))];
    }

    private static bool IsWebStoreCapture(string transactionId) =>
        transactionId.StartsWith("shopify:", StringComparison.Ordinal) && transactionId["shopify:".Length..].All(char.IsAsciiDigit);

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
            var parent = payment?.Transactions.LastOrDefault(t => t.Kind == PaymentKind.Capture && IsWebStoreCapture(t.TransactionId));
            if (parent is null) continue;
            legs.Add(new RefundLeg(parent.TransactionId["shopify:".Length..], payment!.Tender.Gateway, tender.Amount));
        }
        return legs.Count == 0 ? null : new RefundInstruction(order.OrderId, channelOrder.Value, refund.RefundId, draft.Currency, legs, refund.Reason);
    }
}

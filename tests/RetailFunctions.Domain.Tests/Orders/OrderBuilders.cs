using RetailFunctions.Domain.Orders;
using static RetailFunctions.Domain.Orders.OrderCommand;

namespace RetailFunctions.Domain.Tests.Orders;

/// <summary>Small builders for order drafts, tenders and commands, and a way to run commands through the workflow.</summary>
internal static class OrderBuilders
{
    public const string OrderId = "O-1";
    public const string Warehouse = "WH";
    public static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    public static readonly OrderPolicy Policy = OrderPolicy.Default;

    public static DateTimeOffset At(double minutes) => T0.AddMinutes(minutes);

    public static OrderLine Line(string lineId, string? sku, decimal quantity, decimal unitPrice, decimal discount = 0m, decimal tax = 0m, bool giftCard = false) =>
        new(lineId, sku, $"title of {lineId}", quantity, unitPrice, discount, tax, giftCard, $"item-{lineId}");

    public static OrderDraft Draft(
        FulfilmentMethod method = FulfilmentMethod.Ship, string? location = null, GeoPoint? shipTo = null, IReadOnlyList<OrderLine>? lines = null,
        decimal shipping = 0m, decimal shippingTax = 0m, bool taxesIncluded = false, string channel = "web", DateTimeOffset? placedAt = null) =>
        new(channel, [new ChannelReference("shopify", "id", "1001")], "EUR", placedAt ?? T0, new CustomerReference("c-1", "a@example.com", null, null),
            method, location, shipTo, method == FulfilmentMethod.CarryOut ? location : null,
            lines ?? [Line("L1", "SKU-A", 2m, 10m)], shipping, shippingTax, taxesIncluded);

    public static Tender Card(string paymentId = "P-CARD", string? expiry = "2030-12", string last4 = "4242") =>
        new(paymentId, "credit_card", "stripe", $"tok-{paymentId}", last4, expiry);

    public static Tender Cash(string paymentId = "P-CASH") => new(paymentId, "cash", null, null, null, null);

    public static Tender Credit(string paymentId = "P-CREDIT") => new(paymentId, "store_credit", null, null, null, null);

    public static RecordOrder Record(OrderDraft draft, DateTimeOffset? version = null, string? id = null, DateTimeOffset? cancelledAt = null,
        string? cancelReason = null, IReadOnlyDictionary<string, decimal>? fulfilled = null, DateTimeOffset? at = null) =>
        new(id ?? $"record:{(version ?? T0).ToUnixTimeSeconds()}", "shopify:shop", at ?? version ?? T0, draft, version ?? T0, cancelledAt, cancelReason,
            fulfilled ?? new Dictionary<string, decimal>());

    public static AllocateStock Allocate(params StockCandidate[] candidates) => new($"allocate:{Guid.NewGuid():N}", "router", At(1), candidates);

    public static StockCandidate Stock(string location, string sku, decimal available, GeoPoint? position = null) => new(location, sku, available, position);

    public static RecordReservation Reserved(string shipmentId, string lineId, bool reserved = true, string? reason = null) =>
        new($"reservation:{shipmentId}:{lineId}:{reserved}", "ledger", At(2), shipmentId, lineId, reserved, reason);

    public static AdvanceShipment Advance(string shipmentId, ShipmentStage stage, DateTimeOffset? at = null, params string[] tracking) =>
        new($"advance:{shipmentId}:{stage}", "associate-7", at ?? At(10), shipmentId, stage, tracking);

    public static RecordPayment Pay(Tender tender, PaymentKind kind, decimal amount, string? transactionId = null, DateTimeOffset? at = null) =>
        new($"payment:{transactionId ?? $"{tender.PaymentId}:{kind}"}", "gateway", at ?? At(3), tender,
            new PaymentTransaction(transactionId ?? $"{tender.PaymentId}:{kind}", tender.PaymentId, kind, amount, at ?? At(3)));

    public static CancelOrder Cancel(string reason = "customer asked", DateTimeOffset? at = null) => new($"cancel:{reason}", "associate-7", at ?? At(20), reason);

    public static ExpirePickup Expire(string shipmentId, DateTimeOffset at) => new($"expire:{shipmentId}:{at.ToUnixTimeSeconds()}", "timer", at, shipmentId);

    public static AcceptReturn Return(string returnId, string location, DateTimeOffset at, bool refundShipping = false, params ReturnRequestLine[] lines) =>
        new($"return:{returnId}", "associate-9", at, returnId, location, lines, refundShipping);

    public static ReturnRequestLine Back(string lineId, decimal quantity, ReturnDisposition disposition = ReturnDisposition.Sellable) => new(lineId, quantity, disposition);

    public static IssueRefund Refund(string refundId, decimal? amount, bool shipping = false, DateTimeOffset? at = null) =>
        new($"refund:{refundId}", "associate-9", at ?? At(60), refundId, amount, shipping, "goodwill");

    public static RecordChannelRefund ChannelRefund(string refundId, IReadOnlyList<ChannelRefundLine> lines, params ChannelRefundTransaction[] transactions) =>
        new($"channel-refund:{refundId}", "shopify:shop", At(90), refundId, lines, transactions);

    public static RecordChannelFulfilment ChannelFulfilment(string id, string location, params (string Line, decimal Quantity)[] lines) =>
        new($"channel-fulfilment:{id}", "shopify:shop", At(30), lines.ToDictionary(l => l.Line, l => l.Quantity), location);

    /// <summary>Runs commands from an empty order, failing on any refusal: the "given" of a test.</summary>
    public static Order Given(params OrderCommand[] commands) => Given(Order.Empty(OrderId), commands);

    public static Order Given(Order order, params OrderCommand[] commands)
    {
        foreach (var command in commands)
        {
            var step = OrderWorkflow.Execute(command, order, Policy);
            Assert.True(step.Refusal is null, $"{command.GetType().Name} {command.CommandId} refused: {step.Refusal}");
            order = step.Next;
        }
        return order;
    }

    public static OrderStep When(Order order, OrderCommand command, OrderPolicy? policy = null) => OrderWorkflow.Execute(command, order, policy ?? Policy);

    public static TEvent Single<TEvent>(OrderStep step) where TEvent : OrderEvent => Assert.Single(step.Events.OfType<TEvent>());

    public static IReadOnlyList<TEffect> Effects<TEffect>(OrderStep step) where TEffect : OrderEffect => [.. step.Effects.OfType<TEffect>()];

    public static string Refusal(OrderStep step)
    {
        Assert.Empty(step.Events);
        Assert.Empty(step.Effects);
        return Assert.IsType<string>(step.Refusal);
    }

    public static void AssertNoOp(Order before, OrderStep step)
    {
        Assert.Null(step.Refusal);
        Assert.Empty(step.Events);
        Assert.Empty(step.Effects);
        Assert.Same(before, step.Next);
    }

    public static string[] Kinds(OrderStep step) => [.. step.Events.Select(e => e.GetType().Name)];
}

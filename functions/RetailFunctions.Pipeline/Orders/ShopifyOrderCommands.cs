using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Inventory;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// Pure translation of web-store topics into order commands. SKUs and locations arrive already resolved against the
/// catalog; a line whose SKU is unknown keeps its channel item so the workflow can raise it as unmapped.
/// </summary>
public static class ShopifyOrderCommands
{
    private static readonly string[] PickupCodes = ["pickup", "local pickup", "store pickup", "pick up in store", "click & collect", "click and collect"];

    /// <summary>A pickup order: a shipping line Shopify categorises as pickup, or whose code names one, at the order's location.</summary>
    public static bool IsPickup(OrderSnapshot order) =>
        order.ShippingLines.Any(s => string.Equals(s.DeliveryCategory, "pickup", StringComparison.OrdinalIgnoreCase)
                                     || s.Code is { } code && PickupCodes.Contains(code.Trim(), StringComparer.OrdinalIgnoreCase));

    public static OrderCommand.RecordOrder Record(ShopifyDelivery delivery, OrderSnapshot order, IReadOnlyDictionary<string, string?> skuByLine,
        string? location, DateTimeOffset now, string? sourceReference = null)
    {
        var pickup = IsPickup(order) && location is not null;
        var references = new List<ChannelReference> { new(SourceSystems.Shopify, "id", order.ChannelOrderId) };
        if (order.OrderName is { } name) references.Add(new(SourceSystems.Shopify, "name", name));
        var draft = new OrderDraft(
            Channels.Web,
            references,
            order.Currency,
            order.CreatedAt ?? delivery.TriggeredAt ?? now,
            order.Customer is { } c ? new CustomerReference(c.ChannelCustomerId, c.Email, c.Phone, null) : null,
            pickup ? FulfilmentMethod.Pickup : FulfilmentMethod.Ship,
            location,
            order.ShipTo is { Latitude: { } lat, Longitude: { } lon } ? new GeoPoint(lat, lon) : null,
            PlacedAtLocation: null,
            [.. order.Lines.Select(l => OrderEdits.Resized(new OrderLine(l.ChannelLineId, skuByLine.GetValueOrDefault(l.ChannelLineId), l.Title, l.Quantity,
                l.UnitPrice, l.TotalDiscount, l.TaxLines.Sum(t => t.Amount), l.IsGiftCard, l.VariantId ?? l.Sku, l.IsCustom && !l.IsGiftCard),
                l.Quantity - RemovedByEdits(order, l), order.Currency))],
            order.ShippingLines.Sum(s => s.Price - s.Discount),
            order.ShippingLines.SelectMany(s => s.TaxLines).Sum(t => t.Amount),
            order.TaxesIncluded,
            SourceReference: sourceReference,
            IsTest: order.IsTest);
        draft = draft with { StatedTotal = StatedTotal(order, draft.ComputedTotal) };
        var fulfilled = order.Lines.Where(l => l.FulfillmentStatus is "fulfilled").ToDictionary(l => l.ChannelLineId, l => l.Quantity);
        // The id names what was resolved too: a replay after the catalog was fixed is a new command, a plain repeat is not.
        var resolved = string.Join(",", skuByLine.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}")) + $"@{location}";
        return new OrderCommand.RecordOrder($"{CommandId(delivery)}:{Fingerprint(resolved)}", $"shopify:{delivery.ShopDomain}", now, draft,
            order.UpdatedAt ?? order.CreatedAt ?? delivery.TriggeredAt ?? now, order.CancelledAt, order.CancelReason, fulfilled);
    }

    /// <summary>
    /// Units an edit took off a line: what its <c>current_quantity</c> lost that the order's own refunds do not explain
    /// (refunded units are the refunds' to account for). Without <c>current_quantity</c> or without the order's
    /// <c>refunds</c> the two cannot be told apart, and the line keeps its quantity.
    /// </summary>
    public static decimal RemovedByEdits(OrderSnapshot order, OrderLineSnapshot line) =>
        line.CurrentQuantity is { } current && order.RefundedQuantities is { } refunded
            ? Math.Max(0m, line.Quantity - current - refunded.GetValueOrDefault(line.ChannelLineId))
            : 0m;

    /// <summary>An <c>orders/edited</c> delivery as an edit of the order's lines, dated by when the edit was committed.</summary>
    public static OrderCommand.ApplyChannelEdit Edit(ShopifyDelivery delivery, OrderEditSnapshot edit, DateTimeOffset now)
    {
        var at = edit.CommittedAt ?? delivery.TriggeredAt ?? now;
        static IReadOnlyDictionary<string, decimal> ByLine(IReadOnlyList<OrderEditLineSnapshot> changes) =>
            changes.Where(c => c.Delta > 0m).GroupBy(c => c.ChannelLineId).ToDictionary(g => g.Key, g => g.Sum(c => c.Delta));
        return new OrderCommand.ApplyChannelEdit($"shopify-edit:{edit.ChannelEditId}", $"shopify:{delivery.ShopDomain}", at, edit.ChannelEditId, at,
            ByLine(edit.Additions), ByLine(edit.Removals));
    }

    /// <summary>
    /// The total the document states: <c>total_price</c>, or <c>current_total_price</c> after edits, whichever the
    /// order's parts reproduce; when neither, <c>total_price</c> wins. An order without a stated total states none.
    /// </summary>
    public static decimal? StatedTotal(OrderSnapshot order, decimal computed) =>
        order.TotalPrice == computed || order.CurrentTotalPrice == computed ? computed
        : order.TotalPrice > 0m || order.CurrentTotalPrice is > 0m ? (order.TotalPrice > 0m ? order.TotalPrice : order.CurrentTotalPrice)
        : null;

    /// <summary>
    /// Payments: the order's own transactions when the payload carries them; otherwise what its financial status
    /// says was authorized or captured, as transactions named by that status so each is recorded once.
    /// </summary>
    public static IEnumerable<OrderCommand.RecordPayment> Payments(ShopifyDelivery delivery, OrderSnapshot order, DateTimeOffset now)
    {
        var actor = $"shopify:{delivery.ShopDomain}";
        var at = order.UpdatedAt ?? order.CreatedAt ?? now;
        if (order.Payments.Count > 0)
        {
            // Only money that moved: a failed, pending or errored attempt is no payment.
            foreach (var payment in order.Payments.Where(p => p.Status is "success" && order.EchoedRefundTransactions?.Contains(p.ChannelTransactionId) != true))
                foreach (var (kind, suffix) in KindsOf(payment.Kind))
                {
                    var tender = TenderOf(order, payment.Gateway, payment.CardLast4);
                    yield return new OrderCommand.RecordPayment($"shopify-transaction:{payment.ChannelTransactionId}{suffix}", actor, now, tender,
                        new PaymentTransaction($"shopify:{payment.ChannelTransactionId}{suffix}", tender.PaymentId, kind, payment.Amount, payment.ProcessedAt ?? at));
                }
            yield break;
        }
        var derived = TenderOf(order, gateway: null, last4: null);
        var kinds = order.FinancialStatus switch
        {
            "authorized" => [PaymentKind.Authorization],
            "paid" or "partially_refunded" or "refunded" => new[] { PaymentKind.Authorization, PaymentKind.Capture },
            "voided" => [PaymentKind.Authorization, PaymentKind.Void],
            _ => [],
        };
        foreach (var kind in kinds)
            yield return new OrderCommand.RecordPayment($"shopify-status:{order.ChannelOrderId}:{kind}", actor, now, derived,
                new PaymentTransaction($"shopify:{order.ChannelOrderId}:{kind.ToString().ToLowerInvariant()}", derived.PaymentId, kind, order.TotalPrice, at));
    }

    public static OrderCommand.RecordChannelFulfilment Fulfilment(ShopifyDelivery delivery, FulfillmentSnapshot fulfillment, string? location, DateTimeOffset now) =>
        new($"shopify-fulfillment:{fulfillment.ChannelFulfillmentId}", $"shopify:{delivery.ShopDomain}", fulfillment.CreatedAt ?? delivery.TriggeredAt ?? now,
            fulfillment.Lines.Where(l => l.Quantity > 0m).GroupBy(l => l.ChannelLineId).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity)),
            location);

    /// <summary>
    /// A web-store refund as the order records it. A refunded line's <c>subtotal</c> already holds its tax when the
    /// shop's prices include tax, so the tax is added only where prices exclude it. Shipping given back comes from the
    /// <c>shipping_refund</c> order adjustments (with their tax); only successful transactions moved money.
    /// </summary>
    public static OrderCommand.RecordChannelRefund Refund(ShopifyDelivery delivery, RefundSnapshot refund, IReadOnlyDictionary<string, string?> locationByRefundLine,
        IReadOnlyDictionary<string, string?> skuByRefundLine, IReadOnlyList<string> gatewayNames, DateTimeOffset now, bool taxesIncluded = false)
    {
        var at = refund.CreatedAt ?? delivery.TriggeredAt ?? now;
        var gateway = gatewayNames.Count > 0 ? gatewayNames[0] : null;
        var shipping = refund.Adjustments?.Where(a => a.Kind == "shipping_refund").ToList() ?? [];
        // The echo of a refund this system carried out names it in its note: it is that refund, not a second one.
        return new OrderCommand.RecordChannelRefund($"shopify-refund:{refund.ChannelRefundId}", $"shopify:{delivery.ShopDomain}", at,
            RefundMarkers.Find(refund.Note) ?? $"shopify:{refund.ChannelRefundId}",
            [.. refund.Lines.Select(l => new ChannelRefundLine(l.ChannelLineId, l.Quantity, ShopifyStockPlan.ReturnsToStock(l),
                locationByRefundLine.GetValueOrDefault(l.ChannelRefundLineId), l.Subtotal + (taxesIncluded ? 0m : l.TotalTax), l.TotalTax,
                skuByRefundLine.GetValueOrDefault(l.ChannelRefundLineId), l.RestockType))],
            [.. refund.Transactions.Where(t => t.Status is "success" && KindsOf(t.Kind).Any()).Select(t =>
            {
                var tender = TenderOf(t.Gateway ?? gateway, t.CardLast4);
                return new ChannelRefundTransaction(tender,
                    new PaymentTransaction($"shopify:{t.ChannelTransactionId}", tender.PaymentId, KindsOf(t.Kind).First().Kind, t.Amount, t.ProcessedAt ?? at));
            })],
            shipping.Count == 0 ? null : shipping.Sum(a => a.Amount + (taxesIncluded ? 0m : a.Tax)),
            shipping.Sum(a => a.Tax));
    }

    public static string CommandId(ShopifyDelivery delivery) => $"shopify:{delivery.Topic}:{delivery.WebhookId}";

    private static string Fingerprint(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12];

    private static IEnumerable<(PaymentKind Kind, string Suffix)> KindsOf(string kind) => kind switch
    {
        "authorization" => [(PaymentKind.Authorization, "")],
        "capture" => [(PaymentKind.Capture, "")],
        "sale" => [(PaymentKind.Authorization, ":authorization"), (PaymentKind.Capture, "")],
        "void" => [(PaymentKind.Void, "")],
        "refund" => [(PaymentKind.Refund, "")],
        _ => [],
    };

    private static Tender TenderOf(OrderSnapshot order, string? gateway, string? last4) =>
        TenderOf(gateway ?? (order.GatewayNames is { Count: > 0 } names ? names[0] : null), last4);

    /// <summary>One tender per gateway; the method is what a refund policy needs to know (card, cash, gift card).</summary>
    private static Tender TenderOf(string? gateway, string? last4) =>
        new($"shopify:{gateway ?? "payment"}", MethodOf(gateway), gateway, Token: null, last4, CardExpiry: null);

    private static string MethodOf(string? gateway) => gateway?.ToLowerInvariant() switch
    {
        "gift_card" => "gift_card",
        "cash" or "cash on delivery (cod)" => "cash",
        "paypal" => "paypal",
        "manual" => "manual",
        null => "card",
        _ => "card",
    };
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// The activities the channels' canonical events become, for callers that feed <see cref="CustomerService.RecordActivityAsync"/>.
/// Net is what the shopper paid for goods: lines less their discounts, without tax (removed where prices include it),
/// shipping or gift-card lines. Order ids are qualified by source (<c>shopify:{shop}:{id}</c>, <c>pos:{receipt}</c>),
/// so a return in any channel names its purchase unambiguously.
/// </summary>
public static class CustomerActivities
{
    public static string ShopifyOrderId(string shopDomain, string channelOrderId) => $"shopify:{shopDomain}:{channelOrderId}";

    public static string PosOrderId(ReceiptKey receipt) => $"pos:{receipt}";

    /// <summary>A web-store order as a purchase (once per order, whichever order topic carries it first).</summary>
    public static CustomerActivity FromShopifyOrder(ShopifyDelivery delivery, OrderSnapshot order, DateTimeOffset receivedAt)
    {
        var net = order.Lines.Where(l => !l.IsGiftCard)
            .Sum(l => l.Quantity * l.UnitPrice - l.TotalDiscount - (order.TaxesIncluded ? l.TaxLines.Sum(t => t.Amount) : 0m));
        var orderId = ShopifyOrderId(delivery.ShopDomain, order.ChannelOrderId);
        var customer = order.Customer is { } c
            ? new CustomerReference(SourceSystems.Shopify, c.ChannelCustomerId, c.Email, c.Phone)
            : new CustomerReference();
        return new CustomerActivity($"{orderId}:purchase", ActivityKind.Purchase, customer, orderId, order.Channel, null,
            new Money(Math.Max(0m, net), order.Currency), order.CreatedAt ?? delivery.TriggeredAt ?? receivedAt);
    }

    /// <summary>A web-store refund as a return of its lines' net (the purchase's shopper is found by the order).</summary>
    public static CustomerActivity FromShopifyRefund(ShopifyDelivery delivery, RefundSnapshot refund, string currency, DateTimeOffset receivedAt)
    {
        var orderId = ShopifyOrderId(delivery.ShopDomain, refund.ChannelOrderId);
        var refundId = $"shopify:{delivery.ShopDomain}:refund:{refund.ChannelRefundId}";
        return new CustomerActivity($"{refundId}:return", ActivityKind.Return, new CustomerReference(), refundId, Channels.Web, null,
            new Money(refund.Lines.Sum(l => l.Subtotal), refund.Transactions.FirstOrDefault()?.Currency ?? currency),
            refund.CreatedAt ?? delivery.TriggeredAt ?? receivedAt, orderId);
    }

    /// <summary>
    /// A till transaction as activities: its sold lines as one purchase, and its returned lines as one return per
    /// original receipt. The shopper is whoever the loyalty card, phone or email keyed at the till names.
    /// </summary>
    public static IReadOnlyList<CustomerActivity> FromPosTransaction(PosTransaction transaction, string? store, DateTimeOffset receivedAt)
    {
        if (transaction.Kind is not (PosTransactionKind.Sale or PosTransactionKind.Return)) return [];
        var customer = new CustomerReference(SourceSystems.Pos, null, transaction.CustomerEmail, transaction.CustomerPhone, transaction.LoyaltyId, store);
        var orderId = PosOrderId(transaction.Receipt);
        var at = transaction.EndDateTime ?? receivedAt;
        static decimal Net(PosLine l) => l.ExtendedAmount - l.DiscountAmount;
        var activities = new List<CustomerActivity>();
        var sold = transaction.Lines.Where(l => !l.Voided && l.Kind == PosLineKind.Sale).Sum(Net);
        if (sold > 0m)
            activities.Add(new CustomerActivity($"{orderId}:purchase", ActivityKind.Purchase, customer, orderId, Channels.Pos, store,
                new Money(sold, transaction.Currency), at));
        foreach (var returned in transaction.Lines.Where(l => !l.Voided && l.Kind == PosLineKind.Return).GroupBy(l => l.OriginalReceipt?.ToString()))
        {
            var original = returned.Key is null ? orderId : $"pos:{returned.Key}";
            activities.Add(new CustomerActivity($"{orderId}:return:{original}", ActivityKind.Return, customer, $"{orderId}:return", Channels.Pos, store,
                new Money(Math.Abs(returned.Sum(Net)), transaction.Currency), at, original));
        }
        return activities;
    }
}

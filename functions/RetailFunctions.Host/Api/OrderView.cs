using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Host.Api;

/// <summary>An order as the API shows it: the record, plus the figures a person asks first (totals, per-line progress, tender status).</summary>
public static class OrderView
{
    public static object Of(StoredOrder stored)
    {
        var order = stored.Order;
        var draft = order.Draft!;
        return new
        {
            order.OrderId,
            status = order.Status,
            draft.Channel,
            references = draft.References,
            draft.Currency,
            draft.PlacedAt,
            draft.BusinessDay,
            draft.Customer,
            method = draft.Method,
            draft.FulfilmentLocation,
            draft.ShipTo,
            draft.PlacedAtLocation,
            lines = order.Lines.Select(l => new
            {
                l.LineId, l.Sku, l.Title, l.Quantity, l.UnitPrice, l.Discount, l.Tax, l.IsGiftCard, gross = order.GrossOf(l),
                allocated = order.Allocated(l.LineId), fulfilled = order.Fulfilled(l.LineId), returned = order.Returned(l.LineId),
            }),
            totals = new
            {
                total = order.Total,
                draft.Shipping,
                draft.ShippingTax,
                draft.TaxesIncluded,
                captured = order.Captured,
                refunded = order.Refunded,
                storeCredit = order.Refunds.Sum(r => r.StoreCredit),
                refundable = RefundMath.Refundable(order),
            },
            payments = order.Payments.Select(p => new
            {
                p.Tender.PaymentId, p.Tender.Method, p.Tender.Gateway, p.Tender.Token, p.Tender.Last4, p.Tender.CardExpiry,
                status = p.Status, p.Authorized, p.Captured, p.Refunded, p.ChargedBack, p.Transactions,
            }),
            shipments = order.Shipments,
            backorders = order.Backorders,
            returns = order.Returns,
            refunds = order.Refunds,
            order.CancelledAt,
            order.CancelReason,
            history = order.History,
            version = order.Version,
            pendingEffects = stored.Pending.Count,
        };
    }
}

namespace RetailFunctions.Domain.Canonical;

// Canonical events translated once from Shopify webhook topics. They keep the channel's own references
// (variant ids, location ids as exact strings); resolving them to canonical SKUs and locations happens in the
// handlers, against the catalog. Shopify ids are 64-bit and are carried as strings, never through double.

/// <summary>Who sent a webhook and when: the headers Shopify attaches to every delivery.</summary>
public sealed record ShopifyDelivery(
    string ShopDomain,
    string Topic,
    string WebhookId,
    string? EventId,
    DateTimeOffset? TriggeredAt,
    string? ApiVersion);

public sealed record ChannelCustomerRef(string? ChannelCustomerId, string? Email, string? Phone, string? FirstName, string? LastName);

public sealed record TaxLine(string Title, decimal Rate, decimal Amount);

public sealed record OrderLineSnapshot(
    string ChannelLineId,
    string? VariantId,
    string? ProductId,
    string? Sku,
    string Title,
    decimal Quantity,
    decimal UnitPrice,
    decimal TotalDiscount,
    IReadOnlyList<TaxLine> TaxLines,
    bool RequiresShipping,
    bool IsGiftCard,
    string? FulfillmentStatus,
    bool IsCustom = false,
    decimal? CurrentQuantity = null);

/// <summary>
/// One transaction. Amount and Currency are the shop's (what the books are kept in); a transaction made in the
/// shopper's presentment currency keeps that figure too.
/// </summary>
public sealed record PaymentSnapshot(
    string ChannelTransactionId,
    string Kind,
    string Status,
    decimal Amount,
    string Currency,
    string? Gateway,
    string? CardLast4,
    DateTimeOffset? ProcessedAt,
    decimal? PresentmentAmount = null,
    string? PresentmentCurrency = null,
    bool IsTest = false);

/// <summary>A shipping line. Code and delivery category tell a local pickup from a delivery; Discount is what discounts took off its price.</summary>
public sealed record ShippingLineSnapshot(string Title, decimal Price, IReadOnlyList<TaxLine> TaxLines, string? Code = null, string? DeliveryCategory = null,
    decimal Discount = 0m);

/// <summary>Where the order ships to, as far as routing needs it: the geocoded point Shopify adds to the address.</summary>
public sealed record ShipToSnapshot(double? Latitude, double? Longitude, string? CountryCode, string? Zip);

public sealed record OrderSnapshot(
    string Channel,
    string ChannelOrderId,
    string? OrderName,
    string? OrderNumber,
    string Currency,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? CancelledAt,
    string? CancelReason,
    string? FinancialStatus,
    string? FulfillmentStatus,
    string? ChannelLocationId,
    ChannelCustomerRef? Customer,
    IReadOnlyList<OrderLineSnapshot> Lines,
    IReadOnlyList<ShippingLineSnapshot> ShippingLines,
    IReadOnlyList<PaymentSnapshot> Payments,
    IReadOnlyList<string> DiscountCodes,
    decimal SubtotalPrice,
    decimal TotalDiscounts,
    decimal TotalTax,
    decimal TotalPrice,
    bool TaxesIncluded,
    string? Note,
    ShipToSnapshot? ShipTo = null,
    IReadOnlyList<string>? GatewayNames = null,
    decimal? CurrentTotalPrice = null,
    string? PresentmentCurrency = null,
    decimal? PresentmentTotal = null,
    bool IsTest = false,
    IReadOnlyList<string>? EchoedRefundTransactions = null,
    IReadOnlyDictionary<string, decimal>? RefundedQuantities = null);

/// <summary>A line an order edit changed: the line's id and how many units were added or removed.</summary>
public sealed record OrderEditLineSnapshot(string ChannelLineId, decimal Delta);

/// <summary>
/// An <c>orders/edited</c> body: which lines gained or lost units, and when the edit was committed. It names lines by
/// id only; a line the edit added carries no price, which the order's next snapshot brings.
/// </summary>
public sealed record OrderEditSnapshot(
    string ChannelEditId,
    string ChannelOrderId,
    DateTimeOffset? CommittedAt,
    IReadOnlyList<OrderEditLineSnapshot> Additions,
    IReadOnlyList<OrderEditLineSnapshot> Removals);

public sealed record RefundLineSnapshot(
    string ChannelRefundLineId,
    string ChannelLineId,
    string? VariantId,
    string? Sku,
    decimal Quantity,
    string RestockType,
    string? ChannelLocationId,
    decimal Subtotal,
    decimal TotalTax,
    decimal? CurrentQuantity = null);

/// <summary>
/// Money a refund moved that is not a refunded line: <c>shipping_refund</c> (Amount and Tax are what went back, positive)
/// or <c>refund_discrepancy</c> (the difference between the calculated and the actual refund).
/// </summary>
public sealed record RefundAdjustmentSnapshot(string Kind, decimal Amount, decimal Tax);

public sealed record RefundSnapshot(
    string ChannelRefundId,
    string ChannelOrderId,
    DateTimeOffset? CreatedAt,
    string? Note,
    bool Restock,
    IReadOnlyList<RefundLineSnapshot> Lines,
    IReadOnlyList<PaymentSnapshot> Transactions,
    IReadOnlyList<RefundAdjustmentSnapshot>? Adjustments = null);

public sealed record FulfillmentLineSnapshot(string ChannelLineId, string? VariantId, string? Sku, decimal Quantity);

public sealed record FulfillmentSnapshot(
    string ChannelFulfillmentId,
    string ChannelOrderId,
    string? Status,
    string? ChannelLocationId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    string? TrackingCompany,
    IReadOnlyList<string> TrackingNumbers,
    IReadOnlyList<FulfillmentLineSnapshot> Lines);

public sealed record ProductVariantSnapshot(
    string VariantId,
    string? InventoryItemId,
    string? Sku,
    string? Barcode,
    string Title,
    decimal? Price,
    string? WeightUnit,
    decimal? Weight,
    string? Option1,
    string? Option2,
    string? Option3);

public sealed record ProductSnapshot(
    string ChannelProductId,
    string Title,
    string? Vendor,
    string? ProductType,
    DateTimeOffset? UpdatedAt,
    IReadOnlyList<ProductVariantSnapshot> Variants);

public sealed record CustomerSnapshot(
    string ChannelCustomerId,
    string? Email,
    string? Phone,
    string? FirstName,
    string? LastName,
    DateTimeOffset? UpdatedAt,
    bool? AcceptsEmailMarketing,
    bool? AcceptsSmsMarketing,
    string? Note);

/// <summary>A web-store event after translation. One closed set: every accepted topic maps to exactly one case.</summary>
public abstract record ShopifyEvent(ShopifyDelivery Delivery)
{
    public sealed record OrderCreated(ShopifyDelivery Delivery, OrderSnapshot Order) : ShopifyEvent(Delivery);
    public sealed record OrderUpdated(ShopifyDelivery Delivery, OrderSnapshot Order) : ShopifyEvent(Delivery);
    public sealed record OrderPaid(ShopifyDelivery Delivery, OrderSnapshot Order) : ShopifyEvent(Delivery);
    public sealed record OrderCancelled(ShopifyDelivery Delivery, OrderSnapshot Order) : ShopifyEvent(Delivery);
    public sealed record OrderFulfilled(ShopifyDelivery Delivery, OrderSnapshot Order) : ShopifyEvent(Delivery);
    public sealed record OrderEdited(ShopifyDelivery Delivery, OrderEditSnapshot Edit) : ShopifyEvent(Delivery);
    public sealed record RefundCreated(ShopifyDelivery Delivery, RefundSnapshot Refund) : ShopifyEvent(Delivery);
    public sealed record FulfillmentCreated(ShopifyDelivery Delivery, FulfillmentSnapshot Fulfillment) : ShopifyEvent(Delivery);
    public sealed record InventoryLevelObserved(
        ShopifyDelivery Delivery, string InventoryItemId, string ChannelLocationId, decimal? Available, DateTimeOffset? UpdatedAt)
        : ShopifyEvent(Delivery);
    public sealed record ProductUpserted(ShopifyDelivery Delivery, ProductSnapshot Product) : ShopifyEvent(Delivery);
    public sealed record CustomerUpserted(ShopifyDelivery Delivery, CustomerSnapshot Customer) : ShopifyEvent(Delivery);
    /// <summary>A topic we accept and record but do not act on (yet).</summary>
    public sealed record Unhandled(ShopifyDelivery Delivery) : ShopifyEvent(Delivery);
}

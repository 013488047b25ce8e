namespace RetailFunctions.Domain.Orders;

// One canonical order whatever the channel. The record is the workflow's state: the decider reads it, Evolve
// builds the next one, and storage keeps it as one row under ETag concurrency.

/// <summary>How the goods reach the customer.</summary>
public enum FulfilmentMethod
{
    /// <summary>Shipped from a warehouse or a store (ship from store), routed per line.</summary>
    Ship,
    /// <summary>Buy online, pick up in store: reserved and picked at the chosen store.</summary>
    Pickup,
    /// <summary>Sold at a till: the customer left with the goods.</summary>
    CarryOut,
}

/// <summary>The stages of a shipment. Shipping and pickup have their own paths; both only move forward.</summary>
public enum ShipmentStage
{
    Allocated,
    Picking,
    Packed,
    Shipped,
    Delivered,
    ReadyForPickup,
    PickedUp,
    Cancelled,
    Expired,
}

public enum ReservationState
{
    Pending,
    Reserved,
    Consumed,
    Released,
}

public enum ReturnDisposition
{
    Sellable,
    Damaged,
}

/// <summary>Derived from the order's parts, newest rule first; never set by hand.</summary>
public enum OrderStatus
{
    Placed,
    Backordered,
    Reserved,
    Paid,
    Fulfilling,
    Fulfilled,
    Closed,
    Cancelled,
}

/// <summary>Another system's name for this order: Shopify id or name, a till's receipt number.</summary>
public sealed record ChannelReference(string System, string Kind, string Value);

public sealed record CustomerReference(string? ChannelCustomerId, string? Email, string? Phone, string? LoyaltyId);

public sealed record GeoPoint(double Latitude, double Longitude);

/// <summary>
/// An order line. Amounts are for the whole line: gross is price times quantity less discount, plus tax when prices
/// exclude it, so refunds come from the line's own figures. Amount, when the channel gives it, is the line's money as
/// the channel rounded it (a weighed item: 2.37 lb at 0.69 is 1.64, not 1.6353) and replaces price times quantity.
/// </summary>
public sealed record OrderLine(
    string LineId,
    string? Sku,
    string Title,
    decimal Quantity,
    decimal UnitPrice,
    decimal Discount,
    decimal Tax,
    bool IsGiftCard = false,
    string? ChannelItem = null,
    bool IsCustom = false,
    decimal? Amount = null)
{
    public decimal Net => (Amount ?? UnitPrice * Quantity) - Discount;

    /// <summary>Gift cards and custom lines (a service, a fee: no product) are sold without taking anything off a shelf.</summary>
    public bool MovesStock => !IsGiftCard && !IsCustom && Quantity > 0m;
}

/// <summary>One money movement on a tender, idempotent by its id: authorization, capture, void, refund, chargeback.</summary>
public sealed record PaymentTransaction(string TransactionId, string PaymentId, PaymentKind Kind, decimal Amount, DateTimeOffset At);

public enum PaymentKind
{
    Authorization,
    Capture,
    Void,
    Refund,
    Chargeback,
}

/// <summary>What identifies a tender without ever holding a card number: a gateway token and the last four digits.</summary>
public sealed record Tender(string PaymentId, string Method, string? Gateway, string? Token, string? Last4, string? CardExpiry);

/// <summary>A tender and the transactions on it. Every figure is a sum, so arrival order cannot change it.</summary>
public sealed record Payment(Tender Tender, IReadOnlyList<PaymentTransaction> Transactions)
{
    public decimal Authorized => Sum(PaymentKind.Authorization);
    public decimal Captured => Sum(PaymentKind.Capture);
    public decimal Refunded => Sum(PaymentKind.Refund);
    public decimal ChargedBack => Sum(PaymentKind.Chargeback);
    public bool Voided => Transactions.Any(t => t.Kind == PaymentKind.Void);

    /// <summary>What can still go back to this tender.</summary>
    public decimal Refundable => Math.Max(0m, Captured - Refunded - ChargedBack);

    public string Status =>
        ChargedBack > 0m ? "charged_back"
        : Voided && Captured == 0m ? "voided"
        : Captured > 0m && Refunded >= Captured ? "refunded"
        : Refunded > 0m ? "partially_refunded"
        : Captured > 0m ? "captured"
        : Authorized > 0m ? "authorized"
        : "pending";

    private decimal Sum(PaymentKind kind) => Transactions.Where(t => t.Kind == kind).Sum(t => t.Amount);
}

public sealed record ShipmentLine(string LineId, string Sku, decimal Quantity, string ReservationId, ReservationState Reservation);

/// <summary>A parcel from one location; <paramref name="StageAt"/> is when a store action last moved its stage (null before any).</summary>
public sealed record Shipment(
    string ShipmentId,
    string Location,
    FulfilmentMethod Method,
    ShipmentStage Stage,
    IReadOnlyList<ShipmentLine> Lines,
    IReadOnlyList<string> TrackingNumbers,
    DateTimeOffset? PickupDeadline,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? StageAt = null)
{
    public bool IsOpen => Stage is not (ShipmentStage.Cancelled or ShipmentStage.Expired);

    public bool HasLeft => Stage is ShipmentStage.Shipped or ShipmentStage.Delivered or ShipmentStage.PickedUp;
}

public sealed record ReturnLine(string LineId, string Sku, decimal Quantity, ReturnDisposition Disposition, decimal Amount, decimal Tax);

public sealed record OrderReturn(string ReturnId, string Location, IReadOnlyList<ReturnLine> Lines, DateTimeOffset At, string Actor);

/// <summary>
/// What a refund gives back to one tender. A refund the channel already made names its own transaction, so the same
/// transaction arriving with the order's payments is recognised rather than counted again.
/// </summary>
public sealed record TenderRefund(string PaymentId, string Method, string? Last4, decimal Amount, string? TransactionId = null);

/// <summary>
/// Money given back on an order. Goods, tax and shipping are kept apart so the books can reverse each; a goodwill
/// refund (an allowance with no goods and no shipping) is its own kind.
/// </summary>
public sealed record Refund(
    string RefundId,
    string? ReturnId,
    decimal Goods,
    decimal Tax,
    decimal Shipping,
    IReadOnlyList<TenderRefund> Tenders,
    decimal StoreCredit,
    string Reason,
    IReadOnlyList<string> Notes,
    DateTimeOffset At,
    decimal Unrefunded = 0m,
    decimal ShippingTax = 0m,
    bool IsGoodwill = false,
    IReadOnlyList<TenderRefund>? CreditedInstead = null,
    IReadOnlyDictionary<string, decimal>? CancelledUnits = null)
{
    /// <summary>Goods (net of tax), their tax, and shipping (with its tax; ShippingTax is that part).</summary>
    public decimal Total => Goods + Tax + Shipping;
}

public sealed record StatusChange(OrderStatus Status, DateTimeOffset At, string Cause);

/// <summary>A line the stock could not cover: it waits as a backorder exception for the inventory owner.</summary>
public sealed record Backorder(string LineId, string Sku, decimal Quantity, string Reason);

/// <summary>What a channel or an associate tells us about an order: everything except what the workflow decides.</summary>
public sealed record OrderDraft(
    string Channel,
    IReadOnlyList<ChannelReference> References,
    string Currency,
    DateTimeOffset PlacedAt,
    CustomerReference? Customer,
    FulfilmentMethod Method,
    string? FulfilmentLocation,
    GeoPoint? ShipTo,
    string? PlacedAtLocation,
    IReadOnlyList<OrderLine> Lines,
    decimal Shipping,
    decimal ShippingTax,
    bool TaxesIncluded,
    DateOnly? BusinessDay = null,
    string? SourceReference = null,
    decimal? StatedTotal = null,
    bool IsTest = false)
{
    /// <summary>Lines (net of discount, with tax when prices exclude it) plus shipping: what the order's own parts add up to.</summary>
    public decimal ComputedTotal =>
        Lines.Sum(l => l.Net + (TaxesIncluded ? 0m : l.Tax)) + Shipping + (TaxesIncluded ? 0m : ShippingTax);

    /// <summary>
    /// What the customer owes. A channel's document states its own total; where the parts cannot reproduce it, the
    /// document wins for money and the difference is raised (<see cref="Mismatch"/>).
    /// </summary>
    public decimal Total => StatedTotal ?? ComputedTotal;

    /// <summary>The stated total less what the parts add up to: zero when they agree.</summary>
    public decimal Mismatch => Total - ComputedTotal;
}

public sealed record Order(
    string OrderId,
    OrderDraft? Draft,
    DateTimeOffset? Version,
    IReadOnlyList<Payment> Payments,
    IReadOnlyList<Shipment> Shipments,
    IReadOnlyList<Backorder> Backorders,
    IReadOnlyList<OrderReturn> Returns,
    IReadOnlyList<Refund> Refunds,
    IReadOnlyDictionary<string, decimal> ChannelFulfilled,
    IReadOnlyList<string> RefusedLocations,
    DateTimeOffset? CancelledAt,
    string? CancelReason,
    OrderStatus Status,
    IReadOnlyList<StatusChange> History,
    long Sequence,
    IReadOnlyList<string> AppliedCommands)
{
    public static Order Empty(string orderId) =>
        new(orderId, null, null, [], [], [], [], [], new Dictionary<string, decimal>(), [], null, null, OrderStatus.Placed, [], 0, []);

    public bool IsKnown => Draft is not null;

    /// <summary>Till returns that arrived before their sale, waiting to be decided against it (see <see cref="TillReturns"/>).</summary>
    public IReadOnlyList<OrderCommand.RecordTillReturn> HeldTillReturns { get; init; } = [];

    public bool IsCancelled => CancelledAt is not null;

    public IReadOnlyList<OrderLine> Lines => Draft?.Lines ?? [];

    public string Currency => Draft?.Currency ?? "";

    public OrderLine? Line(string lineId) => Lines.FirstOrDefault(l => l.LineId == lineId);

    /// <summary>Quantity of a line held in open shipments (reserved, pending, or already gone to the customer).</summary>
    public decimal Allocated(string lineId) =>
        Shipments.Where(s => s.IsOpen).SelectMany(s => s.Lines).Where(l => l.LineId == lineId && l.Reservation != ReservationState.Released).Sum(l => l.Quantity);

    /// <summary>Quantity of a line that has reached the customer: shipped, picked up, carried out, or fulfilled by the channel.</summary>
    public decimal Fulfilled(string lineId)
    {
        var ours = Shipments.Where(s => s.HasLeft).SelectMany(s => s.Lines).Where(l => l.LineId == lineId).Sum(l => l.Quantity);
        var channel = ChannelFulfilled.TryGetValue(lineId, out var quantity) ? quantity : 0m;
        return Math.Max(ours, channel);
    }

    public decimal Returned(string lineId) => Returns.SelectMany(r => r.Lines).Where(l => l.LineId == lineId).Sum(l => l.Quantity);

    /// <summary>Units of a line a refund cancelled before they were fulfilled: they will never leave, so nothing is held for them.</summary>
    public decimal Cancelled(string lineId) => Refunds.Sum(r => r.CancelledUnits?.GetValueOrDefault(lineId) ?? 0m);

    /// <summary>What stock follows for a line: its quantity less the units refunds cancelled.</summary>
    public decimal Open(OrderLine line) => Math.Max(0m, line.Quantity - Cancelled(line.LineId));

    /// <summary>What the customer owes in total: lines (gross) plus shipping.</summary>
    public decimal Total => Draft?.Total ?? 0m;

    public decimal Captured => Payments.Sum(p => p.Captured);

    public decimal Refunded => Payments.Sum(p => p.Refunded);

    public decimal GrossOf(OrderLine line) => line.Net + (Draft is { TaxesIncluded: true } ? 0m : line.Tax);
}

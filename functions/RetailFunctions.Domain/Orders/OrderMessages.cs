namespace RetailFunctions.Domain.Orders;

/// <summary>Stock a location can promise for one SKU, with where the location is, for routing.</summary>
public sealed record StockCandidate(string Location, string Sku, decimal Available, GeoPoint? Position);

/// <summary>
/// The retailer's rules the decider applies: the time a customer has to pick up and to return, the cash refund limit,
/// the location shipping prefers when the customer's position is unknown (the warehouse), and the channels allowed to
/// sell beyond stock (their shortfall is held at the preferred location instead of backordered).
/// </summary>
public sealed record OrderPolicy(TimeSpan PickupWindow, TimeSpan ReturnWindow, decimal CashRefundLimit, string? PreferredLocation = null,
    IReadOnlyList<string>? OversellChannels = null)
{
    public static OrderPolicy Default { get; } = new(TimeSpan.FromDays(3), TimeSpan.FromDays(30), 100m);

    public bool MayOversell(string channel) => OversellChannels?.Contains(channel, StringComparer.OrdinalIgnoreCase) == true;
}

public sealed record ReturnRequestLine(string LineId, decimal Quantity, ReturnDisposition Disposition);

/// <summary>
/// A refunded line as the channel reports it, with its own amounts, so the record does not depend on arrival order.
/// Restock says the goods go back to stock; RestockType is the channel's word for how (<c>return</c> for units that
/// were fulfilled, <c>cancel</c> for units that never were, <c>no_restock</c>).
/// </summary>
public sealed record ChannelRefundLine(string LineId, decimal Quantity, bool Restock, string? Location, decimal Amount, decimal Tax, string? Sku = null,
    string? RestockType = null);

public sealed record ChannelRefundTransaction(Tender Tender, PaymentTransaction Transaction);

/// <summary>An item a till took back against this order's receipt, with the money the till gave back for it (tax apart).</summary>
public sealed record TillReturnLine(string ItemId, decimal Quantity, decimal Amount, decimal Tax, string? OriginalLine = null)
{
    /// <summary>The item id of a line that gives back everything the order can still return (a post-void without its lines).</summary>
    public const string Everything = "*";
}

/// <summary>Money a till paid out on a return, by method (cash, card, store credit...).</summary>
public sealed record TillRefundTender(string Method, decimal Amount);

/// <summary>
/// What anyone asks of an order. Every command has an id (a duplicate is a no-op), an actor and its time: the
/// decider never reads a clock.
/// </summary>
public abstract record OrderCommand(string CommandId, string Actor, DateTimeOffset At)
{
    /// <summary>A channel's view of the order (web store topics, an app or marketplace order, a till sale).</summary>
    public sealed record RecordOrder(string CommandId, string Actor, DateTimeOffset At, OrderDraft Draft, DateTimeOffset Version,
        DateTimeOffset? CancelledAt, string? CancelReason, IReadOnlyDictionary<string, decimal> ChannelFulfilled)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>
    /// A channel's order edit, by line and delta (web store <c>orders/edited</c>): units removed from or added to lines
    /// the order has. Version is when the edit was committed; a snapshot of the order at or after it already holds it.
    /// </summary>
    public sealed record ApplyChannelEdit(string CommandId, string Actor, DateTimeOffset At, string EditId, DateTimeOffset Version,
        IReadOnlyDictionary<string, decimal> Added, IReadOnlyDictionary<string, decimal> Removed)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>Routing input: what every location can promise for the order's SKUs, read just before deciding.</summary>
    public sealed record AllocateStock(string CommandId, string Actor, DateTimeOffset At, IReadOnlyList<StockCandidate> Candidates)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>The ledger's answer to a reservation the workflow asked for.</summary>
    public sealed record RecordReservation(string CommandId, string Actor, DateTimeOffset At, string ShipmentId, string LineId, bool Reserved, string? Reason)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>A store action (pick, pack, ship, ready for pickup, picked up) or a channel's fulfilment.</summary>
    public sealed record AdvanceShipment(string CommandId, string Actor, DateTimeOffset At, string ShipmentId, ShipmentStage Stage, IReadOnlyList<string> TrackingNumbers)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>The channel fulfilled lines itself (web store fulfilment): the lines' stock leaves wherever it was held.</summary>
    public sealed record RecordChannelFulfilment(string CommandId, string Actor, DateTimeOffset At, IReadOnlyDictionary<string, decimal> Lines, string? Location)
        : OrderCommand(CommandId, Actor, At);

    public sealed record CancelOrder(string CommandId, string Actor, DateTimeOffset At, string Reason)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>The pickup deadline's timeout, delivered as a delayed message.</summary>
    public sealed record ExpirePickup(string CommandId, string Actor, DateTimeOffset At, string ShipmentId)
        : OrderCommand(CommandId, Actor, At);

    public sealed record RecordPayment(string CommandId, string Actor, DateTimeOffset At, Tender Tender, PaymentTransaction Transaction)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>An associate receives goods back at a location, with a disposition per line, and refunds them.</summary>
    public sealed record AcceptReturn(string CommandId, string Actor, DateTimeOffset At, string ReturnId, string Location,
        IReadOnlyList<ReturnRequestLine> Lines, bool RefundShipping)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>
    /// A refund the channel already made (web store refunds/create): recorded as a fact, never refused. Shipping is the
    /// shipping the channel says it gave back (with its tax when prices exclude it; ShippingTax is that tax), when it says.
    /// </summary>
    public sealed record RecordChannelRefund(string CommandId, string Actor, DateTimeOffset At, string RefundId,
        IReadOnlyList<ChannelRefundLine> Lines, IReadOnlyList<ChannelRefundTransaction> Transactions, decimal? Shipping = null, decimal ShippingTax = 0m)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>
    /// A till return linked to this order's receipt: a fact (the till already restocked and paid out), recorded against
    /// the order's lines so they are never returned or refunded twice; what exceeds what was bought is noted, not booked.
    /// </summary>
    public sealed record RecordTillReturn(string CommandId, string Actor, DateTimeOffset At, string ReturnId, string Location,
        IReadOnlyList<TillReturnLine> Lines, IReadOnlyList<TillRefundTender> Refunds)
        : OrderCommand(CommandId, Actor, At);

    /// <summary>A refund of an amount not tied to returned goods (goodwill, price adjustment), or of the shipping charge.</summary>
    public sealed record IssueRefund(string CommandId, string Actor, DateTimeOffset At, string RefundId, decimal? Amount, bool RefundShipping, string Reason)
        : OrderCommand(CommandId, Actor, At);
}

/// <summary>What happened to an order. Evolve folds them into the next state; effects and other capabilities read them.</summary>
public abstract record OrderEvent(DateTimeOffset At)
{
    public sealed record OrderPlaced(DateTimeOffset At, OrderDraft Draft, DateTimeOffset Version) : OrderEvent(At);

    /// <summary>A newer view of the order from its channel replaced the details.</summary>
    public sealed record OrderRevised(DateTimeOffset At, OrderDraft Draft, DateTimeOffset Version) : OrderEvent(At);

    public sealed record StockAllocated(DateTimeOffset At, Shipment Shipment) : OrderEvent(At);

    public sealed record LineBackordered(DateTimeOffset At, Backorder Backorder) : OrderEvent(At);

    public sealed record ReservationConfirmed(DateTimeOffset At, string ShipmentId, string LineId) : OrderEvent(At);

    /// <summary>The ledger refused: the line leaves the shipment and is routed again without that location.</summary>
    public sealed record ReservationRefused(DateTimeOffset At, string ShipmentId, string LineId, string Location, string Reason) : OrderEvent(At);

    public sealed record ShipmentAdvanced(DateTimeOffset At, string ShipmentId, ShipmentStage Stage, IReadOnlyList<string> TrackingNumbers, string Actor) : OrderEvent(At);

    public sealed record PickupDeadlineSet(DateTimeOffset At, string ShipmentId, DateTimeOffset DueAt) : OrderEvent(At);

    public sealed record PickupExpired(DateTimeOffset At, string ShipmentId) : OrderEvent(At);

    public sealed record ChannelFulfilled(DateTimeOffset At, IReadOnlyDictionary<string, decimal> Lines, string? Location) : OrderEvent(At);

    public sealed record OrderCancelled(DateTimeOffset At, string Reason, string Actor) : OrderEvent(At);

    public sealed record PaymentRecorded(DateTimeOffset At, Tender Tender, PaymentTransaction Transaction) : OrderEvent(At);

    public sealed record ReturnAccepted(DateTimeOffset At, OrderReturn Return) : OrderEvent(At);

    /// <summary>
    /// A till return that reached its receipt's order before the sale did: kept as it came, and decided with every check
    /// (what was bought, what was refunded, which captures pay it back) once the sale is recorded and paid.
    /// </summary>
    public sealed record TillReturnHeld(DateTimeOffset At, OrderCommand.RecordTillReturn Return) : OrderEvent(At);

    public sealed record RefundIssued(DateTimeOffset At, Refund Refund) : OrderEvent(At);
}

/// <summary>The decider's answer: events to apply, or a refusal a person can act on.</summary>
public abstract record OrderDecision
{
    public sealed record Accept(IReadOnlyList<OrderEvent> Events) : OrderDecision;

    public sealed record Refuse(string Reason) : OrderDecision;

    public static OrderDecision NoOp { get; } = new Accept([]);
}

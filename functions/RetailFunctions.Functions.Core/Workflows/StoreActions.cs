using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Core.Workflows;

/// <summary>
/// Store actions raised to an order's orchestration as external events. The command ids are the ones the order
/// routes give the same actions (<c>{shipment}:{stage}</c>, <c>cancel:{order}</c>), so an action sent both ways is
/// applied once.
/// </summary>
public static class StoreActions
{
    public static readonly IReadOnlyDictionary<string, ShipmentStage> Stages = new Dictionary<string, ShipmentStage>(StringComparer.OrdinalIgnoreCase)
    {
        ["pick"] = ShipmentStage.Picking,
        ["pack"] = ShipmentStage.Packed,
        ["ship"] = ShipmentStage.Shipped,
        ["deliver"] = ShipmentStage.Delivered,
        ["ready-for-pickup"] = ShipmentStage.ReadyForPickup,
        ["picked-up"] = ShipmentStage.PickedUp,
    };

    /// <summary>The command envelope for a shipment action, or null when the action is not one of <see cref="Stages"/>.</summary>
    public static Envelope? Advance(string orderId, string shipmentId, string action, string actor, IReadOnlyList<string> trackingNumbers, DateTimeOffset now) =>
        Stages.TryGetValue(action, out var stage)
            ? OrderEnvelopes.Command(orderId, new OrderCommand.AdvanceShipment($"{shipmentId}:{stage}", actor, now, shipmentId, stage, trackingNumbers), now)
            : null;

    public static Envelope Cancel(string orderId, string actor, string? reason, DateTimeOffset now) =>
        OrderEnvelopes.Command(orderId, new OrderCommand.CancelOrder($"cancel:{orderId}", actor, now,
            string.IsNullOrWhiteSpace(reason) ? "cancelled on request" : reason.Trim()), now);

    /// <summary>
    /// The pickup timeout as the pipeline sends it (same command id as the delayed message the effect runner
    /// schedules), so whichever of the durable timer and the message comes first expires the pickup, and the other is a no-op.
    /// </summary>
    public static Envelope ExpirePickup(string orderId, PickupDeadline deadline, DateTimeOffset now) =>
        OrderEnvelopes.Command(orderId, new OrderCommand.ExpirePickup($"expire:{deadline.ShipmentId}:{deadline.DueAt.UtcTicks}", "pickup-deadline",
            deadline.DueAt, deadline.ShipmentId), now, dueAt: deadline.DueAt);

    /// <summary>The order whose orchestration a message on order-events starts: an order that was just placed.</summary>
    public static string? OrderPlaced(Envelope envelope) =>
        envelope.Type == MessageTypes.OrderEvent && envelope.Key("event") == nameof(OrderEvent.OrderPlaced) ? envelope.Key(BusinessKeys.Order) : null;
}

using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Core.Workflows;

/// <summary>
/// Store actions for an order's workflow (applied by the workflow routes, or raised to the orchestration as external
/// events by older callers, which it still applies). The command ids are the ones the order
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

    /// <summary>The type of the event that tells an orchestration its order changed elsewhere: read it again.</summary>
    public const string RefreshType = "order.workflow.refresh";

    /// <summary>
    /// The pickup timeout with the command id the pipeline gives it, so an expiry that also arrives another way (an
    /// operator's replay of an old delayed message) is applied once.
    /// </summary>
    public static Envelope ExpirePickup(string orderId, PickupDeadline deadline, DateTimeOffset now) =>
        OrderEnvelopes.Command(orderId, new OrderCommand.ExpirePickup($"expire:{deadline.ShipmentId}:{deadline.DueAt.UtcTicks}", "pickup-deadline",
            deadline.DueAt, deadline.ShipmentId), now, dueAt: deadline.DueAt);

    /// <summary>
    /// Wakes the order's orchestration to read the order again: something changed it outside the orchestration (a
    /// store action on /api/orders, a web-store topic), maybe a new pickup deadline for its durable timer.
    /// </summary>
    public static Envelope Refresh(string orderId, string cause, DateTimeOffset now) => new(
        $"refresh:{orderId}:{cause}", RefreshType, $"refresh:{orderId}:{cause}", orderId, cause,
        new Dictionary<string, string> { [BusinessKeys.Order] = orderId }, now, "workflows", null);

    public static bool IsRefresh(Envelope envelope) => envelope.Type == RefreshType;

    /// <summary>
    /// Whether a message the pipeline sends is the pickup deadline as a delayed order-workflow command. In Azure the
    /// orchestration's durable timer is the deadline, so the Functions app does not send it as well.
    /// </summary>
    public static bool IsPickupDeadline(string queue, Envelope envelope) =>
        queue == QueueNames.OrderWorkflow && envelope.Type == MessageTypes.OrderCommand && envelope.Key(OrderEnvelopes.DueAtKey) is not null
        && envelope.Payload is { } payload && OrderJson.Deserialize<OrderCommandMessage>(payload).Command is OrderCommand.ExpirePickup;

    /// <summary>The order whose orchestration a message on order-events starts: an order that was just placed.</summary>
    public static string? OrderPlaced(Envelope envelope) =>
        envelope.Type == MessageTypes.OrderEvent && envelope.Key("event") == nameof(OrderEvent.OrderPlaced) ? envelope.Key(BusinessKeys.Order) : null;
}

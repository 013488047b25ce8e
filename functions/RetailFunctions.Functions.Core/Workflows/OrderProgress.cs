using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Functions.Core.Workflows;

/// <summary>A pickup shipment waiting for its customer, and when it expires.</summary>
public sealed record PickupDeadline(string ShipmentId, DateTimeOffset DueAt);

/// <summary>
/// What the orchestration needs to know about an order after each step: where it stands, the pickup deadlines to
/// time out, and until when returns are still accepted. Computed by the step activity from the stored order; also
/// the orchestration's custom status, so the status route shows it.
/// </summary>
public sealed record OrderProgress(
    string OrderId,
    bool Known,
    string Status,
    IReadOnlyList<PickupDeadline> PickupDeadlines,
    DateTimeOffset? ReturnsUntil,
    string? LastResult = null)
{
    public bool Cancelled => Status == nameof(OrderStatus.Cancelled);

    public static OrderProgress From(Order order, OrderPolicy policy, string? lastResult = null)
    {
        var deadlines = order.Shipments
            .Where(s => s.IsOpen && !s.HasLeft && s.PickupDeadline is not null)
            .Select(s => new PickupDeadline(s.ShipmentId, s.PickupDeadline!.Value))
            .OrderBy(d => d.DueAt)
            .ToList();
        DateTimeOffset? returnsUntil = null;
        if (order.Status is OrderStatus.Fulfilled or OrderStatus.Closed)
        {
            var lastDone = order.Shipments.Select(s => s.CompletedAt).Max() ?? order.History.LastOrDefault()?.At;
            if (lastDone is { } done) returnsUntil = done + policy.ReturnWindow;
        }
        return new OrderProgress(order.OrderId, order.IsKnown, order.Status.ToString(), deadlines, returnsUntil, lastResult);
    }
}

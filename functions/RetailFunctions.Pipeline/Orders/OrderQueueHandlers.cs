using System.Text.Json;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// The order-workflow queue: store actions sent by the API and timeouts sent as delayed messages. A timeout that
/// arrives before its due time (the queue's delay has a ceiling) is sent on again; otherwise the command runs at the
/// time it is handled. Refusals are final answers, not failures: the message completes with the reason.
/// </summary>
public sealed class OrderCommandHandler(OrderService orders, OrderEffectRunner effects, IBlobStore blobs, TimeProvider clock)
{
    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        OrderCommandMessage command;
        try
        {
            command = OrderEnvelopes.ReadCommand(message.Envelope with { Payload = await EnvelopePayloads.TextAsync(message.Envelope, blobs, ct) });
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException)
        {
            return new HandlerOutcome.Poison($"order command unreadable: {e.Message}", e.GetType().FullName);
        }

        if (command.Command is OrderCommand.ExpirePickup expire && command.Then is not { Count: > 0 } && expire.At > clock.GetUtcNow())
        {
            await effects.ScheduleExpiryAsync(command.OrderId, expire.ShipmentId, expire.At, ct);
            return new HandlerOutcome.Completed($"order {command.OrderId}: pickup of {expire.ShipmentId} not due until {expire.At:O}; rescheduled");
        }

        var result = await orders.ExecuteAllAsync(command.OrderId, command.All, ct);
        return new HandlerOutcome.Completed(result.Refusal is { } refusal
            ? $"order {command.OrderId}: {command.Command.GetType().Name} refused: {refusal}"
            : $"order {command.OrderId}: {command.Command.GetType().Name} {(result.Changed ? "applied" : "already applied")}; now {result.Order.Status}");
    }
}

/// <summary>
/// The order-events queue: a store's pick list gets its tasks and their closing, and every subscribed capability
/// receives each event. Subscribers are idempotent by the message's order and sequence.
/// </summary>
public sealed class OrderEventsHandler(IStoreTaskStore tasks, IEnumerable<IOrderEventSubscriber> subscribers, IBlobStore blobs, PilotGate pilot)
{
    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        // A large order's event travels as a blob reference.
        var envelope = message.Envelope with { Payload = await EnvelopePayloads.TextAsync(message.Envelope, blobs, ct) };
        try
        {
            switch (envelope.Type)
            {
                case MessageTypes.StorePickRequested:
                    var task = OrderJson.Deserialize<StoreTask>(envelope.Payload!);
                    await tasks.AddAsync(task, ct);
                    return new HandlerOutcome.Completed($"store {task.Location}: pick {task.ShipmentId} of order {task.OrderId}");
                case MessageTypes.OrderEvent:
                    var published = OrderJson.Deserialize<OrderEventMessage>(envelope.Payload!);
                    Measure(published);
                    await FollowOnStoreListAsync(published, ct);
                    foreach (var subscriber in subscribers)
                        await subscriber.HandleAsync(published, ct);
                    return new HandlerOutcome.Completed($"order {published.OrderId} event {published.Sequence} {published.EventType}");
                default:
                    return new HandlerOutcome.Poison($"order-events queue cannot handle message type {envelope.Type}");
            }
        }
        catch (Exception e) when (e is JsonException or NotSupportedException || envelope.Payload is null)
        {
            return new HandlerOutcome.Poison($"{envelope.Type} unreadable: {e.Message}", e.GetType().FullName);
        }
    }

    /// <summary>
    /// Orders and parcels per channel, method, store and region: shipments per order is what fulfilment costs, and a
    /// pilot watches it per store and region.
    /// </summary>
    private void Measure(OrderEventMessage published)
    {
        if (published.Order.Draft is not { } draft) return;
        var channel = new KeyValuePair<string, object?>("channel", draft.Channel);
        var method = new KeyValuePair<string, object?>("method", draft.Method.ToString());
        switch (published.Event)
        {
            case OrderEvent.OrderPlaced:
                OrderEventAudience.CountPlaced(draft, pilot);
                break;
            case OrderEvent.StockAllocated { Shipment.Method: not FulfilmentMethod.CarryOut } allocated:
                var from = allocated.Shipment.Location;
                PipelineTelemetry.Shipments.Add(1, channel, method, new("location", from), new("region", pilot.RegionTag(from)));
                break;
            case OrderEvent.LineBackordered b:
                PipelineTelemetry.Backorders.Record((double)b.Backorder.Quantity, channel);
                break;
        }
    }

    /// <summary>
    /// A shipment that closed leaves its store's open list. Stages in between (picking, packed, ready for pickup) are
    /// not written: the list reads them from the order.
    /// </summary>
    private async Task FollowOnStoreListAsync(OrderEventMessage published, CancellationToken ct)
    {
        var changed = published.Event switch
        {
            OrderEvent.ShipmentAdvanced s => published.Order.Shipments.Where(x => x.ShipmentId == s.ShipmentId),
            OrderEvent.OrderCancelled or OrderEvent.PickupExpired => published.Order.Shipments.Where(x => !x.IsOpen),
            _ => [],
        };
        foreach (var shipment in changed)
            await tasks.CloseAsync(shipment.Location, published.OrderId, shipment.ShipmentId, shipment.Stage, published.Event.At, ct);
    }
}

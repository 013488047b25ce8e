using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// Commands for one order, as they travel on the order-workflow queue (till sales, store actions, timeouts): the
/// first, and any that follow it in the same decision (a sale's payments).
/// </summary>
public sealed record OrderCommandMessage(string OrderId, OrderCommand Command, IReadOnlyList<OrderCommand>? Then = null)
{
    public IReadOnlyList<OrderCommand> All => [Command, .. Then ?? []];
}

/// <summary>An order event as other capabilities receive it: the event, its place in the order's history, and the order after it.</summary>
public sealed record OrderEventMessage(string OrderId, long Sequence, string EventType, OrderEvent Event, Order Order);

public static class OrderEnvelopes
{
    public const string DueAtKey = "dueAt";

    public static Envelope Command(string orderId, OrderCommand command, DateTimeOffset now, string? causation = null, DateTimeOffset? dueAt = null)
    {
        var keys = new Dictionary<string, string> { [BusinessKeys.Order] = orderId };
        if (dueAt is { } due) keys[DueAtKey] = due.ToString("O");
        return new(Guid.CreateVersion7(now).ToString("N"), MessageTypes.OrderCommand, $"order-command:{orderId}:{command.CommandId}",
            causation ?? command.CommandId, causation, keys, now, "orders", OrderJson.Serialize(new OrderCommandMessage(orderId, command)));
    }

    public static Envelope Commands(string orderId, IReadOnlyList<OrderCommand> commands, DateTimeOffset now, IReadOnlyDictionary<string, string>? keys = null)
    {
        var all = new Dictionary<string, string>(keys ?? new Dictionary<string, string>()) { [BusinessKeys.Order] = orderId };
        return new(Guid.CreateVersion7(now).ToString("N"), MessageTypes.OrderCommand, $"order-command:{orderId}:{commands[0].CommandId}",
            commands[0].CommandId, null, all, now, "orders", OrderJson.Serialize(new OrderCommandMessage(orderId, commands[0], [.. commands.Skip(1)])));
    }

    public static Envelope Event(Order order, OrderEvent e, long sequence, DateTimeOffset now)
    {
        var keys = new Dictionary<string, string> { [BusinessKeys.Order] = order.OrderId, ["event"] = e.GetType().Name };
        if (order.Draft?.Customer?.ChannelCustomerId is { } customer) keys[BusinessKeys.Customer] = customer;
        return new($"{order.OrderId}:{sequence}", MessageTypes.OrderEvent, $"order-event:{order.OrderId}:{sequence}", order.OrderId, null, keys, now,
            "orders", OrderJson.Serialize(new OrderEventMessage(order.OrderId, sequence, e.GetType().Name, e, order)));
    }

    public static Envelope PickRequest(StoreTask task, DateTimeOffset now) => new(
        Guid.CreateVersion7(now).ToString("N"), MessageTypes.StorePickRequested, $"pick:{task.OrderId}:{task.ShipmentId}", task.OrderId, null,
        new Dictionary<string, string> { [BusinessKeys.Order] = task.OrderId, [BusinessKeys.Location] = task.Location },
        now, "orders", OrderJson.Serialize(task));

    public static OrderCommandMessage ReadCommand(Envelope envelope) =>
        OrderJson.Deserialize<OrderCommandMessage>(envelope.Payload ?? throw new FormatException("order command without payload"));
}

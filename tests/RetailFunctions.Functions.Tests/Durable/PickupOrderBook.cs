using System.Collections.Concurrent;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Functions.Tests.Durable;

/// <summary>
/// The order workflow step for orchestration tests: a pickup order's life (placed, ready for pickup with a deadline,
/// collected, expired, cancelled), applied once per command id as the real step is, with every execution and every
/// application counted. Shared by the workers of a test, as the Orders table is shared by the app's instances.
/// </summary>
public sealed class PickupOrderBook(TimeSpan pickupWindow, TimeSpan returnWindow) : IOrderWorkflowStep
{
    private sealed class Order
    {
        public string Status = "Placed";
        public DateTimeOffset? Deadline;
        public DateTimeOffset? CompletedAt;
    }

    private readonly ConcurrentDictionary<string, Order> orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> applied = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> executions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> failOnce = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> steps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> pickupWindows = new(StringComparer.Ordinal);

    /// <summary>
    /// How often each command id changed its order. A step that runs again (retried, or redelivered after a crash)
    /// finds its command applied and changes nothing, as the real step does by command id; so this stays at 1 unless
    /// the orchestration sends the same action under a new id.
    /// </summary>
    public IReadOnlyDictionary<string, int> Applied => applied;

    /// <summary>How often a step carrying each command id ran (retries and redeliveries count).</summary>
    public IReadOnlyDictionary<string, int> Executions => executions;

    /// <summary>How many steps ran for an order, reads included.</summary>
    public int StepsOf(string orderId) => steps.GetValueOrDefault(orderId);

    public string StatusOf(string orderId) => orders.TryGetValue(orderId, out var order) ? order.Status : "Unknown";

    private readonly ConcurrentDictionary<string, ManualResetEventSlim> hangAfter = new(StringComparer.Ordinal);

    /// <summary>The next step carrying this command id applies it and then never returns, as a process killed before it answers.</summary>
    public void HangAfterApplyingOnce(string commandId, ManualResetEventSlim until) => hangAfter[commandId] = until;

    /// <summary>A pickup window of its own for one order (the book's default otherwise).</summary>
    public void SetPickupWindow(string orderId, TimeSpan window) => pickupWindows[orderId] = window;

    /// <summary>The next step carrying this command id throws once, as a storage hiccup would.</summary>
    public void FailOnceOn(string commandId) => failOnce[commandId] = true;

    public Task<OrderProgress> RunAsync(WorkflowStep step, CancellationToken cancellationToken) => Task.FromResult(Step(step));

    public OrderProgress Step(WorkflowStep step)
    {
        var order = orders.GetOrAdd(step.OrderId, _ => new Order());
        steps.AddOrUpdate(step.OrderId, 1, (_, n) => n + 1);
        var command = (step.Command ?? (step.Expire is { } due ? StoreActions.ExpirePickup(step.OrderId, due, DateTimeOffset.UtcNow) : null)) is { } envelope
            ? OrderEnvelopes.ReadCommand(envelope).Command
            : null;
        if (command is not null)
        {
            executions.AddOrUpdate(command.CommandId, 1, (_, n) => n + 1);
            if (failOnce.TryRemove(command.CommandId, out _)) throw new TimeoutException($"the order store timed out on {command.CommandId}");
            lock (order)
            {
                if (applied.TryAdd(command.CommandId, 1)) Apply(order, command, pickupWindows.GetValueOrDefault(step.OrderId, pickupWindow));
            }
            if (hangAfter.TryRemove(command.CommandId, out var hang)) hang.Wait();
        }
        lock (order) return Progress(step.OrderId, order);
    }

    private void Apply(Order order, OrderCommand command, TimeSpan window)
    {
        var now = DateTimeOffset.UtcNow;
        switch (command)
        {
            case OrderCommand.AdvanceShipment { Stage: ShipmentStage.ReadyForPickup } when order.Status == "Placed":
                order.Status = "ReadyForPickup";
                order.Deadline = now + window;
                break;
            case OrderCommand.AdvanceShipment { Stage: ShipmentStage.PickedUp } when order.Status == "ReadyForPickup":
                order.Status = nameof(OrderStatus.Fulfilled);
                order.CompletedAt = now;
                break;
            case OrderCommand.ExpirePickup when order.Status == "ReadyForPickup":
            case OrderCommand.CancelOrder when order.Status is "Placed" or "ReadyForPickup":
                order.Status = nameof(OrderStatus.Cancelled);
                break;
        }
    }

    private OrderProgress Progress(string orderId, Order order) => new(
        orderId, true, order.Status,
        order is { Status: "ReadyForPickup", Deadline: { } due } ? [new PickupDeadline("s-1", due)] : [],
        order.CompletedAt + returnWindow);
}

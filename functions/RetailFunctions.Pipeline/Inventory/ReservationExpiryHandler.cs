using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>
/// A reservation's timeout: a delayed message that arrives when it is due and expires it unless something consumed
/// or released it first (then the decider answers no-op). The queue hides a message for at most seven days, so a
/// message that arrives early is sent on again.
/// </summary>
public sealed class ReservationExpiryHandler(InventoryService inventory, IInventoryStore store, IMessageSender sender, TimeProvider clock)
{
    public static readonly TimeSpan MaxQueueDelay = TimeSpan.FromDays(6);

    public static Envelope Due(string sku, string reservationId, DateTimeOffset dueAt, DateTimeOffset now) => new(
        Guid.CreateVersion7(now).ToString("N"), MessageTypes.ReservationDue, $"reservation-due:{reservationId}:{dueAt.UtcTicks}",
        reservationId, null,
        new Dictionary<string, string> { [BusinessKeys.Sku] = sku, ["reservation"] = reservationId, ["dueAt"] = dueAt.ToString("O") },
        now, "inventory", Payload: null);

    /// <summary>Schedules the timeout of a reservation that can expire.</summary>
    public Task ScheduleAsync(string sku, string reservationId, DateTimeOffset dueAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var delay = dueAt - now;
        return sender.SendAsync(QueueNames.InventoryCommands, Due(sku, reservationId, dueAt, now), ct,
            delay <= TimeSpan.Zero ? null : delay > MaxQueueDelay ? MaxQueueDelay : delay);
    }

    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        var sku = message.Envelope.Key(BusinessKeys.Sku);
        var reservationId = message.Envelope.Key("reservation");
        if (sku is null || reservationId is null)
            return new HandlerOutcome.Poison("reservation timeout without sku and reservation keys");
        var reservation = await store.GetReservationAsync(sku, reservationId, ct);
        if (reservation is { Status: ReservationStatus.Active, ExpiresAt: { } expiresAt } && expiresAt > clock.GetUtcNow())
        {
            await ScheduleAsync(sku, reservationId, expiresAt, ct);
            return new HandlerOutcome.Completed($"reservation {reservationId} not due until {expiresAt:O}; rescheduled");
        }
        var result = await inventory.ExecuteAsync(new InventoryCommand.Expire(sku, reservationId, clock.GetUtcNow()), ct);
        return new HandlerOutcome.Completed($"reservation {reservationId}: {result.Outcome}: {result.Summary}");
    }
}

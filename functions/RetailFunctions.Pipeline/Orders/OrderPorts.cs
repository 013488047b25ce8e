using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Aggregates;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>An order as stored: its state, the effects still to run (the outbox), and the concurrency tag it was read with.</summary>
public sealed record StoredOrder(Order Order, IReadOnlyList<OrderEffect> Pending, string? ETag);

/// <summary>What an order decision writes: the new state and the whole outbox, together in the order's row.</summary>
public sealed record OrderChange(Order Order, IReadOnlyList<OrderEffect> Pending);

/// <summary>
/// Orders by id. <see cref="IAggregateStore{TKey,TSlice,TChange}.LoadAsync"/> answers an empty order with no tag when
/// none exists yet; a save writes state and outbox together if the row is still at the tag it was read with.
/// </summary>
public interface IOrderStore : IAggregateStore<string, StoredOrder, OrderChange>
{

    /// <summary>Finds an order by a channel's reference (Shopify id or name, a till receipt).</summary>
    Task<string?> FindAsync(string channel, string value, CancellationToken cancellationToken);

    Task IndexAsync(string orderId, string channel, IReadOnlyList<ChannelReference> references, CancellationToken cancellationToken);

    /// <summary>Several orders' references in one channel, as many in one write as the store allows; by default one order at a time.</summary>
    async Task IndexAllAsync(string channel, IReadOnlyList<(string OrderId, IReadOnlyList<ChannelReference> References)> orders,
        CancellationToken cancellationToken)
    {
        foreach (var (orderId, references) in orders) await IndexAsync(orderId, channel, references, cancellationToken);
    }

    /// <summary>The ids of the orders whose id starts with a prefix (e.g. every web order of one shop).</summary>
    Task<IReadOnlyList<string>> ListIdsAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Orders whose outbox is not empty and that nobody has written since the given time: what a crash interrupted.</summary>
    Task<IReadOnlyList<string>> ListWithPendingAsync(DateTimeOffset unchangedSince, int max, CancellationToken cancellationToken);
}

/// <summary>A store's pick list entry: what to pick for which order, and how far it got.</summary>
public sealed record StoreTask(
    string Location,
    string OrderId,
    string ShipmentId,
    FulfilmentMethod Method,
    IReadOnlyList<ShipmentLine> Lines,
    ShipmentStage Stage,
    DateTimeOffset RequestedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Whether the store still has work on it: to pick, pack, ship or hand over.</summary>
    public static bool IsOpenStage(ShipmentStage stage) =>
        stage is ShipmentStage.Allocated or ShipmentStage.Picking or ShipmentStage.Packed or ShipmentStage.ReadyForPickup;
}

/// <summary>
/// The rows behind the pick lists: which shipments each store was asked to pick, and which of them have closed.
/// How far an open one got is its order's to say (<see cref="StorePickList"/>), so the open stages are never written here.
/// </summary>
public interface IStoreTaskStore
{
    /// <summary>Adds the task once; a repeated request leaves it as it is. Written before it returns.</summary>
    Task AddAsync(StoreTask task, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a task closed (shipped, delivered, picked up, cancelled or expired): a closed task leaves the open
    /// list, and a closed row is not closed again. A stage still open (the list reads those from the order) writes
    /// nothing. The write may ride on the location's next one: until then the list learns it from the order.
    /// </summary>
    Task CloseAsync(string location, string orderId, string shipmentId, ShipmentStage stage, DateTimeOffset at,
        CancellationToken cancellationToken);

    /// <summary>The rows as stored, oldest first: an open row's stage is the one it was requested with.</summary>
    Task<IReadOnlyList<StoreTask>> ListAsync(string location, bool openOnly, CancellationToken cancellationToken);
}

/// <summary>A capability that follows orders (loyalty, the journal): it receives every published order event once per event id.</summary>
public interface IOrderEventSubscriber
{
    Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken);
}

using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>An order as stored: its state, the effects still to run (the outbox), and the concurrency tag it was read with.</summary>
public sealed record StoredOrder(Order Order, IReadOnlyList<OrderEffect> Pending, string? ETag);

public interface IOrderStore
{
    /// <summary>The stored order, or an empty one with no tag when none exists yet.</summary>
    Task<StoredOrder> LoadAsync(string orderId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes state and outbox together if the row is still at <paramref name="etag"/> (null: the row must not exist);
    /// the row's new tag, or null when someone wrote first.
    /// </summary>
    Task<string?> TrySaveAsync(Order order, IReadOnlyList<OrderEffect> pending, string? etag, CancellationToken cancellationToken);

    /// <summary>Finds an order by a channel's reference (Shopify id or name, a till receipt).</summary>
    Task<string?> FindAsync(string channel, string value, CancellationToken cancellationToken);

    Task IndexAsync(string orderId, string channel, IReadOnlyList<ChannelReference> references, CancellationToken cancellationToken);

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
    DateTimeOffset UpdatedAt);

public interface IStoreTaskStore
{
    /// <summary>Adds the task once; a repeated request leaves it as it is.</summary>
    Task AddAsync(StoreTask task, CancellationToken cancellationToken);

    /// <summary>Moves a task's stage forward; never back, so a late message cannot undo a later one.</summary>
    Task AdvanceAsync(string location, string orderId, string shipmentId, ShipmentStage stage, DateTimeOffset at, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoreTask>> ListAsync(string location, bool openOnly, CancellationToken cancellationToken);
}

/// <summary>A capability that follows orders (loyalty, the journal): it receives every published order event once per event id.</summary>
public interface IOrderEventSubscriber
{
    Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken);
}

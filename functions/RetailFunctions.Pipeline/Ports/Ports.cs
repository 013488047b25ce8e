using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Aggregates;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Pipeline.Ports;

// The side effects the pipeline needs, named by what they do. The storage adapters implement them on Azure
// Storage (Azurite locally); the handlers take them as parameters so every effect is visible where it happens.

public interface IMessageSender
{
    /// <summary>Durably enqueues; a payload larger than the queue allows goes to a blob first.</summary>
    Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null);

    /// <summary>
    /// Durably enqueues envelopes due now that were decided together (one order decision's events). A sender may carry
    /// them in one message; each is still handled as if it had come alone. This default sends them one at a time.
    /// </summary>
    async Task SendAllAsync(string queue, IReadOnlyList<Envelope> envelopes, CancellationToken cancellationToken)
    {
        foreach (var envelope in envelopes) await SendAsync(queue, envelope, cancellationToken);
    }
}

public interface IBlobStore
{
    /// <summary>Writes once: an existing blob with that name is left as it is (same name, same content).</summary>
    Task PutIfAbsentAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? metadata = null);
    /// <summary>Blob names under a prefix, with their metadata.</summary>
    IAsyncEnumerable<(string Name, IReadOnlyDictionary<string, string> Metadata)> ListAsync(string container, string prefix, CancellationToken cancellationToken);
    Task<Stream> OpenReadAsync(string container, string name, CancellationToken cancellationToken);
    Task<ReadOnlyMemory<byte>> ReadAsync(string container, string name, CancellationToken cancellationToken);
}

public enum CommandOutcome
{
    Applied,
    AlreadyApplied,
    Refused,
    NoOp,
}

/// <summary>
/// What became of an inventory command. PushNeeded names the locations whose availability changed while their last
/// change was already pushed to the channels: one availability message each wakes the dispatcher.
/// </summary>
public sealed record InventoryResult(CommandOutcome Outcome, string Summary, IReadOnlyList<StockLevel> Levels, decimal? Available, IReadOnlyList<string> PushNeeded);

/// <summary>A location's stock row set: level, policy, and how far channel pushes have caught up with it.</summary>
public sealed record LocationStock(StockLevel Level, StockPolicy Policy, long PushedVersion, decimal? LastPushedAvailable, DateTimeOffset? PushedAt);

public sealed record MovementPage(IReadOnlyList<RecordedMovement> Movements, string? ContinuationToken);

public sealed record RecordedMovement(StockMovement Movement, decimal OnHandAfter, long Sequence);

/// <summary>
/// The stock ledger's rows, one partition per SKU. As an aggregate store it loads a group's slice with one partition
/// query and saves a change in one entity-group transaction; the decisions are the ledger's (<see cref="StockGroupCommit"/>).
/// </summary>
public interface IInventoryStore : IAggregateStore<StockKey, StockRows, StockChange>
{
    /// <summary>One writer per SKU in this process: the ledger's writes and push marks queue on the same lock.</summary>
    StripedLock Writers { get; }

    /// <summary>The SKU's rows as this store last wrote them (with the tags the write returned), if it still holds them.</summary>
    StockRows? LastWritten(string sku);

    Task<IReadOnlyList<LocationStock>> GetStockAsync(string sku, CancellationToken cancellationToken);

    /// <summary>
    /// The SKU's stock at every location for routing an order: this store's own writes are always in it, other
    /// instances' changes may be up to <paramref name="maxAge"/> late (a reservation is checked against the rows it
    /// writes, never against this). A store that keeps nothing reads it.
    /// </summary>
    Task<IReadOnlyList<LocationStock>> GetRoutingStockAsync(string sku, TimeSpan maxAge, CancellationToken cancellationToken) =>
        GetStockAsync(sku, cancellationToken);

    Task<LocationStock?> GetLocationStockAsync(string sku, string location, CancellationToken cancellationToken);
    /// <summary>Records that channels have the given version; false when the level moved on meanwhile.</summary>
    Task<bool> MarkPushedAsync(string sku, string location, long version, decimal available, DateTimeOffset at, CancellationToken cancellationToken);
    /// <summary>
    /// Keeps the newest stock figure a channel reported for a location; false when an equal or newer one is already
    /// kept, so a stale or out-of-order report is recognised as such.
    /// </summary>
    Task<bool> RecordObservationAsync(string sku, string location, string channel, DateTimeOffset observedAt, decimal? available, CancellationToken cancellationToken);
    Task SetPolicyAsync(string sku, string location, StockPolicy policy, CancellationToken cancellationToken);
    Task<Reservation?> GetReservationAsync(string sku, string reservationId, CancellationToken cancellationToken);
    Task<MovementPage> GetMovementsAsync(string sku, string? location, int pageSize, string? continuationToken, CancellationToken cancellationToken);
}

public interface ICatalogStore
{
    Task<string?> ResolveSkuAsync(string system, string kind, string value, CancellationToken cancellationToken);
    /// <summary>Every alias of one system and kind with the SKU it names; null when there are more than <paramref name="max"/>.</summary>
    Task<IReadOnlyDictionary<string, string>?> ListAliasesAsync(string system, string kind, int max, CancellationToken cancellationToken);
    Task<string?> ResolveLocationAsync(string system, string value, CancellationToken cancellationToken);
    Task<CatalogItem?> GetItemAsync(string sku, CancellationToken cancellationToken);
    /// <summary>Creates or updates an item and adds its aliases to the cross-reference.</summary>
    Task UpsertItemAsync(CatalogItem item, CancellationToken cancellationToken);
    Task UpsertLocationAsync(Location location, CancellationToken cancellationToken);
    Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<Location>> ListLocationsAsync(CancellationToken cancellationToken);
}

public interface IExceptionStore
{
    /// <summary>Raises once per id: a redelivered event does not open a second exception.</summary>
    Task RaiseAsync(BusinessException exception, CancellationToken cancellationToken);
    Task<IReadOnlyList<BusinessException>> ListAsync(string? owner, string? status, int max, CancellationToken cancellationToken);
    Task<BusinessException?> GetAsync(string owner, string id, CancellationToken cancellationToken);
    /// <summary>Moves an exception along its lifecycle with an audit entry; the refusal when the move is not allowed.</summary>
    Task<(BusinessException? Exception, string? Refusal)> TransitionAsync(string owner, string id, string action, string by, string? note, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>What became of one webhook delivery, kept for the retry window so duplicates are recognised.</summary>
public sealed record DeliveryRecord(
    string Shop,
    string WebhookId,
    string? EventId,
    string Topic,
    string Outcome,
    string ArchiveBlob,
    DateTimeOffset ReceivedAt,
    DateTimeOffset ProcessedAt);

public interface IDeliveryLog
{
    /// <summary>The finished delivery of this webhook or event, if any (a claim still in progress is not one).</summary>
    Task<DeliveryRecord?> FindAsync(string shop, string webhookId, string? eventId, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a delivery as being processed unless its webhook or event id is already logged: null when the caller is to
    /// process it (new, or claimed before by an attempt that never finished), else the finished delivery it repeats.
    /// A new delivery costs one write here instead of a lookup; <see cref="RecordAsync"/> later replaces the claim.
    /// </summary>
    Task<DeliveryRecord?> ClaimAsync(DeliveryRecord claim, CancellationToken cancellationToken);

    Task RecordAsync(DeliveryRecord record, CancellationToken cancellationToken);
    /// <summary>Forgets deliveries processed before the cutoff; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset processedBefore, CancellationToken cancellationToken);
}

/// <summary>The availability a channel should show for a SKU at a location, as of a level version.</summary>
public sealed record AvailabilityUpdate(string Sku, string Location, string Channel, decimal Available, long Version);

/// <summary>A channel refused or failed an update. Permanent failures are dead-lettered at once; others are retried.</summary>
public sealed class ChannelPushException(string channel, string reason, bool permanent, Exception? inner = null)
    : Exception($"{channel}: {reason}", inner)
{
    public string Channel { get; } = channel;
    public string Reason { get; } = reason;
    public bool Permanent { get; } = permanent;
}

/// <summary>Pushes availability to one sales channel (the web store's inventory levels, a marketplace...).</summary>
public interface IChannelPublisher
{
    string Channel { get; }
    /// <summary>Sends an absolute quantity, so repeating a push is harmless. Returns what was done, for the log.</summary>
    Task<string> PushAsync(AvailabilityUpdate update, CancellationToken cancellationToken);
}

public sealed record LowStockAlert(string Id, string Sku, string Location, decimal Available, decimal ReorderPoint, long Version, DateTimeOffset RaisedAt);

public interface IAlertStore
{
    /// <summary>Raises once per id.</summary>
    Task RaiseAsync(LowStockAlert alert, CancellationToken cancellationToken);
    Task<IReadOnlyList<LowStockAlert>> ListAsync(int max, CancellationToken cancellationToken);
}

public sealed record DeadLetter(
    string Id,
    string Queue,
    string Reason,
    string? ExceptionType,
    long AttemptCount,
    Envelope Envelope,
    DateTimeOffset DeadLetteredAt,
    DateTimeOffset? ReplayedAt = null,
    int ReplayCount = 0);

public interface IDeadLetterStore
{
    Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken);
    Task<IReadOnlyList<DeadLetter>> ListAsync(int max, CancellationToken cancellationToken, string? queue = null);
    Task MarkReplayedAsync(DeadLetter deadLetter, DateTimeOffset at, CancellationToken cancellationToken);
}

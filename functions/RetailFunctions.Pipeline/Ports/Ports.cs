using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Pipeline.Ports;

// The side effects the pipeline needs, named by what they do. The storage adapters implement them on Azure
// Storage (Azurite locally); the handlers take them as parameters so every effect is visible where it happens.

public interface IMessageSender
{
    /// <summary>Durably enqueues; a payload larger than the queue allows goes to a blob first.</summary>
    Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null);
}

public interface IBlobStore
{
    /// <summary>Writes once: an existing blob with that name is left as it is (same name, same content).</summary>
    Task PutIfAbsentAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);
    Task<Stream> OpenReadAsync(string container, string name, CancellationToken cancellationToken);
    Task<ReadOnlyMemory<byte>> ReadAsync(string container, string name, CancellationToken cancellationToken);
}

public enum MovementOutcome
{
    Applied,
    AlreadyApplied,
}

public sealed record MovementResult(MovementOutcome Outcome, StockLevel Level);

public sealed record MovementPage(IReadOnlyList<RecordedMovement> Movements, string? ContinuationToken);

public sealed record RecordedMovement(StockMovement Movement, decimal OnHandAfter, long Sequence);

public interface IInventoryStore
{
    /// <summary>Applies a movement exactly once per idempotency key, atomically with the level it changes.</summary>
    Task<MovementResult> ApplyAsync(StockMovement movement, CancellationToken cancellationToken);
    Task<IReadOnlyList<StockLevel>> GetLevelsAsync(string sku, CancellationToken cancellationToken);
    Task<MovementPage> GetMovementsAsync(string sku, string? location, int pageSize, string? continuationToken, CancellationToken cancellationToken);
}

public interface ICatalogStore
{
    Task<string?> ResolveSkuAsync(string system, string kind, string value, CancellationToken cancellationToken);
    Task<string?> ResolveLocationAsync(string system, string value, CancellationToken cancellationToken);
    Task<CatalogItem?> GetItemAsync(string sku, CancellationToken cancellationToken);
    /// <summary>Creates or updates an item and adds its aliases to the cross-reference.</summary>
    Task UpsertItemAsync(CatalogItem item, CancellationToken cancellationToken);
    Task UpsertLocationAsync(Location location, CancellationToken cancellationToken);
    Task<IReadOnlyList<Location>> ListLocationsAsync(CancellationToken cancellationToken);
}

public interface IExceptionStore
{
    /// <summary>Raises once per id: a redelivered event does not open a second exception.</summary>
    Task RaiseAsync(BusinessException exception, CancellationToken cancellationToken);
    Task<IReadOnlyList<BusinessException>> ListAsync(string? owner, string? status, int max, CancellationToken cancellationToken);
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
    Task<DeliveryRecord?> FindAsync(string shop, string webhookId, string? eventId, CancellationToken cancellationToken);
    Task RecordAsync(DeliveryRecord record, CancellationToken cancellationToken);
}

public sealed record DeadLetter(
    string Id,
    string Queue,
    string Reason,
    string? ExceptionType,
    long AttemptCount,
    Envelope Envelope,
    DateTimeOffset DeadLetteredAt);

public interface IDeadLetterStore
{
    Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken);
    Task<IReadOnlyList<DeadLetter>> ListAsync(int max, CancellationToken cancellationToken);
}

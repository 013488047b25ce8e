namespace RetailFunctions.Pipeline.Ports;

public static class PosBatchStatuses
{
    public const string Received = "received";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

public static class PosTransactionStatuses
{
    public const string Applied = "applied";
    public const string Exception = "exception";
    public const string Malformed = "malformed";
    /// <summary>Recorded but moves no stock: control transactions, voids, till closes.</summary>
    public const string Recorded = "recorded";
}

/// <summary>An uploaded POS batch and how far its processing has come.</summary>
public sealed record PosBatch(
    string BatchId,
    string? Store,
    string Format,
    string Blob,
    string Status,
    int DeclaredTransactions,
    int ProcessedThrough,
    int Applied,
    int Exceptions,
    int Malformed,
    int Recorded,
    int PansMasked,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? CompletedAt,
    string? Failure = null,
    string? ReplayOf = null);

/// <summary>What became of one transaction of a batch, by its position in the upload.</summary>
public sealed record PosTransactionStatus(
    int Position,
    string? Receipt,
    string Kind,
    string Status,
    string? Reason,
    int MovementsApplied,
    int MovementsAlreadyApplied);

public interface IPosBatchStore
{
    Task CreateAsync(PosBatch batch, CancellationToken cancellationToken);
    Task<PosBatch?> GetAsync(string batchId, CancellationToken cancellationToken);
    /// <summary>The batches received on a day (UTC), oldest first.</summary>
    Task<IReadOnlyList<PosBatch>> ListByDayAsync(DateOnly day, int max, CancellationToken cancellationToken);
    Task<IReadOnlyList<PosTransactionStatus>> GetTransactionsAsync(string batchId, int skip, int take, CancellationToken cancellationToken);
    /// <summary>Saves a chunk's statuses and the batch's new progress in one atomic write.</summary>
    Task SaveChunkAsync(PosBatch batch, IReadOnlyList<PosTransactionStatus> statuses, CancellationToken cancellationToken);
}

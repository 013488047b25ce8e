namespace RetailFunctions.Pipeline.Privacy;

/// <summary>Every kind of place a payload, or part of one, is copied to.</summary>
public enum CopyKind
{
    /// <summary>A webhook body as received (card numbers masked), in the raw archive.</summary>
    RawArchive,
    /// <summary>An uploaded file: a till batch (POSLog XML or JSON), a settlement file.</summary>
    Upload,
    /// <summary>A queue payload too large for its message, spilled to a blob.</summary>
    LargePayload,
    /// <summary>A data-request export: deleted, not rewritten, when its shopper is erased.</summary>
    Export,
    /// <summary>A dead-lettered envelope.</summary>
    DeadLetter,
    /// <summary>A business exception's detail and keys.</summary>
    Exception,
    /// <summary>What became of a delivery or a till transaction: text that may quote a payload.</summary>
    Delivery,
    /// <summary>An envelope waiting in a queue.</summary>
    QueueMessage,
    /// <summary>An order's state and outbox.</summary>
    Order,
}

/// <summary>
/// One copy as text, where it lives, the shop it came from when that is known, and the version it was read at so a
/// rewrite never overwrites a newer write (a blob's ETag, a row's ETag, a queue message's pop receipt).
/// </summary>
public sealed record StoredCopy(CopyKind Kind, string Location, string Text, string? Shop, string? Topic, string? Version);

/// <summary>The copies of payloads the pipeline keeps, for erasure: read each, rewrite or delete it.</summary>
public interface IPersonalDataCopies
{
    /// <summary>Every copy; queue messages are held invisible until replaced or released.</summary>
    IAsyncEnumerable<StoredCopy> ListAsync(CancellationToken cancellationToken);

    /// <summary>Writes the redacted text in place of the copy; false when it changed meanwhile (read it again).</summary>
    Task<bool> ReplaceAsync(StoredCopy copy, string text, CancellationToken cancellationToken);

    /// <summary>The copy as it is now (after a lost race), or null when it is gone.</summary>
    Task<StoredCopy?> ReloadAsync(StoredCopy copy, CancellationToken cancellationToken);

    /// <summary>Removes the copy.</summary>
    Task DeleteAsync(StoredCopy copy, CancellationToken cancellationToken);

    /// <summary>Lets a copy that needed no change go (a queue message becomes visible again).</summary>
    Task ReleaseAsync(StoredCopy copy, CancellationToken cancellationToken);
}

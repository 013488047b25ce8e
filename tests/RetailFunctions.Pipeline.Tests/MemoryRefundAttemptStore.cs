using System.Collections.Concurrent;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Refund attempt rows in memory, with a version as their tag, for tests that are not about storage.</summary>
public sealed class MemoryRefundAttemptStore : IRefundAttemptStore
{
    private readonly ConcurrentDictionary<RefundAttemptKey, StoredRefundAttempt> _rows = new();
    private long _version;

    public IReadOnlyDictionary<RefundAttemptKey, StoredRefundAttempt> Rows => _rows;

    /// <summary>How many times a row was read.</summary>
    public int Loads => _loads;
    private int _loads;

    public Task<StoredRefundAttempt> LoadAsync(RefundAttemptKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _loads);
        return Task.FromResult(_rows.GetValueOrDefault(key) ?? new StoredRefundAttempt(null, null));
    }

    public Task<StoredRefundAttempt?> TrySaveAsync(RefundAttemptKey key, StoredRefundAttempt loaded, RefundAttemptState change, CancellationToken cancellationToken)
    {
        var written = new StoredRefundAttempt(change, Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var saved = loaded.ETag is null ? _rows.TryAdd(key, written) : _rows.TryUpdate(key, written, loaded);
        return Task.FromResult(saved ? written : null);
    }
}

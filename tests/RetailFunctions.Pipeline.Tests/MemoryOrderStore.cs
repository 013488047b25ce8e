using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Order rows with version tags: a save must name the version it read. Rival writes can be slipped in before a save.</summary>
internal sealed class MemoryOrderStore : IOrderStore
{
    private readonly Dictionary<string, StoredOrder> _rows = new(StringComparer.Ordinal);
    private int _version;

    public int Saves { get; private set; }
    public Queue<Action> BeforeSave { get; } = new();

    public Task<StoredOrder> LoadAsync(string key, CancellationToken cancellationToken)
    {
        lock (_rows) return Task.FromResult(_rows.GetValueOrDefault(key) ?? new StoredOrder(Order.Empty(key), [], null));
    }

    public Task<StoredOrder?> TrySaveAsync(string key, StoredOrder loaded, OrderChange change, CancellationToken cancellationToken)
    {
        if (BeforeSave.TryDequeue(out var rival)) rival();
        lock (_rows)
        {
            Saves++;
            if (_rows.GetValueOrDefault(key)?.ETag != loaded.ETag) return Task.FromResult<StoredOrder?>(null);
            return Task.FromResult<StoredOrder?>(_rows[key] = new StoredOrder(change.Order, change.Pending, $"v{++_version}"));
        }
    }

    /// <summary>Another runtime's write: the same row, a new tag.</summary>
    public void Touch(string key)
    {
        lock (_rows) _rows[key] = _rows[key] with { ETag = $"v{++_version}" };
    }

    public StoredOrder Row(string key)
    {
        lock (_rows) return _rows[key];
    }

    public Task<string?> FindAsync(string channel, string value, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task IndexAsync(string orderId, string channel, IReadOnlyList<ChannelReference> references, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<IReadOnlyList<string>> ListIdsAsync(string prefix, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<string>> ListWithPendingAsync(DateTimeOffset unchangedSince, int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}

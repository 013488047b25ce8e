using System.Collections.Concurrent;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Catalog;

/// <summary>
/// The catalog with its alias resolutions, items and locations remembered for a short while: a till upload names the
/// same store and the same few hundred items thousands of times, and each was a point read (a store up to three per
/// transaction); every channel push names the web store's ids of a SKU and a location, two more. Only what was found
/// is remembered, so an item mapped after it was first missed resolves at once; a change made through this instance
/// replaces what it touches (an item's aliases then resolve to it at once), and one made elsewhere is seen within
/// <see cref="For"/>.
/// </summary>
public sealed class CachedCatalog(ICatalogStore inner, TimeProvider clock) : ICatalogStore
{
    public static readonly TimeSpan For = TimeSpan.FromMinutes(5);
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<(string System, string Kind, string Value), (string Id, DateTimeOffset At)> _resolved = new();
    private readonly ConcurrentDictionary<(string System, string Kind), DateTimeOffset> _loaded = new();
    private readonly ConcurrentDictionary<string, (CatalogItem Item, DateTimeOffset At)> _items = new();
    private readonly ConcurrentDictionary<string, (Location Location, DateTimeOffset At)> _locations = new();

    /// <summary>
    /// Counts the changes made through this instance: a read (an alias, a listing, an item, a location) that overlapped
    /// one may have fetched the rows as they were before, so it is returned but not remembered.
    /// </summary>
    private long _changes;

    public async Task<string?> ResolveSkuAsync(string system, string kind, string value, CancellationToken cancellationToken)
    {
        await LoadAliasesAsync(system, kind, cancellationToken);
        return await KeptOrReadAsync(_resolved, (system, kind, value), () => inner.ResolveSkuAsync(system, kind, value, cancellationToken));
    }

    public Task<IReadOnlyDictionary<string, string>?> ListAliasesAsync(string system, string kind, int max, CancellationToken cancellationToken) =>
        inner.ListAliasesAsync(system, kind, max, cancellationToken);

    /// <summary>
    /// The aliases of a system and kind read together once per <see cref="For"/>: a fresh instance (a restart, or one
    /// more added during a sale) would otherwise read each item's alias on its first sale. Concurrent callers do not
    /// wait for it (they read their alias as before); a kind with more aliases than the cache holds is left to those reads.
    /// </summary>
    private async Task LoadAliasesAsync(string system, string kind, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var loadedAt = _loaded.GetValueOrDefault((system, kind), DateTimeOffset.MinValue);
        if (now - loadedAt < For || !_loaded.TryUpdate((system, kind), now, loadedAt) && !_loaded.TryAdd((system, kind), now)) return;
        var changesBefore = Interlocked.Read(ref _changes);
        if (await inner.ListAliasesAsync(system, kind, MaxEntries / 2, cancellationToken) is not { } aliases) return;
        // A listing that overlapped a change may hold an alias where it was before: none of it is kept, and the next call lists again.
        if (Interlocked.Read(ref _changes) != changesBefore)
        {
            _loaded.TryUpdate((system, kind), loadedAt, now);
            return;
        }
        foreach (var (value, sku) in aliases) Remember((system, kind, value), sku, now);
    }

    public Task<string?> ResolveLocationAsync(string system, string value, CancellationToken cancellationToken) =>
        KeptOrReadAsync(_resolved, (system, "location", value), () => inner.ResolveLocationAsync(system, value, cancellationToken));

    private void Remember((string, string, string) key, string id, DateTimeOffset at) => Keep(_resolved, key, (id, at));

    /// <summary>Keeps an entry; a cache that reached <see cref="MaxEntries"/> starts again empty.</summary>
    private static void Keep<TKey, TValue>(ConcurrentDictionary<TKey, TValue> kept, TKey key, TValue value) where TKey : notnull
    {
        if (kept.Count >= MaxEntries) kept.Clear();
        kept[key] = value;
    }

    public Task<CatalogItem?> GetItemAsync(string sku, CancellationToken cancellationToken) =>
        KeptOrReadAsync(_items, sku, () => inner.GetItemAsync(sku, cancellationToken));

    public Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken) =>
        KeptOrReadAsync(_locations, id, () => inner.GetLocationAsync(id, cancellationToken));

    /// <summary>What was kept for the key within <see cref="For"/>, else a read, kept only when found and no change overlapped it.</summary>
    private async Task<T?> KeptOrReadAsync<TKey, T>(ConcurrentDictionary<TKey, (T Value, DateTimeOffset At)> kept, TKey key, Func<Task<T?>> read)
        where TKey : notnull
        where T : class
    {
        var now = clock.GetUtcNow();
        if (kept.TryGetValue(key, out var hit) && now - hit.At < For) return hit.Value;
        var changesBefore = Interlocked.Read(ref _changes);
        var value = await read();
        if (value is not null && Interlocked.Read(ref _changes) == changesBefore) Keep(kept, key, (value, now));
        return value;
    }

    public async Task UpsertItemAsync(CatalogItem item, CancellationToken cancellationToken)
    {
        // Counted before the write as well as after: a read overlapping it is not remembered, whichever way it went.
        Interlocked.Increment(ref _changes);
        await inner.UpsertItemAsync(item, cancellationToken);
        Interlocked.Increment(ref _changes);
        // The store merges the aliases with those it had, so the item is read again when next wanted.
        _items.TryRemove(item.Sku, out _);
        // Aliases may have moved from another SKU: forget everything that named this one or these aliases.
        foreach (var entry in _resolved.Where(e => e.Value.Id == item.Sku || item.Aliases.Any(a => Names(e.Key, a.System, a.Kind, a.Value))))
            _resolved.TryRemove(entry.Key, out _);
        // What was just written resolves to this SKU: a product registered here is sold here without a read.
        var now = clock.GetUtcNow();
        foreach (var alias in item.Aliases)
            Remember((alias.System, alias.Kind, alias.Value), item.Sku, now);
    }

    public async Task UpsertLocationAsync(Location location, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _changes);
        await inner.UpsertLocationAsync(location, cancellationToken);
        Interlocked.Increment(ref _changes);
        _locations.TryRemove(location.Id, out _);
        foreach (var entry in _resolved.Where(e => e.Value.Id == location.Id || location.Aliases.Any(a => Names(e.Key, a.System, "location", a.Value))))
            _resolved.TryRemove(entry.Key, out _);
    }

    private static bool Names((string System, string Kind, string Value) key, string system, string kind, string value) =>
        key.Value == value && key.Kind == kind && string.Equals(key.System, system, StringComparison.OrdinalIgnoreCase);

    public Task<IReadOnlyList<Location>> ListLocationsAsync(CancellationToken cancellationToken) => inner.ListLocationsAsync(cancellationToken);
}

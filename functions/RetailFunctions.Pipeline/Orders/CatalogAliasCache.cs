using System.Collections.Concurrent;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// A channel's aliases (variant, item, location ids) as the catalog last resolved them, kept for half a minute: a burst
/// of orders names the same few products and stores, and an order's lines were each one catalog read. Only found
/// aliases are kept, so an alias mapped a moment ago is seen on the next order; a re-mapped alias is seen within the
/// half minute.
/// </summary>
public sealed class CatalogAliasCache(ICatalogStore catalog, TimeProvider clock)
{
    private const int MaxEntries = 100_000;
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (string Value, DateTimeOffset ReadAt)> _found = new(StringComparer.Ordinal);

    public Task<string?> SkuAsync(string system, string kind, string value, CancellationToken ct) =>
        ResolveAsync($"sku|{system}|{kind}|{value}", () => catalog.ResolveSkuAsync(system, kind, value, ct));

    public Task<string?> LocationAsync(string system, string value, CancellationToken ct) =>
        ResolveAsync($"location|{system}|{value}", () => catalog.ResolveLocationAsync(system, value, ct));

    private async Task<string?> ResolveAsync(string key, Func<Task<string?>> read)
    {
        var now = clock.GetUtcNow();
        if (_found.TryGetValue(key, out var kept) && now - kept.ReadAt < Fresh) return kept.Value;
        var resolved = await read();
        if (resolved is null) return null;
        if (_found.Count >= MaxEntries) _found.Clear();
        _found[key] = (resolved, now);
        return resolved;
    }
}

using System.Collections.Concurrent;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// Every process (and the in-process fake web store) this program starts, so they are stopped however it ends:
/// normally, on an exception, or on Ctrl+C / SIGTERM. Scenarios also dispose their own in finally blocks; stopping
/// twice is harmless.
/// </summary>
public static class Started
{
    private static readonly ConcurrentDictionary<IAsyncDisposable, byte> Live = new();

    public static async Task<Azurite> AzuriteAsync()
    {
        var azurite = await Azurite.StartAsync();
        Live[azurite] = 0;
        return azurite;
    }

    public static async Task<RuntimeProcess> RuntimeAsync(IReadOnlyDictionary<string, string> settings)
    {
        var runtime = new RuntimeProcess(settings);
        Live[runtime] = 0;
        await runtime.StartAsync();
        return runtime;
    }

    public static async Task<FakeShopifyAdmin> FakeShopifyAsync()
    {
        var fake = await FakeShopifyAdmin.StartAsync();
        Live[fake] = 0;
        return fake;
    }

    public static async ValueTask StopAsync(IAsyncDisposable? process)
    {
        if (process is null) return;
        Live.TryRemove(process, out _);
        await process.DisposeAsync();
    }

    public static void StopAll()
    {
        // Runtimes first, then what they talk to: the fake web store, the storage.
        foreach (var process in Live.Keys.OrderBy(p => p switch { Azurite => 2, FakeShopifyAdmin => 1, _ => 0 }).ToList())
        {
            Live.TryRemove(process, out _);
            try
            {
                process.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"stopping {process.GetType().Name} failed: {e.Message}");
            }
        }
    }
}

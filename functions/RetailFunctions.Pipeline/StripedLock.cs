namespace RetailFunctions.Pipeline;

/// <summary>
/// One writer at a time per key within this process, from a fixed set of stripes. Writers of one hot SKU then queue
/// here instead of colliding on its ETag (which, on one partition, turns most attempts into refusals); across
/// processes the ETag check still guarantees correctness.
/// </summary>
public sealed class StripedLock(int stripes = 1024)
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<IDisposable> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_stripes.Length)];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    private sealed class Releaser(SemaphoreSlim stripe) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) stripe.Release();
        }
    }
}

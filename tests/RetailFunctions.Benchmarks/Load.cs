using System.Collections.Concurrent;
using System.Diagnostics;

namespace RetailFunctions.Benchmarks;

public sealed record LoadResult(int Operations, TimeSpan Elapsed, LatencySummary Latency, IReadOnlyDictionary<string, int> Outcomes)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;
    public int Count(string outcome) => Outcomes.TryGetValue(outcome, out var n) ? n : 0;
    public int NotOk => Outcomes.Where(o => o.Key != "200").Sum(o => o.Value);
}

/// <summary>Runs operations 0..count-1 from a fixed number of concurrent workers, timing each one.</summary>
public static class Load
{
    /// <param name="operation">Does operation i and names its outcome ("200", "503", "error: ...").</param>
    public static async Task<LoadResult> RunAsync(int count, int concurrency, Func<int, CancellationToken, Task<string>> operation, CancellationToken ct)
    {
        var latencies = new double[count];
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var next = -1;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                ct.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                string outcome;
                try
                {
                    outcome = await operation(i, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    outcome = $"error: {e.GetType().Name}";
                }
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
        }, ct)).ToList();
        await Task.WhenAll(workers);
        clock.Stop();
        return new LoadResult(count, clock.Elapsed, LatencySummary.Of(latencies), outcomes);
    }
}

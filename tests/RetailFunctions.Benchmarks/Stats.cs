namespace RetailFunctions.Benchmarks;

/// <summary>Latency percentiles over every recorded sample (nearest rank on the sorted array, no bucketing).</summary>
public sealed record LatencySummary(int Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Of(IReadOnlyCollection<double> samplesMs)
    {
        if (samplesMs.Count == 0) return new LatencySummary(0, 0, 0, 0, 0, 0);
        var sorted = samplesMs.ToArray();
        Array.Sort(sorted);
        return new LatencySummary(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), sorted[^1], sorted.Average());
    }

    /// <summary>The smallest sample with at least <paramref name="percent"/>% of samples at or below it.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public override string ToString() => $"p50 {P50Ms:0.0} ms, p90 {P90Ms:0.0} ms, p99 {P99Ms:0.0} ms, max {MaxMs:0.0} ms";
}

public static class Median
{
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        if (sorted.Length == 0) return 0;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

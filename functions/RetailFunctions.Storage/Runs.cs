namespace RetailFunctions.Storage;

/// <summary>Cutting items that travel together into runs that each fit one storage call (a transaction, a message).</summary>
public static class Runs
{
    /// <summary>
    /// The items in order, cut into runs of at most <paramref name="maxCount"/> whose sizes <paramref name="fits"/>
    /// accepts (given the run's total size and count). A run of one is kept even when it does not fit: what cannot
    /// travel alone is the caller's to refuse, not this cut's to drop.
    /// </summary>
    public static IEnumerable<T[]> Cut<T>(IEnumerable<T> items, Func<T, int> size, int maxCount, Func<int, int, bool> fits)
    {
        var run = new List<T>();
        var bytes = 0;
        foreach (var item in items)
        {
            var itemBytes = size(item);
            if (run.Count > 0 && (run.Count == maxCount || !fits(bytes + itemBytes, run.Count + 1)))
            {
                yield return [.. run];
                (run, bytes) = ([], 0);
            }
            run.Add(item);
            bytes += itemBytes;
        }
        if (run.Count > 0) yield return [.. run];
    }
}

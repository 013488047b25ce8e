using System.Numerics;

namespace RetailFunctions.Storage;

/// <summary>Cutting items that travel together into runs that each fit one storage call (a transaction, a message).</summary>
public static class Runs
{
    /// <summary>
    /// The items in order, cut into runs of at most <paramref name="maxCount"/> whose sizes <paramref name="fits"/>
    /// accepts (given the run's total size and count). A run of one is kept even when it does not fit: what cannot
    /// travel alone is the caller's to refuse, not this cut's to drop.
    /// </summary>
    public static IEnumerable<T[]> Cut<T>(IEnumerable<T> items, Func<T, int> size, int maxCount, Func<int, int, bool> fits) =>
        Cut<T, int>(items, size, maxCount, fits);

    /// <summary>The same cut, for a size of more than one measure (rows and bytes) that adds up.</summary>
    public static IEnumerable<T[]> Cut<T, TSize>(IEnumerable<T> items, Func<T, TSize> size, int maxCount, Func<TSize, int, bool> fits)
        where TSize : IAdditionOperators<TSize, TSize, TSize>, IAdditiveIdentity<TSize, TSize>
    {
        var run = new List<T>();
        var total = TSize.AdditiveIdentity;
        foreach (var item in items)
        {
            var itemSize = size(item);
            if (run.Count > 0 && (run.Count == maxCount || !fits(total + itemSize, run.Count + 1)))
            {
                yield return [.. run];
                (run, total) = ([], TSize.AdditiveIdentity);
            }
            run.Add(item);
            total += itemSize;
        }
        if (run.Count > 0) yield return [.. run];
    }
}

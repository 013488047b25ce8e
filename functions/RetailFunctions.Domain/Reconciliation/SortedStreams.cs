namespace RetailFunctions.Domain.Reconciliation;

/// <summary>A stream that was promised sorted by key and is not: the run stops rather than report false differences.</summary>
public sealed class UnsortedStreamException(string stream, string previous, string next)
    : InvalidOperationException($"the {stream} stream is not sorted by key: '{next}' came after '{previous}'")
{
    public string Stream { get; } = stream;
}

/// <summary>
/// Merges over streams sorted by an ordinal string key, holding one key's group per stream at a time: memory
/// depends on how many items share a key (duplicates), never on the length of the streams.
/// </summary>
public static class SortedStreams
{
    /// <summary>The items of a sorted stream grouped by key, in order; throws when the order is broken.</summary>
    public static async IAsyncEnumerable<(string Key, List<T> Items)> GroupByKey<T>(
        IAsyncEnumerable<T> source, Func<T, string> key, string name,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? current = null;
        List<T>? group = null;
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            var k = key(item);
            if (current is not null)
            {
                var order = string.CompareOrdinal(k, current);
                if (order == 0)
                {
                    group!.Add(item);
                    continue;
                }
                if (order < 0) throw new UnsortedStreamException(name, current, k);
                yield return (current, group!);
            }
            current = k;
            group = [item];
        }
        if (current is not null) yield return (current, group!);
    }

    /// <summary>The union of two sorted streams, still sorted (equal keys: the first stream's items first).</summary>
    public static async IAsyncEnumerable<T> Union<T>(
        IAsyncEnumerable<T> first, IAsyncEnumerable<T> second, Func<T, string> key,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var a = first.GetAsyncEnumerator(cancellationToken);
        await using var b = second.GetAsyncEnumerator(cancellationToken);
        var hasA = await a.MoveNextAsync();
        var hasB = await b.MoveNextAsync();
        while (hasA || hasB)
        {
            if (hasA && (!hasB || string.CompareOrdinal(key(a.Current), key(b.Current)) <= 0))
            {
                yield return a.Current;
                hasA = await a.MoveNextAsync();
            }
            else
            {
                yield return b.Current;
                hasB = await b.MoveNextAsync();
            }
        }
    }

    /// <summary>
    /// A full outer join of two sorted streams: for each key in either, the items each side has for it (an empty
    /// list when that side has none). Each stream's order is checked.
    /// </summary>
    public static async IAsyncEnumerable<(string Key, IReadOnlyList<TLeft> Left, IReadOnlyList<TRight> Right)> FullOuterJoin<TLeft, TRight>(
        IAsyncEnumerable<TLeft> left, Func<TLeft, string> leftKey, string leftName,
        IAsyncEnumerable<TRight> right, Func<TRight, string> rightKey, string rightName,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var l = GroupByKey(left, leftKey, leftName, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var r = GroupByKey(right, rightKey, rightName, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var hasL = await l.MoveNextAsync();
        var hasR = await r.MoveNextAsync();
        while (hasL || hasR)
        {
            var order = !hasL ? 1 : !hasR ? -1 : string.CompareOrdinal(l.Current.Key, r.Current.Key);
            if (order < 0)
            {
                yield return (l.Current.Key, l.Current.Items, []);
                hasL = await l.MoveNextAsync();
            }
            else if (order > 0)
            {
                yield return (r.Current.Key, [], r.Current.Items);
                hasR = await r.MoveNextAsync();
            }
            else
            {
                yield return (l.Current.Key, l.Current.Items, r.Current.Items);
                hasL = await l.MoveNextAsync();
                hasR = await r.MoveNextAsync();
            }
        }
    }
}

namespace RetailFunctions.Pipeline.Aggregates;

/// <summary>
/// The one load-decide-save loop every aggregate runs: load the slice, decide (a pure function of the slice), save the
/// change in one tag-checked write, and on a lost race load again and decide again, a bounded number of times.
/// <para>
/// A caller that already holds the slice (what its own last write returned, or "no row yet" for a new aggregate) passes
/// it as <c>assumed</c> and saves the read. A decision on an assumed slice counts only once its tag-checked write
/// succeeds: when it writes nothing (a repeat, a refusal) the slice is read and the decision made again, so an answer
/// never rests on a stale copy.
/// </para>
/// Writers of one aggregate queue in this process when <c>serialize</c> is set, instead of colliding on its tag;
/// across processes the tag check alone keeps them honest. A caller whose store also writes the same rows outside the
/// runner (a push mark touching a stock level's tag) passes the lock both share as <c>writers</c>.
/// </summary>
public sealed class AggregateRunner<TKey, TSlice, TChange>(
    IAggregateStore<TKey, TSlice, TChange> store, int maxAttempts, bool serialize = false, StripedLock? writers = null)
    where TSlice : class
    where TChange : class
{
    private readonly StripedLock? _writers = writers ?? (serialize ? new StripedLock() : null);

    public IAggregateStore<TKey, TSlice, TChange> Store => store;

    public async Task<Ran<TSlice, TResult>> RunAsync<TResult>(string aggregate, TKey key, Func<TSlice, Decision<TChange, TResult>> decide,
        CancellationToken ct, TSlice? assumed = null)
    {
        using var writer = _writers is null ? null : await _writers.AcquireAsync(aggregate, ct);
        var slice = assumed ?? await store.LoadAsync(key, ct);
        var trusted = assumed is null;
        for (var attempt = 1; ; attempt++)
        {
            var decision = decide(slice);
            if (decision.Change is not { } change)
            {
                if (trusted) return new(slice, decision.Result, false);
                slice = await store.LoadAsync(key, ct);
                trusted = true;
                continue;
            }
            if (await store.TrySaveAsync(key, slice, change, ct) is { } saved) return new(saved, decision.Result, true) { Attempts = attempt };
            if (attempt >= maxAttempts) throw new AggregateConcurrencyException(aggregate, attempt);
            // A lost race on a slice read from storage means a live competitor: step aside briefly, then read again.
            if (trusted) await Task.Delay(Random.Shared.Next(1, 4 * Math.Min(attempt, 10)), ct);
            slice = await store.LoadAsync(key, ct);
            trusted = true;
        }
    }
}

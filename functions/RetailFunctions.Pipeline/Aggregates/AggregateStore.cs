namespace RetailFunctions.Pipeline.Aggregates;

/// <summary>
/// An aggregate's store, as every aggregate has it: load the slice a command needs together with the concurrency tags
/// it was read with, and save a decision (the new state or events, and the outbox rows that go with them) in one write
/// checked against those tags. The store decides nothing; the runner and a pure decider do.
/// </summary>
/// <typeparam name="TKey">What names the slice (an order id, a customer id, or the command itself when it names several rows).</typeparam>
/// <typeparam name="TSlice">The rows as read, with their tags.</typeparam>
/// <typeparam name="TChange">What a decision writes.</typeparam>
public interface IAggregateStore<in TKey, TSlice, in TChange>
    where TSlice : class
    where TChange : class
{
    Task<TSlice> LoadAsync(TKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the change if every row is still as <paramref name="loaded"/> was read (a row read as absent must still
    /// be absent): the slice as written, with its new tags, or null when another writer came first.
    /// </summary>
    Task<TSlice?> TrySaveAsync(TKey key, TSlice loaded, TChange change, CancellationToken cancellationToken);
}

/// <summary>What a pure decider made of a command on a slice: the change to write (none: nothing to write) and the caller's answer.</summary>
public readonly record struct Decision<TChange, TResult>(TChange? Change, TResult Result)
    where TChange : class;

public static class Decision
{
    public static Decision<TChange, TResult> Write<TChange, TResult>(TChange change, TResult result) where TChange : class => new(change, result);

    public static Decision<TChange, TResult> Nothing<TChange, TResult>(TResult result) where TChange : class => new(null, result);
}

/// <summary>The answer of a run: the slice as it now stands (as written, or as read when nothing was written).</summary>
public sealed record Ran<TSlice, TResult>(TSlice Slice, TResult Result, bool Written)
{
    /// <summary>How many writes it took (more than one: another writer came first in between).</summary>
    public int Attempts { get; init; } = 1;
}

/// <summary>Every attempt lost the race for the aggregate's rows; the caller (a queue message) is retried later.</summary>
public sealed class AggregateConcurrencyException(string aggregate, int attempts)
    : Exception($"{aggregate} kept changing while a command was applied ({attempts} attempts); the message will be retried")
{
    public string Aggregate { get; } = aggregate;
}

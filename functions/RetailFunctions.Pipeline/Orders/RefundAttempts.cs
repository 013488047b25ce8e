using RetailFunctions.Pipeline.Aggregates;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>Names a refund's attempts at the web store: the order and our refund id.</summary>
public readonly record struct RefundAttemptKey(string OrderId, string RefundId);

/// <summary>Which attempt holds a refund and until when, or, once carried out, the web store's id for it.</summary>
public sealed record RefundAttemptState(string Holder, DateTimeOffset Until, string? Made);

/// <summary>A refund's attempt row as read (null: no attempt yet) with its concurrency tag.</summary>
public sealed record StoredRefundAttempt(RefundAttemptState? State, string? ETag);

/// <summary>The attempt rows: a point read, and an insert or a tag-checked replace.</summary>
public interface IRefundAttemptStore : IAggregateStore<RefundAttemptKey, StoredRefundAttempt, RefundAttemptState>;

/// <summary>What an attempt found: the refund is its to carry out, another attempt holds it until then, or it is carried out.</summary>
public abstract record RefundTurn
{
    public sealed record Mine : RefundTurn;

    public sealed record Held(DateTimeOffset Until) : RefundTurn;

    public sealed record Made(string ChannelRefundId) : RefundTurn;
}

/// <summary>
/// One attempt at a time carries out a refund at the web store. The store takes no idempotency key for refunds, so an
/// attempt looks for the refund before making it, and two attempts looking at once would both find nothing and both
/// make it (two copies of one refund event are normal: a repeated command or the outbox sweep publishes it again, and
/// two runtimes take them at once). So an attempt first takes the refund for as long as its slowest call can last; a
/// holder that died is taken over once that lease has passed, and the next attempt still looks before it refunds.
/// </summary>
public static class RefundAttempts
{
    public static Decision<RefundAttemptState, RefundTurn> Take(StoredRefundAttempt row, string holder, DateTimeOffset now, TimeSpan lease) =>
        row.State switch
        {
            { Made: { } made } => Decision.Nothing<RefundAttemptState, RefundTurn>(new RefundTurn.Made(made)),
            { } held when held.Holder != holder && held.Until > now => Decision.Nothing<RefundAttemptState, RefundTurn>(new RefundTurn.Held(held.Until)),
            _ => Decision.Write<RefundAttemptState, RefundTurn>(new RefundAttemptState(holder, now + lease, null), new RefundTurn.Mine()),
        };

    /// <summary>Recorded as made by its holder; one whose lease another attempt took over leaves it to that one, which will find it.</summary>
    public static Decision<RefundAttemptState, bool> Finish(StoredRefundAttempt row, string holder, string channelRefundId) =>
        row.State is { Made: null } state && state.Holder == holder
            ? Decision.Write(state with { Made = channelRefundId }, true)
            : Decision.Nothing<RefundAttemptState, bool>(false);

    /// <summary>A holder that failed or was refused lets go at once, so the next attempt need not wait for its lease to pass.</summary>
    public static Decision<RefundAttemptState, bool> LetGo(StoredRefundAttempt row, string holder, DateTimeOffset now) =>
        row.State is { Made: null } state && state.Holder == holder && state.Until > now
            ? Decision.Write(state with { Until = now }, true)
            : Decision.Nothing<RefundAttemptState, bool>(false);
}

namespace RetailFunctions.Pipeline.Messaging;

/// <summary>
/// Which work may wait for storage when storage is what everything waits on. A web order's bookkeeping (its webhook
/// was acknowledged already, its events go to followers) may lag by seconds under a flash sale; a till sale on its
/// way to the web store's stock figure, a channel push and an HTTP caller may not. Storage calls made while handling
/// a message of a backlog queue pass through a gate of bounded width; every other call passes straight by, so the
/// storage service holds at most the gate's width of backlog calls ahead of a till sale's.
/// </summary>
public static class BacklogWork
{
    private static readonly AsyncLocal<bool> s_current = new();

    /// <summary>The queues whose messages are backlog work: web orders and order events.</summary>
    public static bool IsBacklogQueue(string queue) => queue is QueueNames.ShopifyWebhooks or QueueNames.OrderEvents;

    /// <summary>Whether the calling flow is doing backlog work.</summary>
    public static bool IsCurrent => s_current.Value;

    /// <summary>
    /// Marks the calling flow, and every call and task it starts from here, as handling <paramref name="queue"/>.
    /// Called at the top of an async method, the mark ends when that method returns.
    /// </summary>
    public static void Enter(string queue) => s_current.Value = IsBacklogQueue(queue);

    /// <summary>Marks the calling flow as backlog work or not, for a write shared by several callers.</summary>
    public static void Set(bool backlog) => s_current.Value = backlog;
}

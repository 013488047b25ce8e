using System.Text;
using System.Text.Json;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Storage;

/// <summary>
/// Sends envelopes as JSON queue messages. A message over the queue's 64 KiB limit has its payload moved to a blob
/// first and travels with a reference instead. Envelopes due now are group-committed per queue
/// (<see cref="QueueGroupCommit"/>): under a burst several travel in one message, and each send still returns only
/// once its envelope is stored.
/// </summary>
public sealed class QueueMessageSender(StorageAccount account, BlobStore blobs) : IMessageSender
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, QueueGroupCommit> _groups = new(StringComparer.Ordinal);

    /// <summary>Below 64 KiB with room for the XML wrapping the queue service adds.</summary>
    public const int MaxInlineBytes = 60 * 1024;

    public static readonly JsonSerializerOptions Json = EnvelopeJson.Options;

    public async Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
    {
        var text = await TextAsync(queue, envelope, cancellationToken);
        if (delay is { } later && later > TimeSpan.Zero)
            await account.Queue(queue).SendMessageAsync(text, visibilityTimeout: later, cancellationToken: cancellationToken);
        else
            await GroupFor(queue, envelope).SendAsync(text).WaitAsync(cancellationToken);
        QueueSignals.Notify(queue);
    }

    /// <summary>Envelopes decided together go out in as few messages as hold them; under a burst others' envelopes may share those messages.</summary>
    public async Task SendAllAsync(string queue, IReadOnlyList<Envelope> envelopes, CancellationToken cancellationToken)
    {
        var texts = new List<(Envelope Envelope, string Text)>(envelopes.Count);
        foreach (var envelope in envelopes) texts.Add((envelope, await TextAsync(queue, envelope, cancellationToken)));
        await Task.WhenAll(texts.GroupBy(t => GroupKey(queue, t.Envelope), StringComparer.Ordinal)
            .Select(same => GroupFor(queue, same.First().Envelope).SendTogetherAsync([.. same.Select(t => t.Text)])))
            .WaitAsync(cancellationToken);
        QueueSignals.Notify(queue);
    }

    /// <summary>The message text of an envelope; a payload too large for a message is moved to a blob first.</summary>
    private async Task<string> TextAsync(string queue, Envelope envelope, CancellationToken cancellationToken)
    {
        envelope = PipelineTelemetry.WithTraceParent(envelope);
        var text = JsonSerializer.Serialize(envelope, Json);
        if (Encoding.UTF8.GetByteCount(text) <= MaxInlineBytes || envelope.Payload is not { } payload) return text;
        var blobName = $"{queue}/{envelope.Id}";
        await blobs.PutIfAbsentAsync(ContainerNames.LargePayloads, blobName, Encoding.UTF8.GetBytes(payload), "application/octet-stream", cancellationToken);
        return JsonSerializer.Serialize(envelope with { Payload = null, PayloadBlob = blobName }, Json);
    }

    /// <summary>
    /// The write is shared with other callers' envelopes, so it is not cancelled with any one caller; a caller only stops
    /// waiting for it. A group holds one shop's envelopes of one topic, so whoever reads a queued message (an erasure
    /// sweep) can tell from the message whose it is.
    /// </summary>
    private QueueGroupCommit GroupFor(string queue, Envelope envelope) =>
        _groups.GetOrAdd(GroupKey(queue, envelope), _ => new QueueGroupCommit(body => account.Queue(queue).SendMessageAsync(body, CancellationToken.None)));

    private static string GroupKey(string queue, Envelope envelope) =>
        $"{queue}\n{envelope.Key(BusinessKeys.Shop)}\n{envelope.Key(BusinessKeys.Topic)}";

    public static Envelope Deserialize(string text) =>
        JsonSerializer.Deserialize<Envelope>(text, Json) ?? throw new JsonException("queue message is not an envelope");

    /// <summary>A message body's envelopes: one, or the group it carries.</summary>
    public static EnvelopeBatch Read(string text) =>
        EnvelopeBatch.IsBatch(text) ? EnvelopeBatch.Parse(text, Json) : new EnvelopeBatch([Deserialize(text)], 0);

    /// <summary>A message body's envelopes, or null with what made it unreadable (not JSON, not an envelope, a malformed group).</summary>
    public static EnvelopeBatch? TryRead(string text, out Exception? unreadable)
    {
        try
        {
            unreadable = null;
            return Read(text);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            unreadable = e;
            return null;
        }
    }
}

/// <summary>
/// Wakes a worker polling a queue as soon as this process enqueues to it, so an idle worker's polling interval
/// does not add to latency. Workers in other processes still find messages by polling.
/// </summary>
public static class QueueSignals
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Signals = new();

    public static SemaphoreSlim For(string queue) => Signals.GetOrAdd(queue, _ => new SemaphoreSlim(0));

    public static void Notify(string queue)
    {
        var signal = For(queue);
        if (signal.CurrentCount == 0) signal.Release();
    }
}

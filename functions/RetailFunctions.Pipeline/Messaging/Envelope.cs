namespace RetailFunctions.Pipeline.Messaging;

/// <summary>
/// Every queue message: what happened, why (correlation and causation), to whom (business keys), and the payload,
/// inline when it fits the queue's 64 KiB or as a blob reference when it does not.
/// </summary>
public sealed record Envelope(
    string Id,
    string Type,
    string IdempotencyKey,
    string CorrelationId,
    string? CausationId,
    IReadOnlyDictionary<string, string> Keys,
    DateTimeOffset OccurredAt,
    string Source,
    string? Payload,
    string? PayloadBlob = null,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    public string? Key(string name) => Keys.TryGetValue(name, out var value) ? value : null;

    public string? Header(string name) => Headers is not null && Headers.TryGetValue(name, out var value) ? value : null;
}

public static class MessageTypes
{
    public const string ShopifyWebhookReceived = "shopify.webhook.received";
    public const string PosBatchReceived = "pos.batch.received";
    public const string AvailabilityChanged = "inventory.availability.changed";
    public const string ReservationDue = "inventory.reservation.due";
    public const string OrderCommand = "order.command";
    public const string OrderEvent = "order.event";
    public const string StorePickRequested = "store.pick.requested";
}

/// <summary>Business key names used on envelopes, exceptions and telemetry.</summary>
public static class BusinessKeys
{
    public const string Shop = "shop";
    public const string Topic = "topic";
    public const string Store = "store";
    public const string Order = "order";
    public const string Transaction = "transaction";
    public const string Customer = "customer";
    public const string Sku = "sku";
    public const string Location = "location";
    public const string Batch = "batch";
    /// <summary>The blob a POS batch was uploaded to, so its handler can open it while it reads the batch row.</summary>
    public const string Upload = "upload";
}

/// <summary>A message as a worker sees it: the envelope plus the delivery facts the queue adds.</summary>
public sealed record ReceivedMessage(Envelope Envelope, string Queue, long DequeueCount, DateTimeOffset? InsertedOn)
{
    /// <summary>Extends the message's invisibility while a long job (a large POS batch) is still working on it.</summary>
    public Func<CancellationToken, Task> KeepAlive { get; init; } = _ => Task.CompletedTask;
}

/// <summary>What a handler concluded. Exceptions mean "try again later"; Poison means "never succeed, park it".</summary>
public abstract record HandlerOutcome
{
    public sealed record Completed(string Summary) : HandlerOutcome;
    public sealed record Poison(string Reason, string? ExceptionType = null) : HandlerOutcome;
}

public static class EnvelopePayloads
{
    /// <summary>The payload as text, read back from its blob when it was too large for the queue.</summary>
    public static async Task<string?> TextAsync(Envelope envelope, Ports.IBlobStore blobs, CancellationToken ct) =>
        envelope.Payload ?? (envelope.PayloadBlob is { } blob
            ? System.Text.Encoding.UTF8.GetString((await blobs.ReadAsync(ContainerNames.LargePayloads, blob, ct)).Span)
            : null);
}

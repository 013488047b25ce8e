using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Core.Messaging;

/// <summary>
/// Envelope to Service Bus message and back. The body is the whole envelope as JSON, exactly as the local runtime
/// puts it on a Storage queue, so a handler cannot tell the transports apart. The broker-visible fields repeat what
/// operators filter on: the idempotency key is the message id (the queue's duplicate detection then drops a resend),
/// the correlation id, the type as subject, and the business keys as application properties.
/// </summary>
public static class BrokerMessages
{
    /// <summary>Service Bus Standard takes 256 KiB per message; this leaves room for the properties and headers.</summary>
    public const int MaxInlineBytes = 192 * 1024;

    /// <summary>The broker's limit on a message id.</summary>
    public const int MaxMessageIdLength = 128;

    public const string JsonContentType = "application/json";
    public const string TypeProperty = "type";
    public const string SourceProperty = "source";
    public const string EnvelopeIdProperty = "envelopeId";
    public const string CausationProperty = "causationId";
    public const string PayloadBlobProperty = "payloadBlob";
    public const string KeyPrefix = "key.";

    public static readonly JsonSerializerOptions Json = EnvelopeJson.Options;

    /// <summary>The message for an envelope; a delay becomes a scheduled enqueue time counted from <paramref name="now"/>.</summary>
    public static BrokerMessage ToBroker(Envelope envelope, DateTimeOffset now, TimeSpan? delay = null)
    {
        var properties = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [TypeProperty] = envelope.Type,
            [SourceProperty] = envelope.Source,
            [EnvelopeIdProperty] = envelope.Id,
        };
        if (envelope.CausationId is { } causation) properties[CausationProperty] = causation;
        if (envelope.PayloadBlob is { } blob) properties[PayloadBlobProperty] = blob;
        foreach (var (name, value) in envelope.Keys) properties[KeyPrefix + name] = value;

        return new BrokerMessage(
            MessageIdFor(envelope),
            envelope.CorrelationId,
            envelope.Type,
            JsonContentType,
            JsonSerializer.Serialize(envelope, Json),
            properties,
            delay is { } d && d > TimeSpan.Zero ? now + d : null);
    }

    /// <summary>The envelope a message carries; JsonException when the body is not one.</summary>
    public static Envelope ToEnvelope(BrokerMessage message) =>
        JsonSerializer.Deserialize<Envelope>(message.Body, Json) is { Id: not null, Type: not null, Keys: not null } envelope
            ? envelope
            : throw new JsonException($"message {message.MessageId} is not an envelope");

    /// <summary>The envelope, or null when the message does not carry one (the trigger then dead-letters it).</summary>
    public static Envelope? TryReadEnvelope(BrokerMessage message)
    {
        try
        {
            return ToEnvelope(message);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Whether the envelope, as JSON, is too large to travel inline and its payload must go to a blob first.</summary>
    public static bool NeedsBlob(Envelope envelope) =>
        envelope.Payload is not null && Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(envelope, Json)) > MaxInlineBytes;

    /// <summary>The blob a spilled payload goes to: one per queue and envelope, as the local sender names it.</summary>
    public static string BlobNameFor(string queue, Envelope envelope) => $"{queue}/{envelope.Id}";

    /// <summary>
    /// The idempotency key; an operator's replay (a dead letter or an archived webhook sent again) adds its replay
    /// source, so duplicate detection does not drop the replay as a resend of the original within the window.
    /// </summary>
    public static string MessageIdFor(Envelope envelope) =>
        envelope.Header(ShopifyEnvelopes.ReplayHeader) is { } replay
            ? MessageIdFor($"{envelope.IdempotencyKey}|replay:{replay}")
            : MessageIdFor(envelope.IdempotencyKey);

    /// <summary>
    /// The idempotency key itself when the broker accepts it; a longer key becomes its SHA-256 (hex), which is just as
    /// stable, so duplicate detection still recognises a resend.
    /// </summary>
    public static string MessageIdFor(string idempotencyKey) =>
        idempotencyKey.Length is > 0 and <= MaxMessageIdLength
            ? idempotencyKey
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));
}

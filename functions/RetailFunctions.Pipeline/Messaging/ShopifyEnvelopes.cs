using System.Globalization;
using RetailFunctions.Domain.Canonical;

namespace RetailFunctions.Pipeline.Messaging;

/// <summary>The Shopify webhook headers we require or keep, and how a delivery travels in an envelope.</summary>
public static class ShopifyHeaders
{
    public const string Hmac = "X-Shopify-Hmac-Sha256";
    public const string Topic = "X-Shopify-Topic";
    public const string ShopDomain = "X-Shopify-Shop-Domain";
    public const string WebhookId = "X-Shopify-Webhook-Id";
    public const string EventId = "X-Shopify-Event-Id";
    public const string TriggeredAt = "X-Shopify-Triggered-At";
    public const string ApiVersion = "X-Shopify-API-Version";

    public static readonly string[] Required = [Topic, ShopDomain, WebhookId];
    public static readonly string[] Kept = [Topic, ShopDomain, WebhookId, EventId, TriggeredAt, ApiVersion];
}

public static class ShopifyEnvelopes
{
    public const string PanMaskedHeader = "X-RetailFunctions-Pan-Masked";

    /// <summary>The envelope for a verified delivery; its idempotency key is the webhook id Shopify repeats on retries.</summary>
    public static Envelope Create(IReadOnlyDictionary<string, string> headers, string? body, string? bodyBlob, DateTimeOffset receivedAt, int pansMasked)
    {
        var shop = headers[ShopifyHeaders.ShopDomain];
        var webhookId = headers[ShopifyHeaders.WebhookId];
        var kept = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        if (pansMasked > 0)
            kept[PanMaskedHeader] = pansMasked.ToString(CultureInfo.InvariantCulture);
        return new Envelope(
            Id: Guid.CreateVersion7(receivedAt).ToString("N"),
            Type: MessageTypes.ShopifyWebhookReceived,
            IdempotencyKey: $"shopify:{shop}:webhook:{webhookId}",
            CorrelationId: webhookId,
            CausationId: headers.GetValueOrDefault(ShopifyHeaders.EventId),
            Keys: new Dictionary<string, string> { [BusinessKeys.Shop] = shop, [BusinessKeys.Topic] = headers[ShopifyHeaders.Topic] },
            OccurredAt: receivedAt,
            Source: SourceSystems.Shopify,
            Payload: body,
            PayloadBlob: bodyBlob,
            Headers: kept);
    }

    public static ShopifyDelivery ReadDelivery(Envelope envelope)
    {
        string Required(string name) => envelope.Header(name)
            ?? throw new PayloadException(name, "header missing from the queued envelope");
        var triggeredAt = DateTimeOffset.TryParse(envelope.Header(ShopifyHeaders.TriggeredAt), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
        return new ShopifyDelivery(
            Required(ShopifyHeaders.ShopDomain),
            Required(ShopifyHeaders.Topic),
            Required(ShopifyHeaders.WebhookId),
            envelope.Header(ShopifyHeaders.EventId),
            triggeredAt,
            envelope.Header(ShopifyHeaders.ApiVersion));
    }

    /// <summary>Raw archive path: by shop and arrival day, named by webhook id so a retry overwrites nothing.</summary>
    public static string ArchiveBlobName(ShopifyDelivery delivery, DateTimeOffset receivedAt) =>
        $"shopify/{Safe(delivery.ShopDomain)}/{receivedAt.UtcDateTime:yyyy/MM/dd}/{Safe(delivery.WebhookId)}.json";

    private static string Safe(string value) => string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
}

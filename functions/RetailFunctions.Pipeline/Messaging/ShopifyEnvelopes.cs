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
    /// <summary>Marks an envelope put back through the pipeline on purpose: not a duplicate to drop.</summary>
    public const string ReplayHeader = "X-RetailFunctions-Replay";

    public static Envelope MarkReplay(Envelope envelope, string source)
    {
        var headers = new Dictionary<string, string>(envelope.Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            [ReplayHeader] = source,
        };
        return envelope with { Headers = headers };
    }

    public static bool IsReplay(Envelope envelope) => envelope.Header(ReplayHeader) is not null;

    /// <summary>Blob metadata names must be identifiers: the delivery's headers as they are kept with the raw archive.</summary>
    public static IReadOnlyDictionary<string, string> ArchiveMetadata(Envelope envelope) =>
        ShopifyHeaders.Kept.Where(h => envelope.Header(h) is not null)
            .ToDictionary(h => MetadataName(h), h => envelope.Header(h)!);

    public static IReadOnlyDictionary<string, string>? HeadersFromArchive(IReadOnlyDictionary<string, string> metadata)
    {
        var headers = ShopifyHeaders.Kept
            .Where(h => metadata.Keys.Any(k => string.Equals(k, MetadataName(h), StringComparison.OrdinalIgnoreCase)))
            .ToDictionary(h => h, h => metadata.First(kv => string.Equals(kv.Key, MetadataName(h), StringComparison.OrdinalIgnoreCase)).Value,
                StringComparer.OrdinalIgnoreCase);
        return ShopifyHeaders.Required.All(headers.ContainsKey) ? headers : null;
    }

    private static string MetadataName(string header) => header.Replace("X-Shopify-", "shopify_", StringComparison.OrdinalIgnoreCase).Replace('-', '_').ToLowerInvariant();

    /// <summary>Whether an archive blob's day folder (prefix/yyyy/MM/dd/...) falls within the range.</summary>
    public static bool ArchivedWithin(string name, string prefix, DateTimeOffset? from, DateTimeOffset? to)
    {
        var rest = name[prefix.Length..].Split('/');
        if (rest.Length < 4 || !DateOnly.TryParseExact($"{rest[0]}-{rest[1]}-{rest[2]}", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return false;
        return (from is null || day >= DateOnly.FromDateTime(from.Value.UtcDateTime)) && (to is null || day <= DateOnly.FromDateTime(to.Value.UtcDateTime));
    }

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
        $"shopify/{SafeName(delivery.ShopDomain)}/{receivedAt.UtcDateTime:yyyy/MM/dd}/{SafeName(delivery.WebhookId)}.json";

    public static string SafeName(string value) => string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
}

using System.Text;
using System.Text.Json;
using RetailFunctions.Host.Settings;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Api;

/// <summary>
/// The ingestion edge: verify, bound, refuse when overloaded, mask card numbers, and make the delivery durable with
/// as little work as possible before answering. Everything else happens in the queue workers.
/// </summary>
public static class IngestionEndpoints
{
    public static void MapIngestion(this IEndpointRouteBuilder api)
    {
        api.MapPost("/webhooks/shopify", ReceiveShopifyWebhook)
            .WithSummary("Shopify webhook receiver")
            .WithDescription("Verifies X-Shopify-Hmac-Sha256 over the raw body, enqueues the delivery and answers 200 once it is durable. " +
                "Requires X-Shopify-Topic, X-Shopify-Shop-Domain and X-Shopify-Webhook-Id.")
            .Produces(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/pos/transactions", ReceivePosBatch)
            .WithSummary("POS batch upload (ARTS POSLog XML or the JSON batch format)")
            .WithDescription("Archives the batch (card numbers masked) and answers 202 with a batch id; transactions are processed in chunks. " +
                "Content-Type application/xml or application/json.")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> ReceiveShopifyWebhook(
        HttpContext context, RuntimeSettings settings, BacklogMonitor backlog, IMessageSender sender, TimeProvider clock, CancellationToken ct)
    {
        using var body = await Http.ReadBoundedAsync(context.Request, settings.ShopifyMaxBodyBytes, ct);
        if (body is null) return Http.TooLarge(settings.ShopifyMaxBodyBytes);
        var raw = new ReadOnlyMemory<byte>(body.GetBuffer(), 0, (int)body.Length);

        var signature = context.Request.Headers[ShopifyHeaders.Hmac].FirstOrDefault();
        if (!ShopifyHmac.IsValid(raw.Span, signature, settings.ShopifyWebhookSecrets))
            return Http.Problem(StatusCodes.Status401Unauthorized, "Invalid webhook signature",
                signature is null ? $"{ShopifyHeaders.Hmac} header is missing" : $"{ShopifyHeaders.Hmac} does not match the body for any configured secret",
                ShopifyHeaders.Hmac);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ShopifyHeaders.Kept)
        {
            if (context.Request.Headers[name].FirstOrDefault() is { Length: > 0 } value) headers[name] = value;
        }
        if (ShopifyHeaders.Required.FirstOrDefault(h => !headers.ContainsKey(h)) is { } missing)
            return Http.Problem(StatusCodes.Status400BadRequest, "Missing webhook header", $"{missing} is required", missing);
        if (JsonShape.ObjectError(raw.Span) is { } notJson)
            return Http.Problem(StatusCodes.Status400BadRequest, "Body is not a JSON object", notJson, "body");

        if (backlog.Overload(QueueNames.ShopifyWebhooks) is { } overload)
            return Http.Overloaded(context, overload, settings.BackpressureRetryAfterSeconds);

        // The signature was checked on the bytes as sent; masking happens after, before anything is written.
        var masked = PanMasker.MaskShopifyJson(raw);
        var envelope = ShopifyEnvelopes.Create(headers, Encoding.UTF8.GetString(masked.Body.Span), null, clock.GetUtcNow(), masked.Masked);
        await sender.SendAsync(QueueNames.ShopifyWebhooks, envelope, ct);
        return Results.Ok(new { accepted = true, messageId = envelope.Id, webhookId = headers[ShopifyHeaders.WebhookId] });
    }

    private static async Task<IResult> ReceivePosBatch(
        HttpContext context, string? store, RuntimeSettings settings, BacklogMonitor backlog, BlobStore blobs,
        IPosBatchStore batches, IMessageSender sender, TimeProvider clock, CancellationToken ct)
    {
        var mediaType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var format = mediaType switch
        {
            "application/xml" or "text/xml" => PosFormats.Xml,
            "application/json" => PosFormats.Json,
            _ => null,
        };
        if (format is null)
            return Http.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"'{mediaType ?? "(none)"}' is not accepted: send application/xml (ARTS POSLog) or application/json (JSON batch)", "Content-Type");
        if (backlog.Overload(QueueNames.PosBatches) is { } overload)
            return Http.Overloaded(context, overload, settings.BackpressureRetryAfterSeconds);

        using var body = await Http.ReadBoundedAsync(context.Request, settings.PosMaxBodyBytes, ct);
        if (body is null) return Http.TooLarge(settings.PosMaxBodyBytes);

        MaskedUpload upload;
        try
        {
            upload = format == PosFormats.Xml ? MaskXml(body) : MaskJson(body);
        }
        catch (PayloadException invalid)
        {
            return Http.Problem(StatusCodes.Status400BadRequest, "Unreadable POS batch", invalid.Reason, invalid.Field);
        }

        var receivedAt = clock.GetUtcNow();
        var batchId = Guid.CreateVersion7(receivedAt).ToString("N");
        var blobName = $"{receivedAt.UtcDateTime:yyyy/MM/dd}/{batchId}.{(format == PosFormats.Xml ? "xml" : "json")}";
        await blobs.UploadAsync(ContainerNames.PosUploads, blobName, upload.Content, mediaType!, ct);
        await batches.CreateAsync(new PosBatch(batchId, store, format, blobName, PosBatchStatuses.Received, upload.Transactions,
            0, 0, 0, 0, 0, upload.PansMasked, receivedAt, null), ct);
        await sender.SendAsync(QueueNames.PosBatches, PosBatchEnvelopes.Received(batchId, blobName, store, correlationId: batchId, receivedAt, "pos"), ct);

        return Results.Accepted($"/api/pos/batches/{batchId}", new
        {
            batchId,
            status = PosBatchStatuses.Received,
            transactions = upload.Transactions,
            cardNumbersMasked = upload.PansMasked,
            statusUrl = $"/api/pos/batches/{batchId}",
        });
    }

    private sealed record MaskedUpload(Stream Content, int Transactions, int PansMasked);

    private static MaskedUpload MaskXml(MemoryStream body)
    {
        var output = new MemoryStream((int)body.Length + 1024);
        var report = PanMasker.MaskPosLogXml(body, output);
        output.Position = 0;
        return new MaskedUpload(output, report.Transactions, report.Masked);
    }

    private static MaskedUpload MaskJson(MemoryStream body)
    {
        var raw = new ReadOnlyMemory<byte>(body.GetBuffer(), 0, (int)body.Length);
        var transactions = JsonShape.CountTransactions(raw.Span);
        var masked = PanMasker.MaskPosJson(raw);
        return new MaskedUpload(new MemoryStream(masked.Body.ToArray()), transactions, masked.Masked);
    }
}

/// <summary>Cheap structural checks of JSON bodies at the edge, without building a document.</summary>
public static class JsonShape
{
    /// <summary>Null when the bytes are one well-formed JSON object; otherwise what is wrong, with its position.</summary>
    public static string? ObjectError(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 128 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return "the body must be a JSON object";
            reader.Skip();
            return reader.Read() ? "unexpected content after the JSON object" : null;
        }
        catch (JsonException e)
        {
            return $"malformed JSON at byte {e.BytePositionInLine}, line {e.LineNumber + 1}: {e.Message}";
        }
    }

    /// <summary>The number of entries of the batch's "transactions" array; PayloadException when there is none.</summary>
    public static int CountTransactions(ReadOnlySpan<byte> utf8)
    {
        if (ObjectError(utf8) is { } error) throw new PayloadException("body", error);
        using var document = JsonDocument.Parse(utf8.ToArray());
        if (!document.RootElement.TryGetProperty("transactions", out var transactions) || transactions.ValueKind != JsonValueKind.Array)
            throw new PayloadException("transactions", "the batch must have a \"transactions\" array");
        return transactions.GetArrayLength();
    }
}

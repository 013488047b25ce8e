using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RetailFunctions.Pipeline.Security;

public static partial class PanMasker
{
    private enum JsonProfile
    {
        Shopify,
        Pos,
    }

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Keep non-ASCII text (names, "•••• 1234") as it was rather than \u-escaping it.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Masks PANs in the free-text places of a Shopify webhook body (notes, addresses, company, note_attributes
    /// and line-item properties values, card/account fields), never in ids, tokens, phones, names or numbers.
    /// Returns the input itself, unparsed, when no PAN-shaped digits appear anywhere: the common case.
    /// </summary>
    public static MaskedBody MaskShopifyJson(ReadOnlyMemory<byte> body) => MaskJson(body, JsonProfile.Shopify);

    /// <summary>Masks PANs in a POS JSON batch: tender <c>account</c>/<c>cardNumber</c>, <c>notes</c>/<c>comment</c> text.</summary>
    public static MaskedBody MaskPosJson(ReadOnlyMemory<byte> body) => MaskJson(body, JsonProfile.Pos);

    private static MaskedBody MaskJson(ReadOnlyMemory<byte> body, JsonProfile profile)
    {
        if (!ContainsPan(body.Span))
            return new MaskedBody(body, 0);

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span);
        }
        catch (JsonException ex)
        {
            throw new PayloadException(ex.Path ?? "$", $"invalid JSON: {ex.Message}");
        }

        var masked = MaskNode(root, profile);
        if (masked == 0)
            return new MaskedBody(body, 0);

        var buffer = new ArrayBufferWriter<byte>(body.Length);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            root!.WriteTo(writer);
        return new MaskedBody(buffer.WrittenMemory, masked);
    }

    private static int MaskNode(JsonNode? node, JsonProfile profile) => node switch
    {
        JsonObject obj => MaskObject(obj, profile),
        JsonArray array => array.Sum(item => MaskNode(item, profile)),
        _ => 0,
    };

    private static int MaskObject(JsonObject obj, JsonProfile profile)
    {
        var masked = 0;
        List<(string Key, string Value)>? replacements = null;
        foreach (var (key, child) in obj)
        {
            if (IsProtectedKey(key, profile))
                continue;
            if (child is JsonValue value && IsCardDataKey(key, profile) && MaskValue(value, profile) is { } text)
            {
                (replacements ??= []).Add((key, text.Text));
                masked += text.Masked;
            }
            else if (child is JsonArray list && IsAttributeList(key, profile))
            {
                masked += MaskAttributeList(list, profile);
            }
            else
            {
                masked += MaskNode(child, profile);
            }
        }
        foreach (var (key, text) in replacements ?? [])
            obj[key] = text;
        return masked;
    }

    // note_attributes / properties are [{ "name": ..., "value": ... }]: the value is what a shopper typed.
    private static int MaskAttributeList(JsonArray list, JsonProfile profile)
    {
        var masked = 0;
        foreach (var item in list)
        {
            if (item is not JsonObject entry)
                continue;
            if (entry["value"] is JsonValue value && MaskValue(value, profile) is { } text)
            {
                entry["value"] = text.Text;
                masked += text.Masked;
            }
        }
        return masked;
    }

    /// <summary>The masked text when masking changed the value; null when there was nothing to mask.</summary>
    private static (string Text, int Masked)? MaskValue(JsonValue value, JsonProfile profile)
    {
        string? raw = value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            // A card number sent as a JSON number in a POS card field is still a card number.
            JsonValueKind.Number when profile == JsonProfile.Pos => value.ToJsonString(),
            _ => null,
        };
        if (raw is null)
            return null;
        var result = MaskText(raw);
        return result.Masked > 0 ? result : null;
    }

    private static bool IsProtectedKey(string key, JsonProfile profile) => profile switch
    {
        JsonProfile.Shopify => key is "id" or "admin_graphql_api_id" or "token" or "phone" or "number" or "name" or "order_number"
            || key.EndsWith("_id", StringComparison.Ordinal)
            || key.EndsWith("_token", StringComparison.Ordinal),
        _ => false,
    };

    private static bool IsCardDataKey(string key, JsonProfile profile) => profile switch
    {
        JsonProfile.Shopify => key is "note" or "customer_note" or "address1" or "address2" or "company"
            || key.Contains("card_number", StringComparison.Ordinal)
            || key.Contains("account_number", StringComparison.Ordinal)
            || key.Contains("pan", StringComparison.Ordinal),
        _ => key is "account" or "cardNumber" or "accountNumber" or "notes" or "note" or "comment",
    };

    private static bool IsAttributeList(string key, JsonProfile profile) =>
        profile == JsonProfile.Shopify && key is "note_attributes" or "properties";
}

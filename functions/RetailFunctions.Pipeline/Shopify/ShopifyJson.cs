using System.Globalization;
using System.Text.Json;

namespace RetailFunctions.Pipeline.Shopify;

/// <summary>
/// Field readers for Shopify payloads. Every failure names the JSON path. Ids are taken from the JSON text as
/// written, so a 64-bit id never passes through double; money arrives as "199.00" or 199.0 and both become decimal.
/// </summary>
internal static class ShopifyJson
{
    private const NumberStyles MoneyStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    public static string Path(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>The property, or null when absent or JSON null: Shopify sends both for "no value".</summary>
    public static JsonElement? Get(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string RequiredId(JsonElement obj, string key, string at) =>
        OptionalId(obj, key, at) ?? throw new PayloadException(Path(at, key), "missing");

    public static string? OptionalId(JsonElement obj, string key, string at)
    {
        if (Get(obj, key) is not { } value)
            return null;
        return value.ValueKind switch
        {
            // The raw text, checked to be an integer: exact for ids beyond 2^53.
            JsonValueKind.Number when value.TryGetInt64(out _) || value.TryGetUInt64(out _) => value.GetRawText(),
            JsonValueKind.String when value.GetString() is { Length: > 0 } text => text,
            JsonValueKind.String => null,
            _ => throw new PayloadException(Path(at, key), $"expected an integer id, found {Describe(value)}"),
        };
    }

    public static string? String(JsonElement obj, string key, string at)
    {
        if (Get(obj, key) is not { } value)
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : null,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new PayloadException(Path(at, key), $"expected a string, found {Describe(value)}"),
        };
    }

    public static decimal RequiredDecimal(JsonElement obj, string key, string at) =>
        OptionalDecimal(obj, key, at) ?? throw new PayloadException(Path(at, key), "missing");

    public static decimal? OptionalDecimal(JsonElement obj, string key, string at)
    {
        if (Get(obj, key) is not { } value)
            return null;
        return value.ValueKind switch
        {
            // GetDecimal parses the UTF-8 number text directly: no double rounding.
            JsonValueKind.Number when value.TryGetDecimal(out var number) => number,
            JsonValueKind.String when value.GetString() is { } text
                && decimal.TryParse(text.Trim(), MoneyStyle, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonValueKind.String when string.IsNullOrWhiteSpace(value.GetString()) => null,
            _ => throw new PayloadException(Path(at, key), $"expected a decimal number, found {Describe(value)}"),
        };
    }

    public static bool? Bool(JsonElement obj, string key, string at)
    {
        if (Get(obj, key) is not { } value)
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new PayloadException(Path(at, key), $"expected true or false, found {Describe(value)}"),
        };
    }

    public static DateTimeOffset? Timestamp(JsonElement obj, string key, string at)
    {
        if (String(obj, key, at) is not { } text)
            return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new PayloadException(Path(at, key), $"'{text}' is not an ISO 8601 timestamp");
    }

    public static JsonElement? Object(JsonElement obj, string key, string at)
    {
        if (Get(obj, key) is not { } value)
            return null;
        return value.ValueKind == JsonValueKind.Object
            ? value
            : throw new PayloadException(Path(at, key), $"expected an object, found {Describe(value)}");
    }

    /// <summary>Each element of an array property with its path; an absent array is empty.</summary>
    public static IEnumerable<(JsonElement Item, string At)> Array(JsonElement obj, string key, string at)
    {
        if (Get(obj, key) is not { } value)
            return [];
        if (value.ValueKind != JsonValueKind.Array)
            throw new PayloadException(Path(at, key), $"expected an array, found {Describe(value)}");
        return value.EnumerateArray().Select((item, i) => (item, Index(Path(at, key), i)));
    }

    /// <summary>Each element of an array property that must hold objects.</summary>
    public static IEnumerable<(JsonElement Item, string At)> Objects(JsonElement obj, string key, string at) =>
        Array(obj, key, at).Select(entry => entry.Item.ValueKind == JsonValueKind.Object
            ? entry
            : throw new PayloadException(entry.At, $"expected an object, found {Describe(entry.Item)}"));

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RetailFunctions.Pipeline.Privacy;

/// <summary>
/// Removes a shopper's personal data from one stored copy, whatever its format, as a pure function of the text.
/// <list type="bullet">
/// <item>JSON: an object is the shopper's when one of its identifier fields names them (email, phone, loyalty id, the
/// Shopify customer id under <c>customer</c>, an order id), or when its <c>customer</c> does. In such an object every
/// personal field (names, contacts, addresses, notes, the customer reference, the ship-to point) becomes null, at any
/// depth, so the document keeps its shape and replays still parse. Money, lines and quantities stay.</item>
/// <item>A JSON string that holds JSON (an envelope's payload, a dead letter's envelope) is redacted as a document.</item>
/// <item>Any other text (a POSLog XML upload, an exception's detail, a free-text note): every email or phone that
/// normalizes to the shopper's, their loyalty ids and their names as whole words become <see cref="Mask"/>.</item>
/// </list>
/// </summary>
public static partial class PersonalDataRedactor
{
    public const string Mask = "[redacted]";

    private static readonly HashSet<string> EmailKeys = ["email", "contactemail", "customeremail"];
    private static readonly HashSet<string> PhoneKeys = ["phone", "customerphone"];
    private static readonly HashSet<string> LoyaltyKeys = ["loyaltyid", "loyaltycard", "loyaltynumber"];
    private static readonly HashSet<string> CustomerIdKeys = ["customerid", "channelcustomerid"];
    private static readonly HashSet<string> OrderIdKeys = ["orderid", "originalorderid"];

    /// <summary>Fields that are personal in an object that is the shopper's (keys compared without case, '_' or '-').</summary>
    private static readonly HashSet<string> PersonalKeys =
    [
        .. EmailKeys, .. PhoneKeys, .. LoyaltyKeys, .. CustomerIdKeys,
        "customer", "firstname", "lastname", "customername", "note", "notes", "browserip", "clientdetails",
        "billingaddress", "shippingaddress", "defaultaddress", "addresses", "address", "shipto", "destination", "noteattributes",
    ];

    /// <summary>The redacted text, or null when the copy holds nothing of the shopper's.</summary>
    public static string? Redact(string text, ErasureTarget target, bool wholeDocument = false, string? topic = null) =>
        Redact(text, target, wholeDocument, topic, nested: false);

    private static string? Redact(string text, ErasureTarget target, bool wholeDocument, string? topic, bool nested)
    {
        if (ParseJson(text) is { } node)
        {
            var changed = Walk(node, null, wholeDocument, target, wholeDocument, RootIsCustomer(topic));
            return changed ? node.ToJsonString() : null;
        }
        var redacted = RedactText(text, target, withNames: !nested);
        return ReferenceEquals(redacted, text) ? null : redacted;
    }

    private static bool RootIsCustomer(string? topic) => topic is not null && topic.StartsWith("customers/", StringComparison.Ordinal);

    private static JsonNode? ParseJson(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] is not ('{' or '[')) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Redacts a node in place; true when anything changed.</summary>
    private static bool Walk(JsonNode? node, string? key, bool named, ErasureTarget target, bool wholeDocument, bool rootIsCustomer)
    {
        switch (node)
        {
            case JsonObject obj:
                named = named || Names(obj, key, target, rootIsCustomer);
                var changed = false;
                foreach (var (name, value) in obj.ToList())
                {
                    var normalized = Normalize(name);
                    if (named && PersonalKeys.Contains(normalized))
                    {
                        if (value is null) continue;
                        obj[name] = null;
                        changed = true;
                    }
                    else changed |= Walk(value, normalized, named, target, wholeDocument, false);
                }
                return changed;
            case JsonArray array:
                var any = false;
                foreach (var item in array) any |= Walk(item, key, named, target, wholeDocument, false);
                return any;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var redacted = Redact(text, target, wholeDocument, null, nested: true);
                if (redacted is null) return false;
                value.ReplaceWith(JsonValue.Create(redacted));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether the object's own identifier fields, or its customer's, name the shopper.</summary>
    private static bool Names(JsonObject obj, string? key, ErasureTarget target, bool rootIsCustomer)
    {
        var isCustomer = key == "customer" || rootIsCustomer;
        foreach (var (name, value) in obj)
        {
            var normalized = Normalize(name);
            if (normalized == "customer" && value is JsonObject customer && Names(customer, "customer", target, false)) return true;
            if (Scalar(value) is not { } text) continue;
            if (EmailKeys.Contains(normalized) && target.IsEmail(text)) return true;
            if (PhoneKeys.Contains(normalized) && target.IsPhone(text)) return true;
            if (LoyaltyKeys.Contains(normalized) && target.LoyaltyIds.Contains(text.Trim())) return true;
            if ((CustomerIdKeys.Contains(normalized) || (isCustomer && normalized == "id")) && target.CustomerIds.Contains(text)) return true;
            if (OrderIdKeys.Contains(normalized) && target.OrderIds.Contains(text)) return true;
            // A Shopify order names its id at its root, beside its lines.
            if (normalized == "id" && obj.ContainsKey("line_items") && target.OrderIds.Contains(text)) return true;
        }
        return false;
    }

    private static string? Scalar(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;

    private static string Normalize(string key) => key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>
    /// Free text: the shopper's emails, phones and loyalty ids masked; the same instance when none was found. Their
    /// names are masked too, as whole words, but only in a text that names them by an identifier, so another shopper
    /// of the same name keeps theirs.
    /// </summary>
    public static string RedactText(string text, ErasureTarget target, bool withNames = true)
    {
        var result = EmailPattern().Replace(text, m => target.IsEmail(m.Value) ? Mask : m.Value);
        result = PhonePattern().Replace(result, m => target.IsPhone(m.Value) ? Mask : m.Value);
        foreach (var id in target.LoyaltyIds) result = Replace(result, id, ignoreCase: false);
        if (result == text) return text;
        if (withNames)
            foreach (var word in target.Words) result = Replace(result, word, ignoreCase: true);
        return result;
    }

    private static string Replace(string text, string word, bool ignoreCase) =>
        Regex.Replace(text, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(word)}(?![\p{{L}}\p{{N}}])", Mask,
            ignoreCase ? RegexOptions.IgnoreCase | RegexOptions.CultureInvariant : RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+")]
    private static partial Regex EmailPattern();

    /// <summary>A run that could be a phone number: an optional '+', then digits with the separators people write.</summary>
    [GeneratedRegex(@"(?<![\d])\+?\(?\d[\d \-().]{5,20}\d(?![\d])")]
    private static partial Regex PhonePattern();
}

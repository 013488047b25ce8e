using System.Text.Json;
using RetailFunctions.Pipeline.Shopify;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// Shopify's mandatory customers/redact compliance webhook: <c>{"shop_id", "shop_domain", "customer": {"id", "email",
/// "phone"}, "orders_to_redact": [...]}</c>. Ids are 64-bit and read as text, never through double.
/// </summary>
public sealed record ShopifyCustomerRedact(string? ShopId, string ShopDomain, string? CustomerId, string? Email, string? Phone, IReadOnlyList<string> OrdersToRedact)
{
    public const string Topic = "customers/redact";

    /// <summary>Reads the payload, or throws <see cref="PayloadException"/> naming the field that is missing or malformed.</summary>
    public static ShopifyCustomerRedact Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new PayloadException("$", $"not JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new PayloadException("$", "expected an object");
            var shopDomain = Text(root, "shop_domain") ?? throw new PayloadException("shop_domain", "required");
            if (!root.TryGetProperty("customer", out var customer) || customer.ValueKind != JsonValueKind.Object)
                throw new PayloadException("customer", "required");
            var customerId = Text(customer, "id");
            var email = Text(customer, "email");
            var phone = Text(customer, "phone");
            if (customerId is null && email is null && phone is null) throw new PayloadException("customer", "names no id, email or phone");
            var orders = root.TryGetProperty("orders_to_redact", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(o => RawText(o) ?? throw new PayloadException("orders_to_redact", "expected ids")).ToList()
                : [];
            return new ShopifyCustomerRedact(Text(root, "shop_id"), shopDomain, customerId, email, phone, orders);
        }
    }

    private static string? Text(JsonElement parent, string name) => parent.TryGetProperty(name, out var value) ? RawText(value) : null;

    private static string? RawText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => string.IsNullOrWhiteSpace(value.GetString()) ? null : value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };
}

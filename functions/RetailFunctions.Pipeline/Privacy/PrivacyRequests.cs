using System.Text.Json;

namespace RetailFunctions.Pipeline.Privacy;

/// <summary>The mandatory privacy topics Shopify sends every app (payload shapes from Shopify's compliance webhooks).</summary>
public static class PrivacyTopics
{
    public const string CustomersDataRequest = "customers/data_request";
    public const string CustomersRedact = "customers/redact";
    public const string ShopRedact = "shop/redact";

    public static bool IsPrivacy(string topic) => topic is CustomersDataRequest or CustomersRedact or ShopRedact;
}

/// <summary>
/// customers/data_request: <c>{"shop_id", "shop_domain", "orders_requested": [...], "customer": {"id", "email", "phone"},
/// "data_request": {"id"}}</c>. The shop owner must receive everything held about the shopper.
/// </summary>
public sealed record ShopifyDataRequest(string? ShopId, string ShopDomain, string RequestId, string? CustomerId, string? Email, string? Phone,
    IReadOnlyList<string> OrdersRequested)
{
    public static ShopifyDataRequest Parse(ReadOnlySpan<byte> body) => PrivacyPayload.Read(body, root =>
    {
        var (id, email, phone) = PrivacyPayload.Customer(root);
        var requestId = root.TryGetProperty("data_request", out var request) && request.ValueKind == JsonValueKind.Object
            ? PrivacyPayload.Text(request, "id") ?? throw new PayloadException("data_request.id", "required")
            : throw new PayloadException("data_request", "required");
        return new ShopifyDataRequest(PrivacyPayload.Text(root, "shop_id"), PrivacyPayload.ShopDomain(root), requestId, id, email, phone,
            PrivacyPayload.Ids(root, "orders_requested"));
    });
}

/// <summary>shop/redact: <c>{"shop_id", "shop_domain"}</c>, sent 48 hours after the shop uninstalled the app.</summary>
public sealed record ShopifyShopRedact(string? ShopId, string ShopDomain)
{
    public static ShopifyShopRedact Parse(ReadOnlySpan<byte> body) =>
        PrivacyPayload.Read(body, root => new ShopifyShopRedact(PrivacyPayload.Text(root, "shop_id"), PrivacyPayload.ShopDomain(root)));
}

/// <summary>Reading the privacy payloads: ids are 64-bit and read as text, never through double; a bad field is named.</summary>
public static class PrivacyPayload
{
    public static T Read<T>(ReadOnlySpan<byte> body, Func<JsonElement, T> read)
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
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new PayloadException("$", "expected an object");
            return read(document.RootElement);
        }
    }

    public static string ShopDomain(JsonElement root) => Text(root, "shop_domain") ?? throw new PayloadException("shop_domain", "required");

    /// <summary>The shopper the request is about: at least one of id, email, phone.</summary>
    public static (string? Id, string? Email, string? Phone) Customer(JsonElement root)
    {
        if (!root.TryGetProperty("customer", out var customer) || customer.ValueKind != JsonValueKind.Object)
            throw new PayloadException("customer", "required");
        var (id, email, phone) = (Text(customer, "id"), Text(customer, "email"), Text(customer, "phone"));
        if (id is null && email is null && phone is null) throw new PayloadException("customer", "names no id, email or phone");
        return (id, email, phone);
    }

    public static IReadOnlyList<string> Ids(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(o => RawText(o) ?? throw new PayloadException(name, "expected ids")).ToList()
            : [];

    public static string? Text(JsonElement parent, string name) => parent.TryGetProperty(name, out var value) ? RawText(value) : null;

    private static string? RawText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => string.IsNullOrWhiteSpace(value.GetString()) ? null : value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };
}

using RetailFunctions.Pipeline.Privacy;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// Shopify's mandatory customers/redact compliance webhook: <c>{"shop_id", "shop_domain", "customer": {"id", "email",
/// "phone"}, "orders_to_redact": [...]}</c>. Ids are 64-bit and read as text, never through double.
/// </summary>
public sealed record ShopifyCustomerRedact(string? ShopId, string ShopDomain, string? CustomerId, string? Email, string? Phone, IReadOnlyList<string> OrdersToRedact)
{
    public const string Topic = PrivacyTopics.CustomersRedact;

    /// <summary>Reads the payload, or throws <see cref="PayloadException"/> naming the field that is missing or malformed.</summary>
    public static ShopifyCustomerRedact Parse(ReadOnlySpan<byte> body) => PrivacyPayload.Read(body, root =>
    {
        var shopDomain = PrivacyPayload.ShopDomain(root);
        var (id, email, phone) = PrivacyPayload.Customer(root);
        return new ShopifyCustomerRedact(PrivacyPayload.Text(root, "shop_id"), shopDomain, id, email, phone, PrivacyPayload.Ids(root, "orders_to_redact"));
    });
}

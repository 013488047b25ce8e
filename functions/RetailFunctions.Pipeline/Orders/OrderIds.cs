using System.Text;
using RetailFunctions.Domain.Canonical;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// Canonical order ids, derived from the channel's own id so that every event about an order finds the same row
/// whatever arrives first. Readable, and safe as a Table key.
/// </summary>
public static class OrderIds
{
    public static string ForShopify(string shopDomain, string channelOrderId) =>
        Safe($"web-{shopDomain.Split('.')[0]}-{channelOrderId}");

    public static string ForReceipt(ReceiptKey receipt) => Safe($"pos-{receipt}");

    public static string ForChannel(string channel, string channelOrderId) => Safe($"{channel}-{channelOrderId}");

    /// <summary>Letters, digits, '-' and '_' only; anything else becomes '_'.</summary>
    public static string Safe(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.Trim())
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        return builder.ToString();
    }

    /// <summary>How a channel reference is looked up: case, spaces and Shopify's leading '#' do not matter.</summary>
    public static string NormalizeReference(string value) => value.Trim().TrimStart('#').ToLowerInvariant();
}

using System.Globalization;
using System.Text.Json;
using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Pipeline.Settlements;

/// <summary>What a reader passed over without importing.</summary>
public sealed class SettlementReadStats
{
    public int TestLinesSkipped { get; set; }
}

/// <summary>
/// Shopify Payments balance transactions as the Admin API lists them
/// (<c>GET /admin/api/{version}/shopify_payments/balance/transactions.json</c>: <c>{"transactions": [...]}</c>, or the
/// bare array): id, type, test, payout_id, payout_status, currency, amount, fee, net, source_id, source_type,
/// source_order_id, source_order_transaction_id, processed_at. Money comes as decimal strings ("-50.00") or numbers
/// and is read as decimal; ids are 64-bit and read from their digits, never through a double. Test transactions are
/// skipped. A line settles the order transaction <c>source_order_transaction_id</c> (its <c>source_id</c> when absent).
/// A payout statement may carry its header beside the lines (<c>{"payout": {...}, "transactions": [...]}</c>).
/// </summary>
public static class ShopifyPaymentsTransactionsReader
{
    public const string ArrayProperty = "transactions";

    /// <exception cref="PayloadException">The first field that is missing or invalid, named by its JSON path.</exception>
    public static IEnumerable<SettlementLine> Read(Stream json, string store, SettlementReadStats? stats = null)
    {
        var array = new JsonArrayStream(json, ArrayProperty);
        while (array.Next() is { } element)
        {
            var at = array.Path;
            if (element.ValueKind != JsonValueKind.Object) throw new PayloadException(at, "expected an object");
            if (element.TryGetProperty("test", out var test) && test.ValueKind == JsonValueKind.True)
            {
                if (stats is not null) stats.TestLinesSkipped++;
                continue;
            }
            var type = RequiredString(element, "type", at);
            var line = new SettlementLine(
                SettlementSources.ShopifyPayments,
                Id(element, "id", at) ?? throw new PayloadException($"{at}.id", "required"),
                type,
                Id(element, "source_order_transaction_id", at) ?? Id(element, "source_id", at),
                store,
                Money(element, "amount", at),
                Money(element, "fee", at),
                Money(element, "net", at),
                Currency(RequiredString(element, "currency", at), $"{at}.currency"),
                Timestamp(RequiredString(element, "processed_at", at), $"{at}.processed_at"),
                null,
                Id(element, "payout_id", at),
                OptionalString(element, "payout_status"),
                Id(element, "source_order_id", at),
                OptionalString(element, "source_type"));
            // A line whose net is not amount minus fee is still read: the importer books its net and raises it.
            yield return line;
        }
    }

    private static string RequiredString(JsonElement e, string name, string at) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw new PayloadException($"{at}.{name}", "required (a non-empty string)");

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>An id as its digits: numbers are taken from their raw text so 64-bit ids keep every digit.</summary>
    private static string? Id(JsonElement e, string name, string at)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
            JsonValueKind.String when v.GetString() is { Length: > 0 } s => s,
            _ => throw new PayloadException($"{at}.{name}", "expected an integer id"),
        };
    }

    private static decimal Money(JsonElement e, string name, string at)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            throw new PayloadException($"{at}.{name}", "required");
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var number)) return number;
        if (v.ValueKind == JsonValueKind.String && SettlementValues.TryMoney(v.GetString(), out var text)) return text;
        throw new PayloadException($"{at}.{name}", $"'{v.GetRawText()}' is not an amount");
    }

    internal static string Currency(string value, string at) =>
        value.Length == 3 && value.All(char.IsAsciiLetter) ? value.ToUpperInvariant() : throw new PayloadException(at, $"'{value}' is not an ISO 4217 currency code");

    internal static DateTimeOffset Timestamp(string value, string at) =>
        SettlementValues.TryTimestamp(value, out var at_) ? at_ : throw new PayloadException(at, $"'{value}' is not a timestamp");
}

/// <summary>Values as settlement exports write them.</summary>
public static class SettlementValues
{
    /// <summary>A decimal in major units with an optional sign: "-50.00", "1234.5". No exponents, no thousands separators.</summary>
    public static bool TryMoney(string? text, out decimal value) =>
        decimal.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// A whole number of minor units ("20463341", "-250") scaled by the currency's exponent: 2 for USD, 0 for JPY, 3 for KWD.
    /// </summary>
    public static bool TryMinorUnits(string? text, string currency, out decimal value)
    {
        value = 0m;
        if (!long.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var minor)) return false;
        value = minor * Domain.Finance.Currencies.MinorUnit(currency);
        return true;
    }

    /// <summary>ISO 8601 (an offset or Z; none means UTC), "yyyy-MM-dd HH:mm[:ss]" in UTC as dashboards export it, or Unix seconds.</summary>
    public static bool TryTimestamp(string? text, out DateTimeOffset value)
    {
        value = default;
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t)) return false;
        if (t.All(char.IsAsciiDigit) && long.TryParse(t, CultureInfo.InvariantCulture, out var seconds) && seconds < 100_000_000_000)
        {
            value = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}

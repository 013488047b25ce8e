using System.Text.Json;
using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Pipeline.Settlements;

/// <summary>
/// A Shopify Payments payout's header (<c>GET /shopify_payments/payouts/{id}.json</c>): what reached the bank and its
/// summary by kind of transaction, gross and fee (<c>charges_gross_amount</c>, <c>charges_fee_amount</c>, refunds,
/// adjustments, reserved funds, retried payouts).
/// </summary>
public sealed record PayoutHeader(string Id, string Currency, decimal Amount, IReadOnlyDictionary<string, decimal> Summary);

public static class ShopifyPaymentsPayout
{
    /// <summary>The summary's categories and the transaction types each one sums.</summary>
    private static readonly (string Category, string[] Types)[] Categories =
    [
        ("charges", ["charge"]),
        ("refunds", ["refund"]),
        ("adjustments", ["adjustment", "dispute", "chargeback", "chargeback_won", "application_fee_refund"]),
        ("reserved_funds", ["reserve", "reserved_funds"]),
        ("retried_payouts", ["payout_failure", "payout_cancellation"]),
    ];

    /// <summary>The <c>payout</c> object at the top of the document, if any; the transactions array is not read here.</summary>
    /// <exception cref="PayloadException">The header is there but not a payout.</exception>
    public static PayoutHeader? ReadHeader(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name != "payout")
                {
                    reader.Skip();
                    continue;
                }
                using var document = JsonDocument.ParseValue(ref reader);
                return Header(document.RootElement);
            }
        }
        catch (JsonException)
        {
            // The transactions reader names where the JSON breaks.
        }
        return null;
    }

    private static PayoutHeader Header(JsonElement payout)
    {
        if (payout.ValueKind != JsonValueKind.Object) throw new PayloadException("payout", "expected an object");
        string Text(string name) => payout.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()
            : throw new PayloadException($"payout.{name}", "required");
        decimal Money(JsonElement owner, string name, string at) =>
            owner.TryGetProperty(name, out var v) && SettlementValues.TryMoney(v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText(), out var m)
                ? m
                : throw new PayloadException($"{at}.{name}", "required (an amount)");
        var summary = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (payout.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.Object)
            foreach (var property in s.EnumerateObject())
                summary[property.Name] = Money(s, property.Name, "payout.summary");
        return new PayoutHeader(Text("id"), ShopifyPaymentsTransactionsReader.Currency(Text("currency"), "payout.currency"),
            Money(payout, "amount", "payout"), summary);
    }

    /// <summary>
    /// What the header says against what its lines add up to: the amount paid against the lines' nets (the payout's
    /// own line excluded), and each summary figure against its lines' gross or fee. Each disagreement, or none.
    /// </summary>
    public static IReadOnlyList<string> Check(PayoutHeader header, IReadOnlyList<SettlementLine> lines)
    {
        var own = lines.Where(l => l.PayoutId == header.Id).ToList();
        if (own.Count == 0) own = [.. lines];
        var problems = new List<string>();
        void Compare(string what, decimal stated, decimal summed)
        {
            if (stated != summed)
                problems.Add($"{what}: the header says {stated:0.00} {header.Currency}, its lines add up to {summed:0.00} (difference {stated - summed:0.00})");
        }
        Compare("amount paid", header.Amount, own.Where(l => l.Kind != "payout").Sum(l => l.Net));
        foreach (var (category, types) in Categories)
        {
            var members = own.Where(l => types.Contains(l.Kind)).ToList();
            if (header.Summary.TryGetValue($"{category}_gross_amount", out var gross)) Compare($"{category} gross", gross, members.Sum(l => l.Amount));
            if (header.Summary.TryGetValue($"{category}_fee_amount", out var fee)) Compare($"{category} fees", fee, members.Sum(l => l.Fee));
        }
        return problems;
    }
}

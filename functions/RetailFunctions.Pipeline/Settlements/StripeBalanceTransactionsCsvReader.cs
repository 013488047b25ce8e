using System.Text;
using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Pipeline.Settlements;

/// <summary>
/// Stripe balance transactions exported as CSV, in either layout Stripe produces: the Dashboard's balance export
/// (<c>id, Type, Source, Amount, Fee, Net, Currency, Created (UTC), Available On (UTC), Description, Transfer...</c>) or
/// the balance report (<c>balance_transaction_id, created_utc, available_on_utc, currency, gross, fee, net,
/// reporting_category, source_id, description, automatic_payout_id...</c>), both in major units; or the API's own
/// shape as data syncs and warehouses write it (<c>id, object, amount, fee, net, currency, created, available_on, type,
/// source...</c>: amounts are integers in the currency's minor unit, times are Unix seconds), told apart by its bare
/// <c>created</c> column. Headers are matched by name, in any order and case. A line settles its source (a charge
/// <c>ch_</c>/<c>py_</c> or a refund <c>re_</c>/<c>pyr_</c>). A <c>store (metadata)</c> column, when present, names the store.
/// </summary>
public static class StripeBalanceTransactionsCsvReader
{
    private static readonly Dictionary<string, string[]> Columns = new()
    {
        ["id"] = ["id", "balance_transaction_id"],
        ["type"] = ["type", "reporting_category"],
        ["source"] = ["source", "source_id"],
        ["amount"] = ["amount", "gross"],
        ["fee"] = ["fee"],
        ["net"] = ["net"],
        ["currency"] = ["currency"],
        ["created"] = ["created (utc)", "created_utc", "created"],
        ["available"] = ["available on (utc)", "available_on_utc", "available_on", "available on"],
        ["description"] = ["description"],
        ["payout"] = ["transfer", "automatic_payout_id", "payout"],
        ["store"] = ["store (metadata)", "store_id (metadata)", "store"],
    };

    private static readonly string[] Required = ["id", "type", "amount", "fee", "net", "currency", "created"];

    /// <summary>Which of Stripe's layouts a header is: the API shape names its time <c>created</c>, the exports say UTC.</summary>
    public static bool IsMinorUnits(IReadOnlyList<string> names) =>
        names.Contains("created") && names.Contains("amount") && !names.Any(n => n is "created (utc)" or "created_utc");

    /// <exception cref="PayloadException">The first problem, named by line and column: <c>line 7, column Fee</c>.</exception>
    public static IEnumerable<SettlementLine> Read(Stream csv, string store)
    {
        using var text = new StreamReader(csv, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var records = new CsvRecords(text);
        var header = records.Next() ?? throw new PayloadException("line 1", "the file is empty: expected a header row");
        var names = header.Select(h => h.Trim().ToLowerInvariant()).ToList();
        var index = Columns.ToDictionary(c => c.Key, c => c.Value.Select(n => names.IndexOf(n)).FirstOrDefault(i => i >= 0, -1));
        var headerNames = Columns.ToDictionary(c => c.Key, c => index[c.Key] >= 0 ? header[index[c.Key]].Trim() : c.Value[0]);
        if (Required.FirstOrDefault(r => index[r] < 0) is { } missing)
            throw new PayloadException("line 1", $"no '{Columns[missing][0]}' column (or '{string.Join("', '", Columns[missing].Skip(1))}'): is this a Stripe balance transactions export?");
        var minorUnits = IsMinorUnits(names);

        while (records.Next() is { } row)
        {
            var line = records.Line;
            if (row.Count != header.Count)
                throw new PayloadException($"line {line}", $"{row.Count} fields where the header has {header.Count}");
            string? Field(string name) => index[name] is var i and >= 0 && i < row.Count && row[i].Trim() is { Length: > 0 } v ? v : null;
            string RequiredField(string name) => Field(name) ?? throw new PayloadException($"line {line}, column {headerNames[name]}", "required");
            var currency = ShopifyPaymentsTransactionsReader.Currency(RequiredField("currency"), $"line {line}, column {headerNames["currency"]}");
            decimal Money(string name) => minorUnits
                ? SettlementValues.TryMinorUnits(RequiredField(name), currency, out var minor)
                    ? minor
                    : throw new PayloadException($"line {line}, column {headerNames[name]}", $"'{Field(name)}' is not a whole number of {currency} minor units")
                : SettlementValues.TryMoney(RequiredField(name), out var m)
                    ? m
                    : throw new PayloadException($"line {line}, column {headerNames[name]}", $"'{Field(name)}' is not an amount");

            var created = SettlementValues.TryTimestamp(RequiredField("created"), out var at)
                ? at
                : throw new PayloadException($"line {line}, column {headerNames["created"]}", $"'{Field("created")}' is not a date and time");
            DateOnly? available = Field("available") is { } a
                ? SettlementValues.TryTimestamp(a, out var on) ? DateOnly.FromDateTime(on.UtcDateTime)
                    : throw new PayloadException($"line {line}, column {headerNames["available"]}", $"'{a}' is not a date")
                : null;
            var settlement = new SettlementLine(
                SettlementSources.Stripe,
                RequiredField("id"),
                RequiredField("type"),
                Field("source"),
                Field("store") ?? store,
                Money("amount"),
                Money("fee"),
                Money("net"),
                currency,
                created,
                available,
                Field("payout"),
                null,
                null,
                Field("description"));
            yield return settlement;
        }
    }
}

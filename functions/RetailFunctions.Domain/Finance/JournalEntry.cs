using System.Security.Cryptography;
using System.Text;

namespace RetailFunctions.Domain.Finance;

/// <summary>
/// One side of one account in an entry. Debit and Credit are never negative and at most one is non-zero; amounts
/// are in the currency's minor units (cents). Store and channel are the dimensions the ERP reports revenue by.
/// </summary>
public sealed record JournalLine(
    int LineNo,
    string Account,
    string Role,
    decimal Debit,
    decimal Credit,
    string Currency,
    string Store,
    string Channel,
    string Memo);

/// <summary>
/// A double-entry journal entry, dated by business day. Source is the fact kind ("sale", "payout"...) or "summary"
/// for an entry that sums a store's day; FactId names the fact (or the summary's members are counted in the memo).
/// </summary>
public sealed record JournalEntry(
    string EntryId,
    string Source,
    string FactId,
    string Store,
    string Channel,
    DateOnly BusinessDay,
    string Currency,
    string? Reference,
    IReadOnlyList<JournalLine> Lines)
{
    public const string SummarySource = "summary";

    /// <summary>Debits minus credits per currency: every value is zero in a balanced entry.</summary>
    public IReadOnlyDictionary<string, decimal> Imbalance =>
        Lines.GroupBy(l => l.Currency).ToDictionary(g => g.Key, g => g.Sum(l => l.Debit) - g.Sum(l => l.Credit));

    public bool IsBalanced => Imbalance.Values.All(v => v == 0m);

    public decimal TotalDebit => Lines.Sum(l => l.Debit);
}

public static class JournalIds
{
    /// <summary>
    /// The entry id of a fact: derived from its id, so a redelivered fact names the same entry, and short and plain
    /// enough for any ERP's document reference field. The business day in front keeps ids readable and sortable.
    /// </summary>
    public static string ForFact(FinancialFact fact)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(fact.FactId));
        return $"JE-{fact.BusinessDay:yyyyMMdd}-{Convert.ToHexString(hash, 0, 10)}";
    }

    /// <summary>The n-th summary of a store's business day in one currency (later ones carry facts that arrived after the first closed).</summary>
    public static string ForSummary(string store, DateOnly businessDay, string currency, int sequence) =>
        $"JS-{businessDay:yyyyMMdd}-{Sanitize(store)}-{currency.ToUpperInvariant()}-{sequence}";

    private static string Sanitize(string value) =>
        new(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}

/// <summary>Minor units per ISO 4217 currency: what "to the cent" means in each.</summary>
public static class Currencies
{
    private static readonly HashSet<string> NoMinorUnit = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> ThreeMinorUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND",
    };

    public static int Decimals(string currency) => NoMinorUnit.Contains(currency) ? 0 : ThreeMinorUnits.Contains(currency) ? 3 : 2;

    /// <summary>One minor unit: 0.01 for EUR, 1 for JPY, 0.001 for KWD.</summary>
    public static decimal MinorUnit(string currency) => Decimals(currency) switch { 0 => 1m, 3 => 0.001m, _ => 0.01m };

    /// <summary>Half away from zero, as receipts round.</summary>
    public static decimal Round(decimal amount, string currency) => Math.Round(amount, Decimals(currency), MidpointRounding.AwayFromZero);

    public static bool IsCode(string? currency) => currency is { Length: 3 } && currency.All(char.IsAsciiLetterUpper);
}

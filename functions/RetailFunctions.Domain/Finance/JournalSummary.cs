namespace RetailFunctions.Domain.Finance;

/// <summary>Whether the ERP receives one entry per fact or one summary per store, business day and currency.</summary>
public enum PostingMode
{
    PerTransaction,
    Summarised,
}

/// <summary>
/// The summarised posting mode: the entries of one store's business day in one currency become one entry with one
/// line per account and channel (debits and credits netted). A sum of balanced entries is balanced, and their lines
/// are already in minor units, so a summary needs no rounding of its own.
/// </summary>
public static class JournalSummary
{
    public static JournalEntry? Build(string summaryId, string store, DateOnly businessDay, string currency, IEnumerable<JournalEntry> members)
    {
        var entries = members.Where(e => e.Currency == currency && e.Store == store && e.BusinessDay == businessDay).ToList();
        if (entries.Count == 0) return null;
        var lines = entries
            .SelectMany(e => e.Lines)
            .GroupBy(l => (l.Account, l.Role, l.Channel))
            .OrderBy(g => g.Key.Account, StringComparer.Ordinal).ThenBy(g => g.Key.Channel, StringComparer.Ordinal).ThenBy(g => g.Key.Role, StringComparer.Ordinal)
            .Select(g => (g.Key, Net: g.Sum(l => l.Debit - l.Credit), Count: g.Count()))
            .Where(x => x.Net != 0m)
            .Select((x, i) => new JournalLine(i + 1, x.Key.Account, x.Key.Role, Math.Max(x.Net, 0m), Math.Max(-x.Net, 0m), currency, store, x.Key.Channel,
                $"{x.Key.Role} {x.Key.Channel}: {x.Count} line{(x.Count == 1 ? "" : "s")}"))
            .ToList();
        var channels = entries.Select(e => e.Channel).Distinct().Order(StringComparer.Ordinal).ToList();
        return new JournalEntry(summaryId, JournalEntry.SummarySource, $"{entries.Count} entries", store, channels.Count == 1 ? channels[0] : "mixed",
            businessDay, currency, $"{store} {businessDay:yyyy-MM-dd} {currency}: {entries.Count} entries", lines);
    }
}

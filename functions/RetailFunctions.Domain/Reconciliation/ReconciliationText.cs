using System.Globalization;
using System.Text;

namespace RetailFunctions.Domain.Reconciliation;

/// <summary>A day's reconciliation in words, for the person who has to act on it.</summary>
public static class ReconciliationText
{
    public static string Render(ReconciliationSummary summary, IEnumerable<ReconciliationDifference>? firstDifferences = null)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var verdict = summary.Differences == 0
            ? "every ledger agrees."
            : $"{summary.Differences} difference(s): {string.Join(", ", summary.DifferencesByCause.Select(kv => $"{kv.Value} {kv.Key}"))}.";
        text.AppendLine(c, $"Reconciliation of {summary.BusinessDay:yyyy-MM-dd}: {verdict}");
        if (summary.Cleared > 0) text.AppendLine(c, $"{summary.Cleared} timing difference(s) of earlier days cleared today.");
        if (summary.Escalated > 0) text.AppendLine(c, $"{summary.Escalated} timing difference(s) ran out of time and are now missing transactions.");
        if (summary.StillOpen > 0) text.AppendLine(c, $"{summary.StillOpen} timing difference(s) of earlier days are still open, within their window.");
        if (summary.DuplicateTillRecordsIgnored > 0) text.AppendLine(c, $"{summary.DuplicateTillRecordsIgnored} till receipt(s) uploaded more than once were counted once.");
        if (summary.TillsWithoutClose.Count > 0) text.AppendLine(c, $"Tills without a till close (not compared): {string.Join(", ", summary.TillsWithoutClose)}.");
        foreach (var area in summary.Areas.GroupBy(a => a.Area))
        {
            text.AppendLine();
            text.AppendLine(c, $"{Title(area.Key)}:");
            foreach (var t in area)
            {
                var state = t.Differences == 0 ? "agrees" : $"{t.Differences} difference(s), {t.DifferenceTotal:0.00} {t.Unit}";
                text.AppendLine(c, $"  {t.Store} ({t.Unit}): {Sides(t)}; {t.Matched} matched; {state}");
            }
        }
        var listed = firstDifferences?.ToList() ?? [];
        if (listed.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Differences:");
            foreach (var d in listed)
                text.AppendLine(c, $"  [{d.Cause.Name()}] {d.Area.Name()} {d.Store} {d.Key}: {d.Amount:0.00} {d.Unit} (owner {d.Owner}) - {d.Detail}");
        }
        return text.ToString();
    }

    private static string Title(ReconciliationArea area) => area switch
    {
        ReconciliationArea.Tills => "Till closes vs transactions processed",
        ReconciliationArea.Settlements => "Settlements vs captured payments and refunds",
        ReconciliationArea.Postings => "Journal vs ERP acknowledgements",
        ReconciliationArea.Stock => "Physical counts vs stock ledger",
        ReconciliationArea.TillJournal => "Till receipts vs journal",
        _ => area.ToString(),
    };

    private static string Sides(AreaTotals t) => t.Area switch
    {
        ReconciliationArea.Tills => $"{t.ExpectedCount} till close(s) declaring {t.ExpectedTotal:0.00}, {t.ActualCount} transaction(s) processed for {t.ActualTotal:0.00}",
        ReconciliationArea.Settlements => $"{t.ExpectedCount} captured for {t.ExpectedTotal:0.00}, {t.ActualCount} settled for {t.ActualTotal:0.00}",
        ReconciliationArea.Postings => $"{t.ExpectedCount} entries for {t.ExpectedTotal:0.00}, {t.ActualCount} acknowledged for {t.ActualTotal:0.00}",
        ReconciliationArea.Stock => $"{t.ExpectedCount} count(s), ledger {t.ExpectedTotal:0.###}, counted {t.ActualTotal:0.###}",
        ReconciliationArea.TillJournal => $"{t.ExpectedCount} receipt(s) for {t.ExpectedTotal:0.00}, {t.ActualCount} journal entries booking {t.ActualTotal:0.00}",
        _ => "",
    };
}

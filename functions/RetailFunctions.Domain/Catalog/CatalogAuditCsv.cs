using System.Text;

namespace RetailFunctions.Domain.Catalog;

/// <summary>The audit as a CSV a merchandiser opens in a spreadsheet: one finding per row, every value quoted as text.</summary>
public static class CatalogAuditCsv
{
    public const string Header = "severity,issue,sku,channel,listing,value,detail,action";

    public static string Render(CatalogAuditReport report)
    {
        var csv = new StringBuilder();
        csv.Append(Header).Append("\r\n");
        foreach (var f in report.Findings)
        {
            csv.AppendJoin(',', new[] { f.Severity, f.Issue, f.Sku, f.Channel, f.ListingId, f.Value, f.Detail, f.Action }.Select(Field));
            csv.Append("\r\n");
        }
        return csv.ToString();
    }

    // Quoted always, so a barcode stays text; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula.
    private static string Field(string? value)
    {
        var text = value ?? "";
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@') text = "'" + text;
        return "\"" + text.Replace("\"", "\"\"") + "\"";
    }
}

using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>GET /api/pos/batches/{batchId}: the batch's progress, then each transaction, malformed and exception rows highlighted.</summary>
public static class BatchView
{
    public static IRenderable Render(JsonElement batch, IReadOnlyList<JsonElement> transactions)
    {
        var summary = Values.NewTable("batch", "value");
        foreach (var (label, name) in new[]
        {
            ("id", "batchId"), ("store", "store"), ("format", "format"), ("status", "status"), ("declared transactions", "declaredTransactions"),
            ("processed through", "processedThrough"), ("applied", "applied"), ("exceptions", "exceptions"), ("malformed", "malformed"),
            ("recorded", "recorded"), ("card numbers masked", "pansMasked"), ("received", "receivedAt"), ("completed", "completedAt"),
            ("failure", "failure"), ("blob", "blob"),
        })
        {
            var value = batch.Text(name);
            if (value.Length == 0) continue;
            var style = (name, value) switch
            {
                ("status", "failed") or ("failure", _) => new Style(Color.Red),
                ("malformed" or "exceptions", not "0") => new Style(Color.Yellow),
                _ => Style.Plain,
            };
            summary.AddRow(Values.Cell(label), Values.Cell(value, style));
        }

        var rows = new List<IRenderable> { summary };
        if (transactions.Count == 0)
        {
            rows.Add(Values.Cell("no transaction statuses saved yet"));
            return new Rows(rows);
        }
        var table = Values.NewTable("#", "receipt", "kind", "status", "reason", "moved", "already moved");
        table.Columns[0].RightAligned();
        table.Columns[5].RightAligned();
        table.Columns[6].RightAligned();
        foreach (var t in transactions)
        {
            var status = t.Text("status");
            var style = StatusStyle(status);
            table.AddRow(Values.Cell(t.Text("position"), style), Values.Cell(t.Text("receipt"), style), Values.Cell(t.Text("kind"), style),
                Values.Cell(status, style), Values.Cell(t.Text("reason"), style), Values.Cell(t.Text("movementsApplied"), style),
                Values.Cell(t.Text("movementsAlreadyApplied"), style));
        }
        var flagged = transactions.Count(t => t.Text("status") is "malformed" or "exception");
        table.Caption = new TableTitle($"{transactions.Count} transaction(s), {flagged} need attention");
        rows.Add(table);
        return new Rows(rows);
    }

    /// <summary>Malformed rows in red, exception rows in yellow: the ones an operator must look at.</summary>
    public static Style StatusStyle(string status) => status switch
    {
        "malformed" => new Style(Color.Red, decoration: Decoration.Bold),
        "exception" => new Style(Color.Yellow),
        _ => Style.Plain,
    };
}

using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>GET /api/inventory/{sku}/movements, every page: the ledger of a SKU, oldest first per location.</summary>
public static class MovementsView
{
    public static IRenderable Render(string sku, IReadOnlyList<JsonElement> movements)
    {
        if (movements.Count == 0) return Values.Cell($"{sku}: no movements");
        var table = Values.NewTable("#", "location", "kind", "qty", "on hand after", "occurred", "business day", "actor", "reason", "source / key");
        table.Columns[0].RightAligned();
        table.Columns[3].RightAligned();
        table.Columns[4].RightAligned();
        foreach (var m in movements)
        {
            var source = string.Join(" ", new[] { m.Text("sourceEvent"), m.Text("idempotencyKey") }.Where(s => s.Length > 0).Distinct());
            table.AddRow(Values.Cell(m.Text("sequence")), Values.Cell(m.Text("location")), Values.Cell(m.Text("kind")), Values.Cell(m.Text("quantity")),
                Values.Cell(m.Text("onHandAfter")), Values.Cell(m.Text("occurredAt")), Values.Cell(m.Text("businessDay")), Values.Cell(m.Text("actor")),
                Values.Cell(m.Text("reason")), Values.Cell(source));
        }
        table.Caption = new Spectre.Console.TableTitle($"{movements.Count} movement(s) of {Spectre.Console.Markup.Escape(sku)}");
        return table;
    }
}

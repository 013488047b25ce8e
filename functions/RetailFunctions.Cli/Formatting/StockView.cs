using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>GET /api/inventory/{sku}: one row per location, available to promise per channel.</summary>
public static class StockView
{
    public static IRenderable Render(JsonElement stock)
    {
        var sku = stock.Text("sku");
        var locations = stock.Member("locations").Items().ToList();
        if (locations.Count == 0) return Values.Cell($"{sku}: no stock recorded at any location");

        var channels = locations
            .SelectMany(l => l.Member("availableToPromise") is { ValueKind: JsonValueKind.Object } atp ? atp.EnumerateObject().Select(p => p.Name) : [])
            .Distinct()
            .ToList();
        var table = Values.NewTable(["location", "on hand", "reserved", "in transit", "available", .. channels.Select(c => $"ATP {c}")]);
        foreach (var column in table.Columns.Skip(1)) column.RightAligned();
        foreach (var level in locations)
        {
            var atp = level.Member("availableToPromise");
            var available = level.Text("available");
            var cells = new List<IRenderable>
            {
                Values.Cell(level.Text("location")),
                Values.Cell(level.Text("onHand"), level.Member("onHand") is { } onHand && onHand.TryGetDecimal(out var q) && q < 0 ? new Style(Color.Red) : Style.Plain),
                Values.Cell(level.Text("reserved")),
                Values.Cell(level.Text("inTransit")),
                Values.Cell(available, available == "0" ? new Style(Color.Yellow) : Style.Plain),
            };
            cells.AddRange(channels.Select(c => Values.Cell(atp is { } a ? a.Text(c) : "")));
            table.AddRow(cells);
        }
        table.Title = new TableTitle(Markup.Escape(sku));
        return new Rows(table, Values.Cell($"total on hand {stock.Text("totalOnHand")}, total available {stock.Text("totalAvailable")}"));
    }
}

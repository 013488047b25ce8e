using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>POST /api/replay/raw's answer: how many archived webhooks went through the pipeline again, and which.</summary>
public static class RawReplayView
{
    public static IRenderable Render(string shop, JsonElement answer)
    {
        var blobs = (answer.Member("blobs") ?? answer.Member("ids")).Items().Select(Values.Display).ToList();
        var skipped = answer.Text("skipped") is { Length: > 0 } s && s != "0" ? $", skipped {s} (no archived headers)" : "";
        var line = Values.Cell($"replayed {answer.Text("replayed")} archived webhook(s) of {shop}{skipped}",
            new Style(blobs.Count > 0 ? Color.Green : Color.Yellow));
        if (blobs.Count == 0) return line;
        var table = Values.NewTable("archived blob");
        foreach (var blob in blobs) table.AddRow(Values.Cell(blob));
        return new Rows(line, table);
    }
}

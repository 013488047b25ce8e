using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>GET /api/exceptions and the acknowledge/resolve answers.</summary>
public static class ExceptionsView
{
    public static IRenderable RenderList(JsonElement exceptions)
    {
        var items = exceptions.ValueKind == JsonValueKind.Array ? exceptions.EnumerateArray().ToList() : [];
        if (items.Count == 0) return Values.Cell("no exceptions");
        var withHistory = items.Any(e => e.Member("history").Items().Any());
        var table = Values.NewTable(["id", "owner", "reason", "status", "raised", "business keys", "detail", "source message / payload", .. (withHistory ? new[] { "history" } : [])]);
        foreach (var e in items)
        {
            var status = e.Text("status");
            var cells = new List<IRenderable>
            {
                Values.Cell(e.Text("id")), Values.Cell(e.Text("owner")), Values.Cell(e.Text("reason")),
                Values.Cell(status, status switch { "open" => new Style(Color.Yellow), "resolved" => new Style(Color.Green), _ => Style.Plain }),
                Values.Cell(e.Text("raisedAt")), Values.Cell(e.Text("businessKeys")), Values.Cell(e.Text("detail")),
                Values.Cell(string.Join("\n", new[] { e.Text("sourceMessageId"), e.Text("payloadReference") }.Where(s => s.Length > 0))),
            };
            if (withHistory) cells.Add(Values.Cell(History(e)));
            table.AddRow(cells);
        }
        table.Caption = new TableTitle($"{items.Count} exception(s)");
        return table;
    }

    /// <summary>Each step as "at by action: note", one a line.</summary>
    public static string History(JsonElement exception) =>
        string.Join("\n", exception.Member("history").Items().Select(h =>
            $"{h.Text("at")} {h.Text("by")} {h.Text("action")}{(h.Text("note") is { Length: > 0 } note ? $": {note}" : "")}"));

    /// <summary>The answer to acknowledge or resolve: the exception as it now stands.</summary>
    public static IRenderable RenderChange(string action, string owner, string id, JsonElement answer)
    {
        var status = answer.Text("status");
        var line = Values.Cell($"{action} {owner}/{id}{(status.Length > 0 ? $": now {status}" : "")}", new Style(Color.Green));
        return answer.ValueKind == JsonValueKind.Object && answer.Member("history").Items().Any()
            ? new Rows(line, Values.Cell(History(answer)))
            : line;
    }
}

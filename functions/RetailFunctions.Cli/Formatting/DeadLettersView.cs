using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>GET /api/deadletters and the replay answers.</summary>
public static class DeadLettersView
{
    public static IRenderable RenderList(IReadOnlyList<JsonElement> deadLetters)
    {
        if (deadLetters.Count == 0) return Values.Cell("no dead letters");
        var table = Values.NewTable("id", "queue", "dead-lettered", "attempts", "reason", "exception type", "envelope", "replayed");
        table.Columns[3].RightAligned();
        foreach (var d in deadLetters)
        {
            var replayed = d.Text("replayedAt") is { Length: > 0 } at ? $"{at} ({d.Text("replayCount")}x)" : "";
            table.AddRow(Values.Cell(d.Text("id")), Values.Cell(d.Text("queue")), Values.Cell(d.Text("deadLetteredAt")), Values.Cell(d.Text("attemptCount")),
                Values.Cell(d.Text("reason"), new Style(Color.Red)), Values.Cell(d.Text("exceptionType")), Values.Cell(Envelope(d.Member("envelope"))),
                Values.Cell(replayed));
        }
        table.Caption = new TableTitle($"{deadLetters.Count} dead letter(s)");
        return table;
    }

    /// <summary>What identifies the failed message: its id, type, correlation id and business keys.</summary>
    public static string Envelope(JsonElement? envelope)
    {
        if (envelope is not { ValueKind: JsonValueKind.Object } e) return "";
        var lines = new List<string>();
        foreach (var (label, name) in new[] { ("id", "id"), ("type", "type"), ("correlation", "correlationId"), ("keys", "keys"), ("payload blob", "payloadBlob") })
        {
            if (e.Text(name) is { Length: > 0 } value) lines.Add($"{label}: {value}");
        }
        return string.Join("\n", lines);
    }

    public static IRenderable RenderReplay(ReplayTotals totals)
    {
        var line = Values.Cell($"replayed {totals.Replayed}, skipped {totals.Skipped}", new Style(totals.Replayed > 0 ? Color.Green : Color.Yellow));
        if (totals.Ids.Count == 0) return line;
        var table = Values.NewTable("replayed id");
        foreach (var id in totals.Ids) table.AddRow(Values.Cell(id));
        return new Rows(line, table);
    }
}

/// <summary>The sum of one or more replay answers {replayed, skipped, ids}.</summary>
public sealed record ReplayTotals(int Replayed, int Skipped, IReadOnlyList<string> Ids)
{
    public static ReplayTotals Empty { get; } = new(0, 0, []);

    public ReplayTotals Add(JsonElement answer) => new(
        Replayed + Count(answer, "replayed"),
        Skipped + Count(answer, "skipped"),
        [.. Ids, .. answer.Member("ids").Items().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : i.GetRawText())]);

    private static int Count(JsonElement answer, string name) =>
        answer.Member(name) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var value) ? value : 0;
}

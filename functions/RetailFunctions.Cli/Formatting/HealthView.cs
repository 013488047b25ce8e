using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>GET /api/health: overall status, each dependency, each queue's backlog, the backpressure limits.</summary>
public static class HealthView
{
    public static bool IsHealthy(JsonElement health) => health.Text("status") == "healthy";

    public static IRenderable Render(JsonElement health)
    {
        var healthy = IsHealthy(health);
        var status = health.Text("status") is { Length: > 0 } s ? s : "unknown";
        var rows = new List<IRenderable>
        {
            Values.Cell($"status: {status}", new Style(healthy ? Color.Green : Color.Red, decoration: Decoration.Bold)),
        };

        var checks = Values.NewTable("check", "result");
        foreach (var check in health.Member("checks") is { ValueKind: JsonValueKind.Object } c ? c.EnumerateObject() : Enumerable.Empty<JsonProperty>())
        {
            var result = Values.Display(check.Value);
            checks.AddRow(Values.Cell(check.Name), Values.Cell(result, result == "ok" ? Style.Plain : new Style(Color.Red)));
        }
        rows.Add(checks);

        var queues = Values.NewTable("queue", "depth", "oldest (s)", "overloaded");
        queues.Columns[1].RightAligned();
        queues.Columns[2].RightAligned();
        foreach (var queue in health.Member("queues").Items())
        {
            var overloaded = queue.Member("overloaded") is { } o && o.ValueKind != JsonValueKind.False ? Values.Display(o) : "";
            queues.AddRow(Values.Cell(queue.Text("queue")), Values.Cell(queue.Text("depth")), Values.Cell(Seconds(queue.Member("oldestAgeSeconds"))),
                Values.Cell(overloaded is "" ? "no" : overloaded, overloaded is "" ? Style.Plain : new Style(Color.Yellow)));
        }
        rows.Add(queues);

        if (health.Member("backpressure") is { } limits)
            rows.Add(Values.Cell($"backpressure: 503 beyond depth {limits.Text("maxQueueDepth")} or oldest message {limits.Text("maxQueueAgeSeconds")} s, " +
                $"Retry-After {limits.Text("retryAfterSeconds")} s"));
        if (health.Member("functionKeyRequired") is { } keyed)
            rows.Add(Values.Cell($"function key required: {Values.Display(keyed)}"));
        return new Rows(rows);
    }

    private static string Seconds(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Number } n ? n.GetDouble().ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "";
}

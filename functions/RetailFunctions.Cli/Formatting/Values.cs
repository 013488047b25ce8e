using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>Reading loosely typed JSON members as display text.</summary>
public static class Values
{
    public static string Text(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? Display(value) : "";

    public static JsonElement? Member(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static IEnumerable<JsonElement> Items(this JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>A JSON value as an operator reads it: strings bare, timestamps in UTC to the second, objects as k=v.</summary>
    public static string Display(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Timestamp(value.GetString()!),
        JsonValueKind.Number => value.TryGetDecimal(out var d) ? d.ToString("0.####", CultureInfo.InvariantCulture) : value.GetRawText(),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.Object => string.Join(", ", value.EnumerateObject().Select(p => $"{p.Name}={Display(p.Value)}")),
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Display)),
        _ => value.GetRawText(),
    };

    private static string Timestamp(string text) =>
        text.Length >= 20 && text[4] == '-' && text[10] == 'T' &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : text;

    /// <summary>A table cell that never interprets markup in the data.</summary>
    public static IRenderable Cell(string text, Style? style = null) => new Text(text, style ?? Style.Plain);

    public static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns) table.AddColumn(new TableColumn(Markup.Escape(column)));
        return table;
    }

    /// <summary>Renders anything to plain text at a fixed width: for tests and for comparing output.</summary>
    public static string Plain(IRenderable renderable, int width = 200)
    {
        var writer = new StringWriter();
        var console = Terminal.CreateConsole(writer, width: width);
        console.Write(renderable);
        return writer.ToString();
    }
}

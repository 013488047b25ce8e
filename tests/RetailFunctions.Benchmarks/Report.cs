using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RetailFunctions.Benchmarks;

/// <summary>Collects figures as they are measured; prints them as a table and as one JSON document.</summary>
public sealed class Report
{
    private readonly List<(string Figure, string Value, string Detail)> _rows = [];
    private readonly Dictionary<string, object?> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _figures = new(StringComparer.Ordinal);
    private readonly List<(string Name, string Numerator, string Denominator, string Meaning)> _ratioDefinitions = [];
    private readonly List<string> _failures = [];

    /// <summary>Broken invariants: any makes the run fail.</summary>
    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Records a broken invariant; the run goes on and exits non-zero at the end.</summary>
    public void Fail(string reason)
    {
        _failures.Add(reason);
        Console.WriteLine($"    FAILED: {reason}");
    }

    /// <summary>A headline number other figures are compared with.</summary>
    public void Figure(string key, double value) => _figures[key] = value;

    /// <summary>A ratio of two figures of this run, computed when both were measured.</summary>
    public void Ratio(string name, string numerator, string denominator, string meaning) =>
        _ratioDefinitions.Add((name, numerator, denominator, meaning));

    private IEnumerable<(string Name, double Value, string Meaning)> Ratios() =>
        _ratioDefinitions
            .Where(r => _figures.ContainsKey(r.Numerator) && _figures.TryGetValue(r.Denominator, out var d) && d > 0)
            .Select(r => (r.Name, _figures[r.Numerator] / _figures[r.Denominator], r.Meaning));

    public void Row(string figure, string value, string detail = "")
    {
        _rows.Add((figure, value, detail));
        Console.WriteLine($"    {figure}: {value}{(detail.Length > 0 ? $"  ({detail})" : "")}");
    }

    public void Result(string key, object? value) => _results[key] = value;

    public void PrintTable(Machine machine, Config config, DateTimeOffset started, TimeSpan elapsed)
    {
        Console.WriteLine();
        Console.WriteLine($"RetailFunctions benchmarks, {(config.Quick ? "quick" : "default")} run, {started:yyyy-MM-dd HH:mm} UTC, {elapsed.TotalSeconds:0} s");
        Console.WriteLine($"{machine.Cores} cores ({machine.Cpu}), {machine.Os}, {machine.DotNet}, Node {machine.Node}, Azurite {machine.Azurite}");
        var w1 = Math.Max(6, _rows.Max(r => r.Figure.Length));
        var w2 = Math.Max(5, _rows.Max(r => r.Value.Length));
        Console.WriteLine();
        Console.WriteLine($"| {"Figure".PadRight(w1)} | {"Value".PadLeft(w2)} | Detail");
        Console.WriteLine($"|-{new string('-', w1)}-|-{new string('-', w2)}-|-------");
        foreach (var (figure, value, detail) in _rows)
            Console.WriteLine($"| {figure.PadRight(w1)} | {value.PadLeft(w2)} | {detail}");

        var ratios = Ratios().ToList();
        if (ratios.Count == 0) return;
        var r1 = ratios.Max(r => r.Name.Length);
        Console.WriteLine();
        Console.WriteLine($"| {"Ratio (same run)".PadRight(r1)} |  Value | Meaning");
        Console.WriteLine($"|-{new string('-', r1)}-|--------|--------");
        foreach (var (name, value, meaning) in ratios)
            Console.WriteLine($"| {name.PadRight(r1)} | {value,6:0.000} | {meaning}");
    }

    public void PrintJson(Machine machine, Config config, DateTimeOffset started, TimeSpan elapsed)
    {
        var document = new Dictionary<string, object?>
        {
            ["run"] = config.Quick ? "quick" : "default",
            ["startedUtc"] = started.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["elapsedSeconds"] = Math.Round(elapsed.TotalSeconds, 1),
            ["machine"] = machine,
            ["config"] = config,
            ["results"] = _results,
            ["ratios"] = Ratios().ToDictionary(r => r.Name, r => Math.Round(r.Value, 4)),
            ["failures"] = _failures,
        };
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        Console.WriteLine();
        Console.WriteLine("BENCHMARK RESULTS JSON");
        Console.WriteLine(JsonSerializer.Serialize(document, options));
    }

    public static string Fmt(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static double Round(double value, int digits = 1) => Math.Round(value, digits);
}

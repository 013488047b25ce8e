using System.Globalization;
using System.Text.Json;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Settings;

/// <summary>The parts of host.json the local runtime honours, as the Functions host reads them.</summary>
public sealed record HostJson(
    QueueWorkerOptions Queues, long MaxRequestBodySizeBytes, string RoutePrefix, IReadOnlyDictionary<string, LogLevel> LogLevels,
    IReadOnlyDictionary<string, string>? Timers = null)
{
    public static HostJson Default { get; } = new(QueueWorkerOptions.Default, 100L * 1024 * 1024, "api", new Dictionary<string, LogLevel>());

    /// <summary>A timer's CRON schedule from retailFunctions.timers, or the given default.</summary>
    public string Schedule(string timer, string fallback) => Timers is not null && Timers.TryGetValue(timer, out var cron) ? cron : fallback;

    /// <summary>
    /// host.json, then the overrides the Functions host also honours: AzureFunctionsJobHost__extensions__queues__... in
    /// the environment or local settings win over the file.
    /// </summary>
    public static HostJson Read(string path, IConfiguration overrides)
    {
        var file = Read(path);
        var queues = overrides.GetSection("AzureFunctionsJobHost:extensions:queues");
        return file with
        {
            Queues = new QueueWorkerOptions(
                queues.GetValue("batchSize", file.Queues.BatchSize),
                queues.GetValue("maxDequeueCount", file.Queues.MaxDequeueCount),
                queues.GetValue("visibilityTimeout", file.Queues.VisibilityTimeout),
                queues.GetValue("maxPollingInterval", file.Queues.MaxPollingInterval),
                queues.GetValue("newBatchThreshold", file.Queues.NewBatchThreshold)),
        };
    }

    public static HostJson Read(string path)
    {
        if (!File.Exists(path)) return Default;
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var extensions = document.RootElement.TryGetProperty("extensions", out var e) ? e : default;
        var queues = Section(extensions, "queues");
        var http = Section(extensions, "http");
        var d = QueueWorkerOptions.Default;
        return new HostJson(
            new QueueWorkerOptions(
                Int(queues, "batchSize") ?? d.BatchSize,
                Int(queues, "maxDequeueCount") ?? d.MaxDequeueCount,
                Time(queues, "visibilityTimeout") ?? d.VisibilityTimeout,
                Time(queues, "maxPollingInterval") ?? d.MaxPollingInterval,
                Int(queues, "newBatchThreshold")),
            Int(http, "maxRequestBodySizeBytes") ?? Default.MaxRequestBodySizeBytes,
            Text(http, "routePrefix") ?? Default.RoutePrefix,
            ReadLogLevels(document.RootElement),
            ReadTimers(document.RootElement));
    }

    private static Dictionary<string, string> ReadTimers(JsonElement root)
    {
        var timers = Section(Section(root, "retailFunctions"), "timers");
        return timers.ValueKind != JsonValueKind.Object
            ? []
            : timers.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    /// <summary>logging.logLevel: category -> level, "default" for every category.</summary>
    private static Dictionary<string, LogLevel> ReadLogLevels(JsonElement root)
    {
        var levels = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);
        var logLevel = Section(Section(root, "logging"), "logLevel");
        if (logLevel.ValueKind != JsonValueKind.Object) return levels;
        foreach (var entry in logLevel.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.String && Enum.TryParse<LogLevel>(entry.Value.GetString(), ignoreCase: true, out var level))
                levels[entry.Name] = level;
        }
        return levels;
    }

    private static JsonElement Section(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var s) ? s : default;

    private static int? Int(JsonElement section, string name) =>
        section.ValueKind == JsonValueKind.Object && section.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : null;

    private static string? Text(JsonElement section, string name) =>
        section.ValueKind == JsonValueKind.Object && section.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static TimeSpan? Time(JsonElement section, string name) =>
        Text(section, name) is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;
}

public static class HostJsonLogging
{
    /// <summary>host.json's log levels as filters; Logging__LogLevel__... settings still override them.</summary>
    public static ILoggingBuilder AddHostJsonLevels(this ILoggingBuilder logging, HostJson hostJson, IConfiguration configuration)
    {
        foreach (var (category, level) in hostJson.LogLevels)
            if (configuration[$"Logging:LogLevel:{category}"] is null)
                logging.AddFilter(category.Equals("default", StringComparison.OrdinalIgnoreCase) ? null : category, level);
        return logging;
    }
}

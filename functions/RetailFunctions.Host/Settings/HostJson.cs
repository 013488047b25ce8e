using System.Globalization;
using System.Text.Json;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Settings;

/// <summary>The parts of host.json the local runtime honours, as the Functions host reads them.</summary>
public sealed record HostJson(QueueWorkerOptions Queues, long MaxRequestBodySizeBytes, string RoutePrefix)
{
    public static HostJson Default { get; } = new(QueueWorkerOptions.Default, 100L * 1024 * 1024, "api");

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
                queues.GetValue("maxPollingInterval", file.Queues.MaxPollingInterval)),
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
                Time(queues, "maxPollingInterval") ?? d.MaxPollingInterval),
            Int(http, "maxRequestBodySizeBytes") ?? Default.MaxRequestBodySizeBytes,
            Text(http, "routePrefix") ?? Default.RoutePrefix);
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

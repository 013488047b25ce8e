using System.Text.Json;

namespace RetailFunctions.Host.Settings;

/// <summary>
/// Reads local.settings.json the way `func start` does: only its "Values" object, whose keys use either ':' or
/// '__' between sections (Shopify:WebhookSecret or Shopify__WebhookSecret). Environment variables override it.
/// </summary>
public static class LocalSettings
{
    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        if (!File.Exists(path)) return new Dictionary<string, string?>();
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
            return new Dictionary<string, string?>();
        return values.EnumerateObject().ToDictionary(
            p => p.Name.Replace("__", ":", StringComparison.Ordinal),
            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText());
    }

    /// <summary>Adds local.settings.json under the environment variables, so the environment wins.</summary>
    public static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder builder, string contentRoot)
    {
        var values = Read(Path.Combine(contentRoot, "local.settings.json"));
        // Insert before the environment-variable sources so that they keep priority.
        var envIndex = builder.Sources.ToList().FindIndex(s => s.GetType().Name.Contains("EnvironmentVariables", StringComparison.Ordinal));
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values };
        if (envIndex < 0) builder.Add(source);
        else builder.Sources.Insert(envIndex, source);
        return builder;
    }
}

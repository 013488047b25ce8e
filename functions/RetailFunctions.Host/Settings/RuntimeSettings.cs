namespace RetailFunctions.Host.Settings;

/// <summary>
/// Every setting the runtime reads, with its default. Names are .NET configuration paths; in environment variables
/// write '__' for ':' (Shopify__WebhookSecrets__0). The README lists them all.
/// </summary>
public sealed record RuntimeSettings(
    string? StorageConnectionString,
    string? StorageAccountName,
    string? StorageClientId,
    int StorageBacklogWidth,
    IReadOnlyList<string> ShopifyWebhookSecrets,
    int ShopifyMaxBodyBytes,
    long PosMaxBodyBytes,
    int PosChunkSize,
    int PosWindowSize,
    string? DefaultFulfillmentLocation,
    IReadOnlySet<string> OversellChannels,
    IReadOnlyDictionary<string, string> StockAuthorities,
    TimeSpan PushCoalesceWindow,
    TimeSpan PushCoalesceCap,
    Uri? ShopifyAdminBaseUrl,
    string? ShopifyAdminAccessToken,
    string ShopifyAdminApiVersion,
    int ShopifyAdminMaxRetries,
    TimeSpan ShopifyAdminBaseDelay,
    string? FunctionKey,
    string Urls,
    int BackpressureMaxQueueDepth,
    TimeSpan BackpressureMaxQueueAge,
    int BackpressureRetryAfterSeconds,
    bool WorkersEnabled,
    TimeSpan DedupRetention)
{
    public const string DefaultUrls = "http://127.0.0.1:7071";

    public static RuntimeSettings From(IConfiguration config)
    {
        var secrets = new[] { config["Shopify:WebhookSecret"] }
            .Concat(config.GetSection("Shopify:WebhookSecrets").GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value))
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => s!)
            .Distinct()
            .ToArray();
        return new RuntimeSettings(
            StorageConnectionString: NullIfBlank(config["AzureWebJobsStorage"]),
            StorageAccountName: NullIfBlank(config["AzureWebJobsStorage:accountName"]),
            StorageClientId: NullIfBlank(config["AzureWebJobsStorage:clientId"]),
            StorageBacklogWidth: Math.Max(1, config.GetValue("Storage:BacklogWidth", RetailFunctions.Storage.StorageAccount.DefaultBacklogWidth)),
            ShopifyWebhookSecrets: secrets,
            ShopifyMaxBodyBytes: config.GetValue("Shopify:MaxBodyBytes", 2 * 1024 * 1024),
            PosMaxBodyBytes: config.GetValue("Pos:MaxBodyBytes", 50L * 1024 * 1024),
            PosChunkSize: config.GetValue("Pos:ChunkSize", 50),
            PosWindowSize: config.GetValue("Pos:WindowSize", 1000),
            DefaultFulfillmentLocation: NullIfBlank(config["Inventory:DefaultFulfillmentLocation"]),
            OversellChannels: NullIfBlank(config["Inventory:OversellChannels"]) is { } channels
                ? new HashSet<string>(channels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase)
                : new HashSet<string>(RetailFunctions.Pipeline.Inventory.InventoryOptions.DefaultOversellChannels, StringComparer.OrdinalIgnoreCase),
            StockAuthorities: config.GetSection("Inventory:SourceOfTruth").GetChildren()
                .Where(c => !string.IsNullOrWhiteSpace(c.Value))
                .ToDictionary(c => c.Key, c => Authority(c.Key, c.Value!), StringComparer.Ordinal),
            PushCoalesceWindow: TimeSpan.FromMilliseconds(Math.Clamp(config.GetValue("Inventory:PushCoalesceMilliseconds", 100), 0, 5000)),
            PushCoalesceCap: TimeSpan.FromMilliseconds(Math.Clamp(config.GetValue("Inventory:PushCoalesceCapMilliseconds", 500), 0, 60000)),
            ShopifyAdminBaseUrl: NullIfBlank(config["Shopify:Admin:BaseUrl"]) is { } baseUrl ? new Uri(baseUrl.TrimEnd('/') + "/") : null,
            ShopifyAdminAccessToken: NullIfBlank(config["Shopify:Admin:AccessToken"]),
            ShopifyAdminApiVersion: NullIfBlank(config["Shopify:Admin:ApiVersion"]) ?? "2025-10",
            ShopifyAdminMaxRetries: config.GetValue("Shopify:Admin:MaxRetries", 5),
            ShopifyAdminBaseDelay: TimeSpan.FromMilliseconds(config.GetValue("Shopify:Admin:BaseDelayMilliseconds", 200)),
            FunctionKey: NullIfBlank(config["Api:FunctionKey"]),
            Urls: NullIfBlank(config["Host:Urls"]) ?? DefaultUrls,
            BackpressureMaxQueueDepth: config.GetValue("Backpressure:MaxQueueDepth", 2000),
            BackpressureMaxQueueAge: TimeSpan.FromSeconds(config.GetValue("Backpressure:MaxQueueAgeSeconds", 300)),
            BackpressureRetryAfterSeconds: config.GetValue("Backpressure:RetryAfterSeconds", 30),
            WorkersEnabled: config.GetValue("Workers:Enabled", true),
            // Covers Shopify's retry window (up to 4 hours) many times over.
            DedupRetention: TimeSpan.FromHours(Math.Max(4, config.GetValue("Dedup:RetentionHours", 168))));
    }

    /// <summary>Without a function key the API is open, so it must only be reachable from this machine.</summary>
    public string EffectiveUrls => FunctionKey is null ? string.Join(';', Urls.Split(';').Select(ToLoopback)) : Urls;

    private static string ToLoopback(string url)
    {
        var uri = new Uri(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal));
        return uri.IsLoopback ? url : $"{uri.Scheme}://127.0.0.1:{uri.Port}";
    }

    private static string Authority(string location, string value) => value.Trim().ToLowerInvariant() switch
    {
        "ledger" => "ledger",
        "shopify" => "shopify",
        _ => throw new InvalidOperationException(
            $"Inventory:SourceOfTruth:{location} is '{value}': it must be 'ledger' (the default) or 'shopify'"),
    };

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

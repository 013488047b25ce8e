using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>Where and how the web store's Admin API is reached, and how patient to be with it.</summary>
public sealed record ShopifyAdminOptions(
    Uri BaseUrl,
    string? AccessToken,
    string ApiVersion,
    int MaxRetries,
    TimeSpan BaseDelay,
    TimeSpan AttemptTimeout,
    TimeSpan BreakDuration);

/// <summary>
/// Sets the web store's available quantity (the Admin API's inventory_levels/set contract: an absolute value per
/// inventory item and location, so a repeated call is harmless). Retries 429 and 5xx with exponential backoff and
/// jitter, waiting as long as Retry-After says; a circuit breaker stops hammering a store that is down; each attempt
/// has a timeout. What still fails goes back to the queue, and to the dead letters once its attempts are spent.
/// </summary>
public sealed class ShopifyInventoryPublisher(HttpClient http, ShopifyAdminOptions options, ICatalogStore catalog, TimeProvider clock) : IChannelPublisher
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline = BuildPipeline(options, clock);

    public string Channel => Channels.Web;

    public async Task<string> PushAsync(AvailabilityUpdate update, CancellationToken cancellationToken)
    {
        var item = await catalog.GetItemAsync(update.Sku, cancellationToken);
        var inventoryItemId = item?.Aliases.FirstOrDefault(a => a.System == SourceSystems.Shopify && a.Kind == AliasKinds.InventoryItem)?.Value;
        var location = await catalog.GetLocationAsync(update.Location, cancellationToken);
        var locationId = location?.Aliases.FirstOrDefault(a => a.System == SourceSystems.Shopify)?.Value;
        if (inventoryItemId is null || locationId is null)
            return $"web: {update.Sku} at {update.Location} not pushed ({(inventoryItemId is null ? "no Shopify inventory item" : "no Shopify location")} mapped)";

        var body = new
        {
            location_id = long.Parse(locationId, CultureInfo.InvariantCulture),
            inventory_item_id = long.Parse(inventoryItemId, CultureInfo.InvariantCulture),
            available = (long)Math.Floor(update.Available),
        };
        var url = new Uri(options.BaseUrl, $"admin/api/{options.ApiVersion}/inventory_levels/set.json");
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
                if (options.AccessToken is { } token) request.Headers.Add("X-Shopify-Access-Token", token);
                return await http.SendAsync(request, ct);
            }, cancellationToken);
        }
        catch (BrokenCircuitException open)
        {
            throw new ChannelPushException(Channel, "circuit open after repeated failures; will retry", permanent: false, open);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
        {
            throw new ChannelPushException(Channel, $"unreachable after {options.MaxRetries} retries: {e.Message}", permanent: false, e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
                return $"web: {update.Sku} at {update.Location} set to {body.available} (version {update.Version})";
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            var transient = response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
            throw new ChannelPushException(Channel,
                $"{(int)response.StatusCode} {response.ReasonPhrase} after {(transient ? options.MaxRetries + " retries" : "1 attempt")}: {Truncate(detail)}",
                permanent: !transient);
        }
    }

    private static string Truncate(string text) => text.Length > 500 ? text[..500] : text;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TimeoutRejectedException
        || outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests }
        || outcome.Result is { } r && (int)r.StatusCode >= 500;

    public static ResiliencePipeline<HttpResponseMessage> BuildPipeline(ShopifyAdminOptions options, TimeProvider clock) =>
        DownstreamResilience.Build(options.MaxRetries, options.BaseDelay, options.AttemptTimeout, options.BreakDuration, IsTransient, clock);
}

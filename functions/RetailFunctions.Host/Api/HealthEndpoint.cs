using RetailFunctions.Host.Settings;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Api;

public static class HealthEndpoint
{
    public static void MapHealth(this IEndpointRouteBuilder api) =>
        api.MapGet("/health", async (StorageAccount account, BacklogMonitor backlog, RuntimeSettings settings, CancellationToken ct) =>
        {
            // The three probes run side by side, so a busy storage account delays the answer once, not three times.
            var tables = Probe(() => account.Table(TableNames.Deliveries).QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 1, cancellationToken: ct).AsPages().GetAsyncEnumerator(ct).MoveNextAsync().AsTask());
            var queues = Probe(() => backlog.RefreshAsync(ct));
            var blobs = Probe(() => account.Container(ContainerNames.RawArchive).GetPropertiesAsync(cancellationToken: ct));
            var checks = new Dictionary<string, string> { ["tables"] = await tables, ["queues"] = await queues, ["blobs"] = await blobs };
            var healthy = checks.Values.All(v => v == "ok");
            var body = new
            {
                status = healthy ? "healthy" : "unhealthy",
                checks,
                queues = backlog.Latest.Select(b => new
                {
                    queue = b.Queue,
                    depth = b.Depth,
                    oldestAgeSeconds = b.OldestAge?.TotalSeconds,
                    overloaded = backlog.Overload(b.Queue),
                }),
                backpressure = new
                {
                    maxQueueDepth = settings.BackpressureMaxQueueDepth,
                    maxQueueAgeSeconds = settings.BackpressureMaxQueueAge.TotalSeconds,
                    retryAfterSeconds = settings.BackpressureRetryAfterSeconds,
                },
                functionKeyRequired = settings.FunctionKey is not null,
            };
            return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).WithSummary("Each storage dependency, queue depths and backpressure thresholds");

    private static async Task<string> Probe(Func<Task> check)
    {
        try
        {
            await check();
            return "ok";
        }
        catch (Exception e)
        {
            return $"failed: {e.Message.Split('\n')[0]}";
        }
    }
}

using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Workers;

/// <summary>
/// The queue triggers of the local runtime: one loop per queue, each handing messages to the same handler the
/// Functions app binds. The routing table below, with the
/// routes the modules register, is the whole list of queue-triggered work.
/// </summary>
public sealed class QueueWorkers(QueueProcessor processor, HostJson hostJson, IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var routes = new Dictionary<string, MessageHandler>
        {
            [QueueNames.ShopifyWebhooks] = (m, ct) => services.GetRequiredService<ShopifyWebhookHandler>().HandleAsync(m, ct),
            [QueueNames.PosBatches] = (m, ct) => services.GetRequiredService<PosBatchHandler>().HandleAsync(m, ct),
            [QueueNames.ChannelAvailability] = (m, ct) => services.GetRequiredService<AvailabilityHandler>().HandleAsync(m, ct),
            [QueueNames.InventoryCommands] = (m, ct) => services.GetRequiredService<ReservationExpiryHandler>().HandleAsync(m, ct),
        };
        foreach (var route in services.GetServices<QueueRoute>())
            routes.Add(route.Queue, route.Handler(services));
        return Task.WhenAll(routes.Select(r => Task.Run(() => processor.RunAsync(r.Key, r.Value, OptionsFor(r.Key), stoppingToken), stoppingToken)));
    }

    /// <summary>
    /// A channel push spends most of its time waiting for the stock to settle (the coalescing window) and for the web
    /// store: four batches of them may wait at once, so a flash sale's pushes do not queue a till sale's behind them.
    /// </summary>
    private QueueWorkerOptions OptionsFor(string queue) =>
        queue == QueueNames.ChannelAvailability ? hostJson.Queues with { ConcurrentHandlers = 4 * hostJson.Queues.BatchSize } : hostJson.Queues;
}

/// <summary>Creates the queues, tables and containers before anything else starts, as deployment does in Azure.</summary>
public sealed class StorageProvisioner(StorageAccount account, ILogger<StorageProvisioner> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await account.ProvisionAsync(cancellationToken);
        logger.LogInformation("Storage ready: {Queues} queues, {Tables} tables, {Containers} containers",
            ResourceNameList.Embedded.Queues.Count, ResourceNameList.Embedded.Tables.Count, ResourceNameList.Embedded.Containers.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

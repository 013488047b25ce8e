using RetailFunctions.Host.Settings;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline.Catalog;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;

namespace RetailFunctions.Host;

public static class RuntimeServices
{
    /// <summary>Everything the local runtime runs: storage adapters, handlers, workers and the edge's settings.</summary>
    public static IServiceCollection AddRetailFunctions(this IServiceCollection services, RuntimeSettings settings, HostJson hostJson)
    {
        services.AddSingleton(settings);
        services.AddSingleton(hostJson);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => settings switch
        {
            { StorageConnectionString: { } connection } => StorageAccount.FromConnectionString(connection, settings.StorageBacklogWidth),
            { StorageAccountName: { } account } => StorageAccount.FromAccountName(account, settings.StorageClientId, settings.StorageBacklogWidth),
            _ => throw new InvalidOperationException(
                "No storage configured: set AzureWebJobsStorage (a connection string; UseDevelopmentStorage=true for Azurite) " +
                "or AzureWebJobsStorage__accountName for managed identity."),
        });

        services.AddSingleton<BlobStore>();
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<BlobStore>());
        services.AddSingleton<IMessageSender, QueueMessageSender>();
        services.AddSingleton<IInventoryStore, TableInventoryStore>();
        services.AddSingleton<TableCatalogStore>();
        services.AddSingleton<ICatalogStore>(sp => new CachedCatalog(sp.GetRequiredService<TableCatalogStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IExceptionStore, TableExceptionStore>();
        services.AddSingleton<IDeliveryLog, TableDeliveryLog>();
        services.AddSingleton<IDeadLetterStore, TableDeadLetterStore>();
        services.AddSingleton<IPosBatchStore, TablePosBatchStore>();
        services.AddSingleton<IAlertStore, TableAlertStore>();

        services.AddSingleton(new InventoryOptions(settings.DefaultFulfillmentLocation, settings.OversellChannels, settings.StockAuthorities,
            settings.PushCoalesceWindow, settings.PushCoalesceCap));
        services.AddSingleton<InventoryService>();
        services.AddSingleton<StockPoster>();
        services.AddSingleton<ChannelLevelReconciler>();
        services.AddSingleton<ShopifyWebhookHandler>();
        services.AddSingleton<AvailabilityHandler>();
        services.AddSingleton<ReservationExpiryHandler>();
        if (settings.ShopifyAdminBaseUrl is { } adminUrl)
        {
            services.AddHttpClient<IChannelPublisher, ShopifyInventoryPublisher>();
            services.AddHttpClient<Pipeline.Orders.IRefundGateway, ShopifyRefundGateway>();
            services.AddSingleton(new ShopifyAdminOptions(adminUrl, settings.ShopifyAdminAccessToken, settings.ShopifyAdminApiVersion,
                settings.ShopifyAdminMaxRetries, settings.ShopifyAdminBaseDelay, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)));
        }
        services.AddSingleton(new PosHandlerOptions(settings.PosChunkSize, settings.PosWindowSize));
        services.AddSingleton<PosBatchHandler>();
        services.AddSingleton<QueueProcessor>();
        services.AddSingleton<Replayer>();

        services.AddHostedService<StorageProvisioner>();
        services.AddSingleton<BacklogMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<BacklogMonitor>());
        if (settings.WorkersEnabled)
        {
            services.AddHostedService<QueueWorkers>();
            services.AddHostedService<TimerWorkers>();
        }
        return services;
    }
}

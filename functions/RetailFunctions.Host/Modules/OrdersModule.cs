using System.Globalization;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Host.Api;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Modules;

/// <summary>
/// The orders capability in the local runtime: the durable order workflow, its two queues (commands and timeouts;
/// published events and store pick requests), the outbox sweep, and the order routes.
/// </summary>
public static class OrdersModule
{
    public const string OutboxSweep = "orderOutboxSweep";

    public static IServiceCollection AddOrders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IOrderStore, TableOrderStore>();
        services.AddSingleton<IStoreTaskStore>(sp => new TableStoreTaskStore(sp.GetRequiredService<StorageAccount>()));
        services.AddSingleton<StorePickList>();
        services.AddSingleton(sp => PolicyFrom(configuration, sp.GetRequiredService<InventoryOptions>()));
        services.AddSingleton<OrderEffectRunner>();
        services.AddSingleton<OrderService>();
        services.AddSingleton<ShopifyOrderRecorder>();
        services.AddSingleton<PosOrderRecorder>();
        services.AddSingleton(TestOrderPolicy.Parse(configuration["Orders:BookTestOrders"], "Orders:BookTestOrders"));
        services.AddSingleton<ICapturedPaymentLedger, TableCapturedPaymentStore>();
        services.AddSingleton<ICapturedPaymentSource>(sp => sp.GetRequiredService<ICapturedPaymentLedger>());
        services.AddSingleton<IOrderEventSubscriber, CapturedPaymentSubscriber>();
        services.AddSingleton<IRefundAttemptStore, TableRefundAttemptStore>();
        services.AddSingleton<IOrderEventSubscriber, RefundExecutionSubscriber>();
        foreach (var processor in ProcessorRefunds(configuration))
        {
            services.AddHttpClient($"refunds-{processor.Name}");
            services.AddSingleton<IProcessorRefundConnector>(sp => new ProcessorRefundConnector(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient($"refunds-{processor.Name}"), processor, sp.GetRequiredService<TimeProvider>()));
        }
        services.AddSingleton<OrderCommandHandler>();
        services.AddSingleton<OrderEventsHandler>();
        services.AddSingleton(new QueueRoute(QueueNames.OrderWorkflow, sp => sp.GetRequiredService<OrderCommandHandler>().HandleAsync));
        services.AddSingleton(new QueueRoute(QueueNames.OrderEvents, sp => sp.GetRequiredService<OrderEventsHandler>().HandleAsync));
        services.AddSingleton(new TimerJob(OutboxSweep, "*/30 * * * * *", async (sp, ct) =>
        {
            var store = sp.GetRequiredService<IOrderStore>();
            var orders = sp.GetRequiredService<OrderService>();
            var clock = sp.GetRequiredService<TimeProvider>();
            var stalled = await store.ListWithPendingAsync(clock.GetUtcNow() - TimeSpan.FromSeconds(30), 200, ct);
            var ran = 0;
            foreach (var orderId in stalled) ran += await orders.DrainAsync(orderId, ct);
            return $"{stalled.Count} orders with unfinished effects, {ran} effects run";
        }));
        return services;
    }

    public static RouteGroupBuilder MapOrders(this RouteGroupBuilder api)
    {
        api.MapOrderRoutes();
        return api;
    }

    /// <summary>
    /// Refunds:Processors:{name}:BaseUrl (and ApiKey, Gateways as a comma list defaulting to the name, MaxRetries): the
    /// payment processors whose refunds go through the processor refund contract. A BaseUrl that is not an absolute URL
    /// stops the app at start with the setting's name.
    /// </summary>
    public static IReadOnlyList<ProcessorRefundOptions> ProcessorRefunds(IConfiguration configuration) =>
    [
        .. configuration.GetSection("Refunds:Processors").GetChildren().Select(section =>
        {
            var at = $"Refunds:Processors:{section.Key}";
            if (!Uri.TryCreate(section["BaseUrl"], UriKind.Absolute, out var baseUrl))
                throw new InvalidOperationException($"{at}:BaseUrl is '{section["BaseUrl"]}': it must be an absolute URL");
            var gateways = (section["Gateways"] ?? section.Key).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var retries = int.TryParse(section["MaxRetries"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 5;
            return new ProcessorRefundOptions(section.Key, gateways, baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/"),
                section["ApiKey"], retries, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        }),
    ];

    /// <summary>Orders:PickupWindow and Orders:ReturnWindow (TimeSpan, e.g. 3.00:00:00), Orders:CashRefundLimit.</summary>
    public static OrderPolicy PolicyFrom(IConfiguration configuration, InventoryOptions inventory)
    {
        var defaults = OrderPolicy.Default;
        return new OrderPolicy(
            Span(configuration, "Orders:PickupWindow") ?? defaults.PickupWindow,
            Span(configuration, "Orders:ReturnWindow") ?? defaults.ReturnWindow,
            decimal.TryParse(configuration["Orders:CashRefundLimit"], NumberStyles.Number, CultureInfo.InvariantCulture, out var limit) ? limit : defaults.CashRefundLimit,
            inventory.DefaultFulfillmentLocation,
            [.. inventory.OversellChannels]);
    }

    private static TimeSpan? Span(IConfiguration configuration, string key) =>
        configuration[key] is { Length: > 0 } text
            ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
                ? span
                : throw new InvalidOperationException($"{key} must be a positive TimeSpan such as 3.00:00:00; found '{text}'")
            : null;
}

using Microsoft.Extensions.DependencyInjection;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Storage;

namespace RetailFunctions.Functions.Messaging;

/// <summary>
/// The local runtime's routing table (QueueWorkers plus the modules' QueueRoute registrations): the handler each
/// queue's messages go to, whichever host delivers them.
/// </summary>
public sealed class QueueHandlers(IServiceProvider services)
{
    public MessageHandler? For(string queue) => queue switch
    {
        QueueNames.ShopifyWebhooks => (m, ct) => services.GetRequiredService<ShopifyWebhookHandler>().HandleAsync(m, ct),
        QueueNames.PosBatches => (m, ct) => services.GetRequiredService<PosBatchHandler>().HandleAsync(m, ct),
        QueueNames.ChannelAvailability => (m, ct) => services.GetRequiredService<AvailabilityHandler>().HandleAsync(m, ct),
        QueueNames.InventoryCommands => (m, ct) => services.GetRequiredService<ReservationExpiryHandler>().HandleAsync(m, ct),
        _ => services.GetServices<QueueRoute>().FirstOrDefault(r => r.Queue == queue)?.Handler(services),
    };
}

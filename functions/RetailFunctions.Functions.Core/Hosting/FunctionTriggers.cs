using RetailFunctions.Pipeline;

namespace RetailFunctions.Functions.Core.Hosting;

/// <summary>A timer trigger: its name (the local runtime's TimerJob name) and six-field CRON schedule (UTC).</summary>
public sealed record TimerTrigger(string Name, string Schedule);

/// <summary>
/// The triggers of the Functions app, as constants the function attributes use and tests compare with the local
/// runtime's registrations, so the two hosts cannot drift apart silently.
/// </summary>
public static class FunctionTriggers
{
    // Timer names and schedules: the local runtime's defaults (TimerWorkers and the modules' TimerJob registrations).
    public const string DedupCleanup = "dedupCleanup";
    public const string DedupCleanupSchedule = "0 0 * * * *";
    public const string OrderOutboxSweep = "orderOutboxSweep";
    public const string OrderOutboxSweepSchedule = "*/30 * * * * *";
    public const string LoyaltyExpiry = "loyaltyExpiry";
    public const string LoyaltyExpirySchedule = "0 15 3 * * *";
    public const string JournalSummaries = "journalSummaries";
    public const string JournalSummariesSchedule = "0 30 * * * *";
    public const string JournalRequeue = "journalRequeue";
    public const string JournalRequeueSchedule = "0 */5 * * * *";
    public const string Reconciliation = "reconciliation";
    public const string ReconciliationSchedule = "0 30 2 * * *";

    public static IReadOnlyList<TimerTrigger> Timers { get; } =
    [
        new(DedupCleanup, DedupCleanupSchedule),
        new(OrderOutboxSweep, OrderOutboxSweepSchedule),
        new(LoyaltyExpiry, LoyaltyExpirySchedule),
        new(JournalSummaries, JournalSummariesSchedule),
        new(JournalRequeue, JournalRequeueSchedule),
        new(Reconciliation, ReconciliationSchedule),
    ];

    /// <summary>
    /// Queues with a Service Bus trigger: every queue the local runtime consumes. inventory-alerts has no consumer in
    /// either host (low-stock alerts wait there for whoever subscribes), so it has no trigger.
    /// </summary>
    public static IReadOnlyList<string> ConsumedQueues { get; } =
    [
        QueueNames.ShopifyWebhooks,
        QueueNames.PosBatches,
        QueueNames.ChannelAvailability,
        QueueNames.InventoryCommands,
        QueueNames.OrderWorkflow,
        QueueNames.OrderEvents,
        QueueNames.ErpPostings,
    ];

    /// <summary>The app setting (and connection prefix) of the Service Bus namespace, as infra sets it.</summary>
    public const string ServiceBusConnection = "ServiceBus";
}

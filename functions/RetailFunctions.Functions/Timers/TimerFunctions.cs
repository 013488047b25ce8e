using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Host.Settings;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Functions.Timers;

/// <summary>
/// The local runtime's timers with the same names and schedules (six-field CRON, UTC; FunctionTriggers, checked
/// against TimerWorkers and the modules by the tests). Each runs the job the module registered; dedupCleanup is the
/// runtime's built-in purge.
/// </summary>
public sealed partial class TimerFunctions(
    IServiceProvider services, IDeliveryLog deliveries, RuntimeSettings settings, TimeProvider clock, ILogger<TimerFunctions> logger)
{
    [Function(FunctionTriggers.DedupCleanup)]
    public async Task DedupCleanup([TimerTrigger(FunctionTriggers.DedupCleanupSchedule)] TimerInfo timer, CancellationToken ct)
    {
        var purged = await deliveries.PurgeAsync(clock.GetUtcNow() - settings.DedupRetention, ct);
        LogRan(FunctionTriggers.DedupCleanup, $"{purged} deliveries older than {settings.DedupRetention.TotalHours:0} h forgotten");
    }

    [Function(FunctionTriggers.OrderOutboxSweep)]
    public Task OrderOutboxSweep([TimerTrigger(FunctionTriggers.OrderOutboxSweepSchedule)] TimerInfo timer, CancellationToken ct) =>
        RunJobAsync(FunctionTriggers.OrderOutboxSweep, ct);

    [Function(FunctionTriggers.LoyaltyExpiry)]
    public Task LoyaltyExpiry([TimerTrigger(FunctionTriggers.LoyaltyExpirySchedule)] TimerInfo timer, CancellationToken ct) =>
        RunJobAsync(FunctionTriggers.LoyaltyExpiry, ct);

    [Function(FunctionTriggers.JournalSummaries)]
    public Task JournalSummaries([TimerTrigger(FunctionTriggers.JournalSummariesSchedule)] TimerInfo timer, CancellationToken ct) =>
        RunJobAsync(FunctionTriggers.JournalSummaries, ct);

    [Function(FunctionTriggers.JournalRequeue)]
    public Task JournalRequeue([TimerTrigger(FunctionTriggers.JournalRequeueSchedule)] TimerInfo timer, CancellationToken ct) =>
        RunJobAsync(FunctionTriggers.JournalRequeue, ct);

    [Function(FunctionTriggers.Reconciliation)]
    public Task Reconciliation([TimerTrigger(FunctionTriggers.ReconciliationSchedule)] TimerInfo timer, CancellationToken ct) =>
        RunJobAsync(FunctionTriggers.Reconciliation, ct);

    /// <summary>A job a module registers only when configured (journalRequeue needs an ERP) is skipped, with a line in the log.</summary>
    private async Task RunJobAsync(string name, CancellationToken ct)
    {
        if (services.GetServices<TimerJob>().FirstOrDefault(j => j.Name == name) is not { } job)
        {
            LogSkipped(name);
            return;
        }
        LogRan(name, await job.Run(services, ct));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Timer}: {Summary}")]
    private partial void LogRan(string timer, string summary);

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Timer}: not configured in this app, nothing to do")]
    private partial void LogSkipped(string timer);
}

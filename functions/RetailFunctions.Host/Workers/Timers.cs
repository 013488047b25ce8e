using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Scheduling;

namespace RetailFunctions.Host.Workers;

/// <summary>
/// The timer triggers of the local runtime, on host.json's retailFunctions.timers CRON schedules (UTC, six fields, as
/// Functions timer triggers read them). Built in: forgetting webhook deliveries older than the dedup retention; modules add theirs as
/// <see cref="TimerJob"/> registrations.
/// </summary>
public sealed partial class TimerWorkers(
    HostJson hostJson, RuntimeSettings settings, IDeliveryLog deliveries, IServiceProvider services, TimeProvider clock, ILogger<TimerWorkers> logger)
    : BackgroundService
{
    public const string DedupCleanup = "dedupCleanup";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var jobs = services.GetServices<TimerJob>().Prepend(new TimerJob(DedupCleanup, "0 0 * * * *", async (_, ct) =>
        {
            var purged = await deliveries.PurgeAsync(clock.GetUtcNow() - settings.DedupRetention, ct);
            return $"{purged} deliveries older than {settings.DedupRetention.TotalHours:0} h forgotten";
        }));
        return Task.WhenAll(jobs.Select(job => RunOnScheduleAsync(job.Name, CronSchedule.Parse(hostJson.Schedule(job.Name, job.DefaultSchedule)),
            ct => job.Run(services, ct), stoppingToken)));
    }

    private async Task RunOnScheduleAsync(string name, CronSchedule schedule, Func<CancellationToken, Task<string>> job, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var next = schedule.Next(clock.GetUtcNow());
            try
            {
                await Task.Delay(next - clock.GetUtcNow(), clock, stop);
                LogTimerRan(name, await job(stop));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A failed run is retried at the next occurrence.
                LogTimerFailed(name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Timer}: {Summary}")]
    private partial void LogTimerRan(string timer, string summary);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {Timer} failed; it runs again at its next occurrence")]
    private partial void LogTimerFailed(string timer, Exception exception);
}

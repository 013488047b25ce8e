using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;
using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Workers;

/// <summary>
/// The latest known backlog of each queue, refreshed every second in the background so the edges can refuse work
/// (503 + Retry-After) without a storage call on their own path.
/// </summary>
public sealed class BacklogMonitor : BackgroundService
{
    private static readonly TimeSpan ExceptionCountInterval = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, QueueBacklog> _latest = new();
    private readonly ConcurrentDictionary<string, int> _openExceptions = new();
    private readonly StorageAccount account;
    private readonly RuntimeSettings settings;
    private readonly IExceptionStore exceptions;
    private readonly TimeProvider clock;
    private readonly ILogger<BacklogMonitor> logger;

    public BacklogMonitor(StorageAccount account, RuntimeSettings settings, IExceptionStore exceptions, TimeProvider clock, ILogger<BacklogMonitor> logger)
    {
        (this.account, this.settings, this.exceptions, this.clock, this.logger) = (account, settings, exceptions, clock, logger);
        // Gauges for the portal's alerts: queue depth and age, open exceptions per owner.
        PipelineTelemetry.Meter.CreateObservableGauge("retail.queue.depth",
            () => _latest.Values.Select(b => new Measurement<long>(b.Depth, new KeyValuePair<string, object?>("queue", b.Queue))), description: "Messages waiting on a queue");
        PipelineTelemetry.Meter.CreateObservableGauge("retail.queue.age_seconds",
            () => _latest.Values.Select(b => new Measurement<double>(b.OldestAge?.TotalSeconds ?? 0, new KeyValuePair<string, object?>("queue", b.Queue))), "s",
            "Age of the oldest visible message on a queue");
        PipelineTelemetry.Meter.CreateObservableGauge("retail.exceptions.open",
            () => _openExceptions.Select(kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("owner", kv.Key))), description: "Open business exceptions per owner");
    }

    public IReadOnlyCollection<QueueBacklog> Latest => _latest.Values.OrderBy(b => b.Queue, StringComparer.Ordinal).ToList();

    /// <summary>Why a queue is too far behind to take more work, or null when it can.</summary>
    public string? Overload(string queue)
    {
        if (!_latest.TryGetValue(queue, out var backlog)) return null;
        if (backlog.Depth > settings.BackpressureMaxQueueDepth)
            return $"queue {queue} holds {backlog.Depth} messages (limit {settings.BackpressureMaxQueueDepth})";
        if (backlog.OldestAge > settings.BackpressureMaxQueueAge)
            return $"oldest message on {queue} is {backlog.OldestAge.Value.TotalSeconds:0}s old (limit {settings.BackpressureMaxQueueAge.TotalSeconds:0}s)";
        return null;
    }

    // The queues are read side by side: under load each storage call waits behind many others, and one after
    // another they kept a health check from answering for tens of seconds.
    public Task RefreshAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(ResourceNameList.Embedded.Queues.Select(async queue =>
            _latest[queue] = await QueueBacklogReader.ReadAsync(account, queue, clock, cancellationToken)));

    private async Task CountOpenExceptionsAsync(CancellationToken cancellationToken)
    {
        var open = await exceptions.ListAsync(owner: null, ExceptionStatuses.Open, max: 100_000, cancellationToken);
        foreach (var owner in new[] { Owners.Inventory, Owners.Finance, Owners.Crm, Owners.Ops }.Concat(open.Select(e => e.Owner)).Distinct())
            _openExceptions[owner] = open.Count(e => e.Owner == owner);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastCount = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (clock.GetUtcNow() - lastCount >= ExceptionCountInterval)
                {
                    await CountOpenExceptionsAsync(stoppingToken);
                    lastCount = clock.GetUtcNow();
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Reading queue backlog failed: {Error}", e.Message);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

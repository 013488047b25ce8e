using System.Collections.Concurrent;
using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Workers;

/// <summary>
/// The latest known backlog of each queue, refreshed every second in the background so the edges can refuse work
/// (503 + Retry-After) without a storage call on their own path.
/// </summary>
public sealed class BacklogMonitor(StorageAccount account, RuntimeSettings settings, TimeProvider clock, ILogger<BacklogMonitor> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, QueueBacklog> _latest = new();

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

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in ResourceNameList.Embedded.Queues)
            _latest[queue] = await QueueBacklogReader.ReadAsync(account, queue, clock, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
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

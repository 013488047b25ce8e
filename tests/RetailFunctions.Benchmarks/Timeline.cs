using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Queues;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// Where a scenario's time goes while it runs: every few seconds, the depth of every queue and the share of a core
/// the emulator and the runtime used since the last sample, with the machine's time stolen by the hypervisor. A
/// backlog that forms on one queue slows every call the single-threaded emulator serves, so a slow run is told
/// from a fast one by where and when its backlog formed.
/// </summary>
public sealed class Timeline : IAsyncDisposable
{
    private readonly Azurite _azurite;
    private readonly RuntimeProcess _runtime;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _samples = [];
    private readonly Task _sampling;

    private Timeline(Azurite azurite, RuntimeProcess runtime, TimeSpan interval)
    {
        (_azurite, _runtime, _interval) = (azurite, runtime, interval);
        _sampling = Task.Run(SampleAsync);
    }

    public static Timeline Start(Azurite azurite, RuntimeProcess runtime, TimeSpan interval) => new(azurite, runtime, interval);

    /// <summary>Stops sampling and returns one line per sample.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return _samples;
    }

    private async Task SampleAsync()
    {
        var queues = new QueueServiceClient(_azurite.ConnectionString);
        var (azuriteBefore, runtimeBefore, stolenBefore, at) = (_azurite.Usage.ProcessorTime, _runtime.ProcessorTime, MachineTicks(), _clock.Elapsed);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_interval, _stop.Token);
                var depths = new List<string>();
                await foreach (var queue in queues.GetQueuesAsync(cancellationToken: _stop.Token))
                {
                    var depth = (await queues.GetQueueClient(queue.Name).GetPropertiesAsync(_stop.Token)).Value.ApproximateMessagesCount;
                    if (depth > 0) depths.Add($"{queue.Name} {depth}");
                }
                var ((azurite, resident), runtime, stolen, now) = (_azurite.Usage, _runtime.ProcessorTime, MachineTicks(), _clock.Elapsed);
                var wall = (now - at).TotalMilliseconds;
                var steal = stolen.Total > stolenBefore.Total
                    ? 100.0 * (stolen.Steal - stolenBefore.Steal) / (stolen.Total - stolenBefore.Total)
                    : 0;
                _samples.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{now.TotalSeconds,6:0.0} s  azurite {100 * (azurite - azuriteBefore).TotalMilliseconds / wall,3:0}% {resident / 1048576.0,5:0} MiB  runtime {100 * (runtime - runtimeBefore).TotalMilliseconds / wall,3:0}%  " +
                    $"steal {steal,2:0}%  queues: {(depths.Count == 0 ? "empty" : string.Join(", ", depths))}"));
                (azuriteBefore, runtimeBefore, stolenBefore, at) = (azurite, runtime, stolen, now);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or InvalidOperationException or IOException)
            {
                _samples.Add($"{_clock.Elapsed.TotalSeconds,6:0.0} s  sample failed: {e.Message}");
            }
        }
    }

    /// <summary>All processor ticks of the machine and those stolen by the hypervisor, from /proc/stat (zeros where it is absent).</summary>
    private static (long Total, long Steal) MachineTicks()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            return (fields.Sum(), fields.Length > 7 ? fields[7] : 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}

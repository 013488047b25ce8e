using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// Whether a deep queue slows everything else on the same Azurite: Table point reads (what an order's HTTP calls wait
/// on) timed one after another while a consumer keeps receiving from a queue, first with the queue empty, then with
/// thousands of messages in it (the backlog an event queue builds when its consumers fall behind).
/// </summary>
public static class AzuriteDepthBench
{
    public static async Task RunAsync(Config config, Report report, CancellationToken ct)
    {
        var depth = config.Quick ? 3_000 : 10_000;
        const int reads = 300;
        Console.WriteLine();
        Console.WriteLine($"[azurite depth] {reads} Table point reads one at a time while a consumer receives from a queue, at depth 0 and at depth {depth}");
        var azurite = await Started.AzuriteAsync();
        try
        {
            var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("DepthProbe");
            await table.CreateIfNotExistsAsync(ct);
            await table.UpsertEntityAsync(new TableEntity("p", "r") { ["Body"] = StorageBench.JsonMessage(1024) }, cancellationToken: ct);
            var queue = new QueueClient(azurite.ConnectionString, "depth-probe", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
            await queue.CreateIfNotExistsAsync(cancellationToken: ct);

            var empty = await ReadsWhileReceivingAsync(table, queue, reads, ct);
            var message = StorageBench.JsonMessage(2048);
            await Load.RunAsync(depth, config.Concurrency, async (_, token) =>
            {
                await queue.SendMessageAsync(message, token);
                return "200";
            }, ct);
            var deep = await ReadsWhileReceivingAsync(table, queue, reads, ct);

            report.Row("Azurite: Table read, queue empty", $"p99 {empty.Reads.P99Ms:0.0} ms",
                $"{reads} point reads one at a time: {empty.Reads}; meanwhile receive (32 at a time) {empty.Receives}");
            report.Row($"Azurite: Table read, queue at {depth:N0}", $"p99 {deep.Reads.P99Ms:0.0} ms",
                $"{reads} point reads one at a time: {deep.Reads}; meanwhile receive (32 at a time) {deep.Receives}");
            report.Result("azuriteDepth", new { depth, reads, empty = empty.Reads, deep = deep.Reads, emptyReceive = empty.Receives, deepReceive = deep.Receives });
        }
        finally
        {
            await Started.StopAsync(azurite);
        }
    }

    private static async Task<(LatencySummary Reads, LatencySummary Receives)> ReadsWhileReceivingAsync(TableClient table, QueueClient queue, int reads,
        CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receives = new List<double>();
        var consumer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    // Never deleted: the messages come back after a second, so the depth stays as it was.
                    await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1), stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                lock (receives) receives.Add(clock.Elapsed.TotalMilliseconds);
            }
        }, CancellationToken.None);
        var samples = new List<double>();
        for (var i = 0; i < reads; i++)
        {
            var clock = Stopwatch.StartNew();
            await table.GetEntityAsync<TableEntity>("p", "r", cancellationToken: ct);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
        await stop.CancelAsync();
        await consumer;
        lock (receives) return (LatencySummary.Of(samples), LatencySummary.Of(receives.Count == 0 ? [0] : receives));
    }
}

using System.Text;
using Azure.Storage.Queues;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>The storage floor: how fast Azurite takes queue messages with nothing in front of it.</summary>
public static class StorageBench
{
    public static async Task RawEnqueueAsync(Config config, Report report, CancellationToken ct)
    {
        Console.WriteLine();
        Console.WriteLine($"[1] raw Azurite enqueue: {config.EnqueueMessages} messages from {config.Concurrency} senders, fresh queue each");
        Azurite? azurite = null;
        try
        {
            azurite = await Started.AzuriteAsync();
            var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
            var service = new QueueServiceClient(azurite.ConnectionString, options);

            foreach (var (label, key, size) in new[] { ("1 KiB", "rawEnqueue1KiB", 1024), ("5 KiB, as big as a webhook envelope", "rawEnqueue5KiB", 5 * 1024) })
            {
                var message = JsonMessage(size);
                var warmup = service.GetQueueClient($"bench-warmup-{size}");
                await warmup.CreateAsync(cancellationToken: ct);
                await Load.RunAsync(config.EnqueueWarmup, config.Concurrency, async (_, token) =>
                {
                    await warmup.SendMessageAsync(message, token);
                    return "200";
                }, ct);
                await warmup.DeleteAsync(ct);

                var queue = service.GetQueueClient($"bench-raw-{size}");
                await queue.CreateAsync(cancellationToken: ct);
                var result = await Load.RunAsync(config.EnqueueMessages, config.Concurrency, async (_, token) =>
                {
                    var response = await queue.SendMessageAsync(message, token);
                    return response.GetRawResponse().Status == 201 ? "200" : response.GetRawResponse().Status.ToString();
                }, ct);
                var depth = (await queue.GetPropertiesAsync(ct)).Value.ApproximateMessagesCount;
                await queue.DeleteAsync(ct);

                report.Row($"Raw enqueue {label}", $"{Report.Fmt(result.PerSecond)} msg/s",
                    $"{result.Operations} msgs of {message.Length} B, {config.Concurrency} senders, {result.Elapsed.TotalSeconds:0.00} s; send {result.Latency}; failures {result.NotOk}; depth after {depth}");
                report.Figure(key, result.PerSecond);
                report.Result(key, new
                {
                    messages = result.Operations,
                    messageBytes = message.Length,
                    concurrency = config.Concurrency,
                    seconds = Report.Round(result.Elapsed.TotalSeconds, 3),
                    perSecond = Report.Round(result.PerSecond),
                    latencyMs = result.Latency,
                    failures = result.NotOk,
                    depthAfter = depth,
                });
            }
        }
        finally
        {
            await Started.StopAsync(azurite);
        }
    }

    /// <summary>A JSON object of about <paramref name="bytes"/> bytes, like a small event envelope.</summary>
    public static string JsonMessage(int bytes)
    {
        var head = "{\"id\":\"3f0c2a9e-7b1d-4c55-9a0e-2b8f6d1c4e77\",\"kind\":\"bench\",\"occurredAt\":\"2026-11-20T15:04:05Z\",\"payload\":\"";
        var tail = "\"}";
        var filler = new StringBuilder();
        while (head.Length + filler.Length + tail.Length < bytes)
            filler.Append("lorem ipsum dolor sit amet ");
        return head + filler.ToString(0, bytes - head.Length - tail.Length) + tail;
    }
}

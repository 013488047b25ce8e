using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// Counts the requests a storage account's clients send, as the benchmark's proxy does: by method and table or queue,
/// an entity-group transaction once, under <c>$batch:{table}</c>, with the number of operations it held. It can also
/// fail the next entity-group transactions to a table, as storage that is down would (before any retry).
/// </summary>
public sealed partial class StorageRoundTrips : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Table, int Operations)> _batches = new();
    private readonly ConcurrentDictionary<string, int> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BatchHold> _holds = new(StringComparer.Ordinal);

    /// <summary>A held transaction: <see cref="Reached"/> completes when it arrives, and it goes on once <see cref="Released"/> is completed.</summary>
    public sealed record BatchHold(TaskCompletionSource Reached, TaskCompletionSource Released);

    /// <summary>
    /// An account whose Table clients (and Queue clients, unless told not to; Blob clients when told to) are counted by
    /// <paramref name="counter"/>.
    /// </summary>
    public static StorageAccount Account(string connectionString, StorageRoundTrips counter, bool countQueues = true, bool countBlobs = false)
    {
        var tables = new TableClientOptions();
        tables.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var queues = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        if (countQueues) queues.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var blobs = new BlobClientOptions();
        if (countBlobs) blobs.AddPolicy(counter, HttpPipelinePosition.PerCall);
        return new StorageAccount(new TableServiceClient(connectionString, tables), new QueueServiceClient(connectionString, queues),
            new BlobServiceClient(connectionString, blobs));
    }

    /// <summary>Requests of a kind since the last reset: "POST $batch:Inventory", "POST Orders", "POST channel-availability".</summary>
    public int this[string kind] => _counts.GetValueOrDefault(kind);

    /// <summary>Every request counted since the last reset (a transaction is one, a retry is not another).</summary>
    public int Total => _counts.Values.Sum();

    /// <summary>The entity-group transactions sent to a table since the last reset, by the operations each held.</summary>
    public IReadOnlyList<int> Batches(string table) => [.. _batches.Where(b => b.Table == table).Select(b => b.Operations)];

    /// <summary>What was counted, for a failing test's message.</summary>
    public override string ToString() => string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    public void Reset()
    {
        _counts.Clear();
        _batches.Clear();
    }

    /// <summary>The next <paramref name="count"/> entity-group transactions to the table fail as if storage were unavailable.</summary>
    public void FailNextBatches(string table, int count) => _failing[table] = count;

    /// <summary>The next entity-group transaction to the table is held when it arrives (counted, not yet sent) until released.</summary>
    public BatchHold HoldNextBatch(string table) => _holds[table] = new BatchHold(
        new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Count(message) is { } batchTable && _holds.TryRemove(batchTable, out var hold))
        {
            hold.Reached.TrySetResult();
            await hold.Released.Task;
        }
        await ProcessNextAsync(message, pipeline);
    }

    /// <summary>Counts the request; the table of an entity-group transaction, else null.</summary>
    private string? Count(HttpMessage message)
    {
        var request = message.Request;
        var path = request.Uri.Path;
        // Path: /{account}/{table, queue or container}... on the emulator (the account is the first segment).
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = segments.Length > 1 ? segments[1] : segments.ElementAtOrDefault(0) ?? "";
        if (name == "$batch")
        {
            var (table, operations) = Operations(request);
            _counts.AddOrUpdate($"POST $batch:{table}", 1, (_, n) => n + 1);
            _batches.Enqueue((table, operations));
            if (_failing.TryGetValue(table, out var left) && left > 0 && _failing.TryUpdate(table, left - 1, left))
                throw new RequestFailedException(503, $"injected: storage unavailable for a transaction to {table}");
            return table;
        }
        var paren = name.IndexOf('(');
        _counts.AddOrUpdate($"{request.Method} {(paren >= 0 ? name[..paren] : name)}", 1, (_, n) => n + 1);
        return null;
    }

    /// <summary>A transaction's table and how many operations it holds, read from its multipart body.</summary>
    private static (string Table, int Operations) Operations(Request request)
    {
        using var body = new MemoryStream();
        request.Content?.WriteTo(body, CancellationToken.None);
        var lines = OperationLine().Matches(Encoding.UTF8.GetString(body.ToArray()));
        return (lines.Count > 0 ? lines[0].Groups["table"].Value : "?", lines.Count);
    }

    [GeneratedRegex(@"^(POST|PUT|PATCH|MERGE|DELETE) \S+?/(?<table>[A-Za-z0-9]+)[(? ]", RegexOptions.Multiline)]
    private static partial Regex OperationLine();
}

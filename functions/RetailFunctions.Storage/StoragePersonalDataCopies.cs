using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues.Models;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Privacy;

namespace RetailFunctions.Storage;

/// <summary>
/// Every copy of a payload in the storage account, for erasure: the blobs of the raw archive, uploads, spilled payloads
/// and exports; dead letters, exceptions and orders; and every message waiting in every queue. Each copy is read with
/// its version (ETag, or the pop receipt of a message held invisible) and rewritten only at that version.
/// </summary>
public sealed class StoragePersonalDataCopies(StorageAccount account) : IPersonalDataCopies
{
    /// <summary>How long a queue message stays hidden from the workers while the sweep decides about it.</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(5);
    private const int MaxMessagesPerQueue = 10_000;

    /// <summary>Tables whose rows carry text taken from payloads (envelopes, reasons, details, outcomes), and which properties.</summary>
    private static readonly (string Table, CopyKind Kind, string[] Properties)[] TextRows =
    [
        (TableNames.DeadLetters, CopyKind.DeadLetter, ["Envelope", "Reason"]),
        (TableNames.Exceptions, CopyKind.Exception, ["Detail", "BusinessKeys", "History"]),
        (TableNames.Deliveries, CopyKind.Delivery, ["Outcome"]),
        (TableNames.PosBatches, CopyKind.Delivery, ["Reason"]),
    ];

    private static readonly (string Container, CopyKind Kind)[] Containers =
    [
        (ContainerNames.RawArchive, CopyKind.RawArchive),
        (ContainerNames.PosUploads, CopyKind.Upload),
        (ContainerNames.SettlementUploads, CopyKind.Upload),
        (ContainerNames.LargePayloads, CopyKind.LargePayload),
        (ContainerNames.PrivacyExports, CopyKind.Export),
    ];

    public async IAsyncEnumerable<StoredCopy> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var (container, kind) in Containers)
            await foreach (var blob in account.Container(container).GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, null, cancellationToken))
                if (await ReadBlobAsync(kind, container, blob.Name, cancellationToken) is { } copy) yield return copy;
        foreach (var (table, kind, _) in TextRows)
            await foreach (var row in account.Table(table).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
                yield return TextRowCopy(kind, table, row);
        await foreach (var row in account.Table(TableNames.Orders).QueryAsync<TableEntity>(TableOrderStore.OrderRowsFilter, cancellationToken: cancellationToken))
            yield return OrderCopy(row);
        await foreach (var queue in account.Queues.GetQueuesAsync(cancellationToken: cancellationToken))
            foreach (var copy in await HoldQueueAsync(queue.Name, cancellationToken))
                yield return copy;
    }

    public async Task<bool> ReplaceAsync(StoredCopy copy, string text, CancellationToken cancellationToken)
    {
        try
        {
            switch (copy.Kind)
            {
                case CopyKind.QueueMessage:
                    var (queue, id) = Split(copy.Location);
                    await account.Queue(queue).UpdateMessageAsync(id, copy.Version, text, TimeSpan.Zero, cancellationToken);
                    return true;
                case CopyKind.DeadLetter or CopyKind.Exception or CopyKind.Delivery or CopyKind.Order:
                    return await ReplaceRowAsync(copy, text, cancellationToken);
                default:
                    var (container, name) = Split(copy.Location);
                    var blob = account.Container(container).GetBlobClient(name);
                    var properties = (await blob.GetPropertiesAsync(new BlobRequestConditions { IfMatch = new ETag(copy.Version!) }, cancellationToken)).Value;
                    await blob.UploadAsync(BinaryData.FromString(text), new Azure.Storage.Blobs.Models.BlobUploadOptions
                    {
                        HttpHeaders = new BlobHttpHeaders { ContentType = properties.ContentType },
                        Metadata = properties.Metadata,
                        Conditions = new BlobRequestConditions { IfMatch = new ETag(copy.Version!) },
                    }, cancellationToken);
                    return true;
            }
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            // Changed (or gone, or the message taken back by its visibility lapsing) since it was read.
            return false;
        }
    }

    public async Task<StoredCopy?> ReloadAsync(StoredCopy copy, CancellationToken cancellationToken)
    {
        if (copy.Kind == CopyKind.QueueMessage) return null;
        if (copy.Kind is CopyKind.DeadLetter or CopyKind.Exception or CopyKind.Delivery or CopyKind.Order)
        {
            var (table, partition, row) = RowOf(copy);
            var found = await account.Table(table).GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
            return !found.HasValue ? null : copy.Kind == CopyKind.Order ? OrderCopy(found.Value!) : TextRowCopy(copy.Kind, table, found.Value!);
        }
        var (container, name) = Split(copy.Location);
        return await ReadBlobAsync(copy.Kind, container, name, cancellationToken);
    }

    public async Task DeleteAsync(StoredCopy copy, CancellationToken cancellationToken)
    {
        var (container, name) = Split(copy.Location);
        await account.Container(container).GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
    }

    public async Task ReleaseAsync(StoredCopy copy, CancellationToken cancellationToken)
    {
        if (copy.Kind != CopyKind.QueueMessage) return;
        var (queue, id) = Split(copy.Location);
        try
        {
            await account.Queue(queue).UpdateMessageAsync(id, copy.Version, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 400)
        {
            // Its hold lapsed and a worker took it: it is theirs now.
        }
    }

    private async Task<StoredCopy?> ReadBlobAsync(CopyKind kind, string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await account.Container(container).GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value;
            var metadata = content.Details.Metadata;
            return new StoredCopy(kind, $"{container}/{name}", content.Content.ToString(),
                metadata.TryGetValue("shopify_shop_domain", out var shop) ? shop : null,
                metadata.TryGetValue("shopify_topic", out var topic) ? topic : null,
                content.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Takes every visible message of a queue out of sight for <see cref="Hold"/>, so each is read once and none is
    /// handled while it is being rewritten. Messages scheduled for later are invisible to every reader until due.
    /// </summary>
    private async Task<IReadOnlyList<StoredCopy>> HoldQueueAsync(string queue, CancellationToken cancellationToken)
    {
        var held = new List<StoredCopy>();
        var client = account.Queue(queue);
        while (held.Count < MaxMessagesPerQueue)
        {
            QueueMessage[] batch = (await client.ReceiveMessagesAsync(32, Hold, cancellationToken)).Value;
            if (batch.Length == 0) break;
            foreach (var message in batch)
            {
                var text = message.Body.ToString();
                var envelopes = TryEnvelopes(text);
                held.Add(new StoredCopy(CopyKind.QueueMessage, $"{queue}/{message.MessageId}", text, Shared(envelopes, BusinessKeys.Shop),
                    Shared(envelopes, BusinessKeys.Topic), message.PopReceipt));
            }
        }
        return held;
    }

    /// <summary>
    /// A row's text properties as one JSON object of strings; a dead letter's envelope names its shop, a delivery row
    /// its shop.
    /// </summary>
    private static StoredCopy TextRowCopy(CopyKind kind, string table, TableEntity row)
    {
        var fields = new JsonObject();
        foreach (var property in TextRows.First(t => t.Table == table).Properties) fields[property] = row.GetString(property);
        var shop = kind == CopyKind.DeadLetter ? TryEnvelope(row.GetString("Envelope") ?? "")?.Key(BusinessKeys.Shop) : row.GetString("Shop");
        return new StoredCopy(kind, RowLocation(table, row), fields.ToJsonString(), shop, null, row.ETag.ToString());
    }

    private static StoredCopy OrderCopy(TableEntity row) =>
        new(CopyKind.Order, RowLocation(TableNames.Orders, row),
            $"{{\"state\":{Or(TableOrderStore.ReadChunks(row, "State"))},\"pending\":{Or(TableOrderStore.ReadChunks(row, "Pending"))}}}",
            null, null, row.ETag.ToString());

    private static string Or(string json) => json.Length == 0 ? "null" : json;

    private async Task<bool> ReplaceRowAsync(StoredCopy copy, string text, CancellationToken cancellationToken)
    {
        var (table, partition, rowKey) = RowOf(copy);
        var found = await account.Table(table).GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value!.ETag.ToString() != copy.Version) return false;
        var row = found.Value!;
        if (copy.Kind == CopyKind.Order)
        {
            var order = JsonNode.Parse(text)!.AsObject();
            foreach (var stale in row.Keys.Where(k => k.StartsWith("State", StringComparison.Ordinal) || k.StartsWith("Pending", StringComparison.Ordinal))
                         .Where(k => k is not "PendingCount").ToList())
                row.Remove(stale);
            TableOrderStore.WriteChunks(row, "State", order["state"]?.ToJsonString() ?? "");
            TableOrderStore.WriteChunks(row, "Pending", order["pending"]?.ToJsonString() ?? "");
        }
        else
        {
            foreach (var (property, value) in JsonNode.Parse(text)!.AsObject())
            {
                if (value is null) row.Remove(property);
                else row[property] = value.GetValue<string>();
            }
        }
        await account.Table(table).UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
        return true;
    }

    /// <summary>A message's envelopes (one, or a group), or none when it is not readable as such.</summary>
    private static IReadOnlyList<Envelope> TryEnvelopes(string text) => QueueMessageSender.TryRead(text, out _)?.Envelopes ?? [];

    /// <summary>A key all of a message's envelopes agree on (a group from one shop names it), else null.</summary>
    private static string? Shared(IReadOnlyList<Envelope> envelopes, string key)
    {
        var values = envelopes.Select(e => e.Key(key)).Distinct(StringComparer.Ordinal).ToList();
        return values.Count == 1 ? values[0] : null;
    }

    private static Envelope? TryEnvelope(string text)
    {
        try
        {
            return QueueMessageSender.Deserialize(text);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    private static string RowLocation(string table, TableEntity row) => $"{table}/{row.PartitionKey}/{row.RowKey}";

    private static (string Table, string Partition, string Row) RowOf(StoredCopy copy)
    {
        var parts = copy.Location.Split('/', 3);
        return (parts[0], parts[1], parts[2]);
    }

    private static (string First, string Remainder) Split(string location)
    {
        var slash = location.IndexOf('/');
        return (location[..slash], location[(slash + 1)..]);
    }
}

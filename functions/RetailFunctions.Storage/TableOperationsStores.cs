using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Storage;

/// <summary>Business exceptions, one partition per owner, one row per derived id.</summary>
public sealed class TableExceptionStore(StorageAccount account) : IExceptionStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private TableClient Table => account.Table(TableNames.Exceptions);

    public async Task RaiseAsync(BusinessException exception, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(new TableEntity(exception.Owner, exception.Id)
            {
                ["Reason"] = exception.Reason,
                ["Detail"] = exception.Detail,
                ["SourceMessageId"] = exception.SourceMessageId,
                ["PayloadReference"] = exception.PayloadReference,
                ["BusinessKeys"] = JsonSerializer.Serialize(exception.BusinessKeys, Json),
                ["Status"] = exception.Status,
                ["RaisedAt"] = exception.RaisedAt,
            }, cancellationToken);
            PipelineTelemetry.ExceptionsRaised.Add(1, new("owner", exception.Owner), new("reason", exception.Reason));
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Raised already by an earlier delivery of the same event.
        }
    }

    public async Task<IReadOnlyList<BusinessException>> ListAsync(string? owner, string? status, int max, CancellationToken cancellationToken)
    {
        var filter = owner is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {owner}");
        var found = new List<BusinessException>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (status is not null && e.GetString("Status") != status) continue;
            found.Add(ToException(e));
            if (found.Count >= max) break;
        }
        return found.OrderByDescending(x => x.RaisedAt).ToList();
    }

    public async Task<BusinessException?> GetAsync(string owner, string id, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(owner, id, cancellationToken: cancellationToken);
        return row.HasValue ? ToException(row.Value!) : null;
    }

    public async Task<(BusinessException? Exception, string? Refusal)> TransitionAsync(
        string owner, string id, string action, string by, string? note, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(owner, id, cancellationToken: cancellationToken);
            if (!row.HasValue) return (null, null);
            var current = ToException(row.Value!);
            var (next, refusal) = ExceptionLifecycle.Apply(current.Status, action);
            if (next is null) return (current, refusal);
            var history = (current.History ?? []).Append(new ExceptionAudit(at, by, action, note)).ToList();
            var entity = row.Value!;
            entity["Status"] = next;
            entity["History"] = JsonSerializer.Serialize(history, Json);
            try
            {
                await Table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                return (current with { Status = next, History = history }, null);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Someone else moved it meanwhile: decide again on what they left.
            }
        }
        throw new InvalidOperationException($"exception {owner}/{id} kept changing under concurrent updates");
    }

    private static BusinessException ToException(TableEntity e) => new(e.RowKey, e.PartitionKey, e.GetString("Reason"), e.GetString("Detail"),
        e.GetString("SourceMessageId"), e.GetString("PayloadReference"),
        JsonSerializer.Deserialize<Dictionary<string, string>>(e.GetString("BusinessKeys") ?? "{}", Json)!,
        e.GetString("Status"), e.GetDateTimeOffset("RaisedAt") ?? default,
        JsonSerializer.Deserialize<List<ExceptionAudit>>(e.GetString("History") ?? "[]", Json));
}

/// <summary>
/// Webhook deliveries already processed, by webhook id and by event id (one partition per shop, so both rows are
/// written in one transaction). Rows are kept past Shopify's 4-hour retry window. A claim is the same two rows without
/// an outcome, added only when neither exists: the add itself is the duplicate check of a new delivery.
/// </summary>
public sealed class TableDeliveryLog(StorageAccount account) : IDeliveryLog
{
    private TableClient Table => account.Table(TableNames.Deliveries);

    // A shop's deliveries share its partition: those claimed, or finished, side by side (a burst of webhooks handled
    // at once) are written together, one entity-group transaction for many.
    private readonly PartitionGroupCommit _claims = new(() => account.Table(TableNames.Deliveries), TableTransactionActionType.Add);
    private readonly PartitionGroupCommit _records = new(() => account.Table(TableNames.Deliveries), TableTransactionActionType.UpsertReplace);

    public async Task<DeliveryRecord?> FindAsync(string shop, string webhookId, string? eventId, CancellationToken cancellationToken)
    {
        var partition = TableKeys.Escape(shop);
        var byWebhook = $"w:{TableKeys.Escape(webhookId)}";
        if (eventId is null)
        {
            var found = await Table.GetEntityIfExistsAsync<TableEntity>(partition, byWebhook, cancellationToken: cancellationToken);
            return found.HasValue && Finished(found.Value!) ? ToRecord(found.Value!) : null;
        }
        // Both rows by key, the webhook id's first: this table gains two rows with every delivery.
        var rows = await Table.ReadRowsAsync(partition, [byWebhook, $"e:{TableKeys.Escape(eventId)}"], cancellationToken);
        return rows.FirstOrDefault(r => r is not null && Finished(r)) is { } seen ? ToRecord(seen) : null;
    }

    public async Task<DeliveryRecord?> ClaimAsync(DeliveryRecord claim, CancellationToken cancellationToken) =>
        await _claims.WriteAsync(Rows(claim, finished: false), cancellationToken)
            ? null
            // One of its ids is logged: a duplicate if finished, else an attempt that stopped short, to be run again.
            : await FindAsync(claim.Shop, claim.WebhookId, claim.EventId, cancellationToken);

    public Task RecordAsync(DeliveryRecord record, CancellationToken cancellationToken) =>
        _records.WriteAsync(Rows(record, finished: true), cancellationToken);

    private static List<TableEntity> Rows(DeliveryRecord record, bool finished)
    {
        var partition = TableKeys.Escape(record.Shop);
        var rows = new List<TableEntity> { ToEntity(partition, $"w:{TableKeys.Escape(record.WebhookId)}", record, finished) };
        if (record.EventId is not null) rows.Add(ToEntity(partition, $"e:{TableKeys.Escape(record.EventId)}", record, finished));
        return rows;
    }

    /// <summary>A claim has no outcome yet (rows of every version before claims have one).</summary>
    private static bool Finished(TableEntity row) => row.GetString("Outcome") is not null;

    public async Task<int> PurgeAsync(DateTimeOffset processedBefore, CancellationToken cancellationToken)
    {
        var purged = 0;
        var stale = Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ProcessedAt lt {processedBefore}"),
            select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken);
        await foreach (var page in stale.AsPages(pageSizeHint: 1000))
        {
            foreach (var partition in page.Values.GroupBy(e => e.PartitionKey))
            {
                foreach (var chunk in partition.Chunk(100))
                {
                    await Table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken);
                    purged += chunk.Length;
                }
            }
        }
        return purged;
    }

    private static TableEntity ToEntity(string partition, string row, DeliveryRecord r, bool finished)
    {
        var entity = new TableEntity(partition, row)
        {
            ["Shop"] = r.Shop,
            ["WebhookId"] = r.WebhookId,
            ["EventId"] = r.EventId,
            ["Topic"] = r.Topic,
            ["ArchiveBlob"] = r.ArchiveBlob,
            ["ReceivedAt"] = r.ReceivedAt,
            ["ProcessedAt"] = r.ProcessedAt,
        };
        if (finished) entity["Outcome"] = r.Outcome.Length > 30_000 ? r.Outcome[..30_000] : r.Outcome;
        return entity;
    }

    private static DeliveryRecord ToRecord(TableEntity e) => new(
        e.GetString("Shop"), e.GetString("WebhookId"), e.GetString("EventId"), e.GetString("Topic"), e.GetString("Outcome"),
        e.GetString("ArchiveBlob"), e.GetDateTimeOffset("ReceivedAt") ?? default, e.GetDateTimeOffset("ProcessedAt") ?? default);
}

/// <summary>Messages that will never succeed, parked with why, how often they were tried, and the whole envelope.</summary>
public sealed class TableDeadLetterStore(StorageAccount account, BlobStore blobs) : IDeadLetterStore
{
    /// <summary>A string property holds 64 KiB: 32K UTF-16 characters.</summary>
    private const int MaxPropertyChars = 30_000;
    private TableClient Table => account.Table(TableNames.DeadLetters);

    public async Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        var envelope = JsonSerializer.Serialize(deadLetter.Envelope, QueueMessageSender.Json);
        if (envelope.Length > MaxPropertyChars && deadLetter.Envelope.Payload is { } payload)
        {
            // Too large for a table property: the payload moves to a blob and the envelope keeps its reference.
            var blobName = $"deadletters/{deadLetter.Queue}/{deadLetter.Id}";
            await blobs.PutIfAbsentAsync(ContainerNames.LargePayloads, blobName, System.Text.Encoding.UTF8.GetBytes(payload), "application/octet-stream", cancellationToken);
            envelope = JsonSerializer.Serialize(deadLetter.Envelope with { Payload = null, PayloadBlob = blobName }, QueueMessageSender.Json);
        }
        await Table.UpsertEntityAsync(new TableEntity(deadLetter.Queue, deadLetter.Id)
        {
            ["Reason"] = deadLetter.Reason.Length > MaxPropertyChars ? deadLetter.Reason[..MaxPropertyChars] : deadLetter.Reason,
            ["ExceptionType"] = deadLetter.ExceptionType,
            ["AttemptCount"] = deadLetter.AttemptCount,
            ["Envelope"] = envelope,
            ["DeadLetteredAt"] = deadLetter.DeadLetteredAt,
            // Merge keeps ReplayedAt and ReplayCount when a replayed message fails again.
        }, TableUpdateMode.Merge, cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int max, CancellationToken cancellationToken, string? queue = null)
    {
        var found = new List<DeadLetter>();
        var filter = queue is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {queue}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            found.Add(new DeadLetter(e.RowKey, e.PartitionKey, e.GetString("Reason"), e.GetString("ExceptionType"),
                e.GetInt64("AttemptCount") ?? 0, QueueMessageSender.Deserialize(e.GetString("Envelope")), e.GetDateTimeOffset("DeadLetteredAt") ?? default,
                e.GetDateTimeOffset("ReplayedAt"), e.GetInt32("ReplayCount") ?? 0));
            if (found.Count >= max) break;
        }
        return found;
    }

    public Task MarkReplayedAsync(DeadLetter deadLetter, DateTimeOffset at, CancellationToken cancellationToken) =>
        Table.UpdateEntityAsync(new TableEntity(deadLetter.Queue, deadLetter.Id)
        {
            ["ReplayedAt"] = at,
            ["ReplayCount"] = deadLetter.ReplayCount + 1,
        }, ETag.All, TableUpdateMode.Merge, cancellationToken);
}

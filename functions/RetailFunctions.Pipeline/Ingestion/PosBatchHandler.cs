using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Ingestion;

public sealed record PosHandlerOptions(int ChunkSize)
{
    /// <summary>A chunk's statuses and the batch row share one entity-group transaction: at most 100 operations.</summary>
    public int EffectiveChunkSize => Math.Clamp(ChunkSize, 1, 99);
}

/// <summary>
/// Processes an uploaded POS batch from its blob, one transaction at a time, saving statuses and progress per chunk.
/// A retry resumes after the last saved chunk; transactions of an interrupted chunk run again, and their movements
/// are no-ops the second time because each line has its own idempotency key.
/// </summary>
public sealed class PosBatchHandler(
    IPosBatchStore batches, IBlobStore blobs, StockPoster stock, PosOrderRecorder orders, TillJournal journal, PilotGate pilot, PosHandlerOptions options,
    TimeProvider clock)
{
    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        var batchId = message.Envelope.Key(BusinessKeys.Batch);
        if (batchId is null || await batches.GetAsync(batchId, ct) is not { } batch)
            return new HandlerOutcome.Poison($"batch record {batchId ?? "(no batch key)"} not found");
        if (batch.Status == PosBatchStatuses.Completed)
            return new HandlerOutcome.Completed($"batch {batchId} already completed");

        var chunk = new List<PosTransactionStatus>(options.EffectiveChunkSize);
        await using var blob = await blobs.OpenReadAsync(ContainerNames.PosUploads, batch.Blob, ct);
        try
        {
            foreach (var parsed in Read(batch.Format, blob))
            {
                if (parsed.Position <= batch.ProcessedThrough) continue;
                chunk.Add(await ProcessAsync(batch, parsed, message.Envelope, ct));
                if (chunk.Count < options.EffectiveChunkSize) continue;
                batch = PosBatchProgress.Advance(batch, chunk, PosBatchStatuses.Processing, null);
                // Still ours? A consumer whose message lapsed and was taken over must not write: its stale batch
                // row would overwrite the other consumer's progress (a completed batch back to processing).
                await message.KeepAlive(ct);
                await batches.SaveChunkAsync(batch, chunk, ct);
                chunk.Clear();
            }
        }
        catch (PayloadException invalid)
        {
            var failed = PosBatchProgress.Advance(batch, chunk, PosBatchStatuses.Failed, clock.GetUtcNow()) with
            {
                Failure = $"{invalid.Field}: {invalid.Reason}",
            };
            await batches.SaveChunkAsync(failed, chunk, ct);
            return new HandlerOutcome.Poison($"POS batch {batch.BatchId} unreadable at {invalid.Field}: {invalid.Reason}", nameof(PayloadException));
        }

        batch = PosBatchProgress.Advance(batch, chunk, PosBatchStatuses.Completed, clock.GetUtcNow());
        await message.KeepAlive(ct);
        await batches.SaveChunkAsync(batch, chunk, ct);
        return new HandlerOutcome.Completed(
            $"batch {batch.BatchId}: {batch.Applied} applied, {batch.Exceptions} exceptions, {batch.Malformed} malformed, {batch.Recorded} recorded");
    }

    /// <summary>A till that states no business day: the store's local day of when the transaction ended.</summary>
    private async Task<PosTransaction> LocalDayAsync(PosTransaction transaction, CancellationToken ct)
    {
        var locations = await pilot.LocationsAsync(ct);
        return transaction.DatedIn(locations.TimeZoneOf(locations.Resolve(SourceSystems.Pos, transaction.Receipt.StoreId)));
    }

    private static IEnumerable<PosParseResult> Read(string format, Stream blob) =>
        format == PosFormats.Xml ? PosLogReader.Read(blob) : PosJsonBatchReader.Read(blob);

    private async Task<PosTransactionStatus> ProcessAsync(PosBatch batch, PosParseResult parsed, Envelope envelope, CancellationToken ct)
    {
        if (parsed is PosParseResult.Malformed malformed)
            return new PosTransactionStatus(malformed.Position, malformed.ReceiptHint, "unknown", PosTransactionStatuses.Malformed, malformed.Reason, 0, 0);

        var (position, transaction) = (parsed.Position, ((PosParseResult.Parsed)parsed).Transaction);
        if (!transaction.BusinessDayStated) transaction = await LocalDayAsync(transaction, ct);
        var receipt = transaction.Receipt.ToString();
        var kind = transaction.Kind.ToString();
        var changes = PosStockPlan.Changes(transaction, batch.BatchId).ToList();
        var keys = new Dictionary<string, string>(envelope.Keys)
        {
            [BusinessKeys.Store] = transaction.Receipt.StoreId,
            [BusinessKeys.Transaction] = receipt,
        };
        var source = new ExceptionSource(envelope.Id, $"{ContainerNames.PosUploads}/{batch.Blob}#{position}", keys);
        // A post-void that repeats no lines moves no stock here: its order gives the goods and the money back.
        if (changes.Count == 0 && transaction.VoidsReceipt is null)
        {
            // A till close is the day's cash count: its over/short is booked (the journal's own pilot switch applies).
            if (transaction.Kind == PosTransactionKind.TillClose) await journal.RecordAsync(transaction, source, ct);
            return new PosTransactionStatus(position, receipt, kind, PosTransactionStatuses.Recorded, PosStockPlan.WhyNoStock(transaction), 0, 0);
        }
        // A store whose flows are off keeps its upload archived and acknowledged; a replay after switching on applies it.
        var (stockMode, _) = await pilot.ModeByAliasAsync(PilotFlow.TillStock, SourceSystems.Pos, transaction.Receipt.StoreId, ct);
        var (ordersMode, _) = await pilot.ModeByAliasAsync(PilotFlow.TillOrders, SourceSystems.Pos, transaction.Receipt.StoreId, ct);
        if (stockMode == FlowMode.Off && ordersMode == FlowMode.Off)
            return new PosTransactionStatus(position, receipt, kind, PosTransactionStatuses.Recorded,
                $"pilot: till stock and till orders are off at store {transaction.Receipt.StoreId}; archived, not applied", 0, 0);
        if (stockMode == FlowMode.Off) changes.Clear();

        var counts = new PostingCounts();
        foreach (var change in changes)
            counts.Add(await stock.PostAsync(change, source, ct));
        if (ordersMode != FlowMode.Off)
            await orders.RecordAsync(transaction, source.PayloadReference!, keys, ct);
        await journal.RecordAsync(transaction, source, ct);

        return counts.Exceptions > 0
            ? new PosTransactionStatus(position, receipt, kind, PosTransactionStatuses.Exception,
                $"{counts.Exceptions} of {changes.Count} lines raised exceptions (see /api/exceptions)", counts.Applied, counts.AlreadyApplied)
            : new PosTransactionStatus(position, receipt, kind, PosTransactionStatuses.Applied, null, counts.Applied, counts.AlreadyApplied);
    }
}

public static class PosFormats
{
    public const string Xml = "poslog-xml";
    public const string Json = "json-batch";
}

public static class PosBatchProgress
{
    public static PosBatch Advance(PosBatch batch, IReadOnlyList<PosTransactionStatus> chunk, string status, DateTimeOffset? completedAt) =>
        batch with
        {
            Status = status,
            ProcessedThrough = chunk.Count == 0 ? batch.ProcessedThrough : Math.Max(batch.ProcessedThrough, chunk.Max(s => s.Position)),
            Applied = batch.Applied + chunk.Count(s => s.Status == PosTransactionStatuses.Applied),
            Exceptions = batch.Exceptions + chunk.Count(s => s.Status == PosTransactionStatuses.Exception),
            Malformed = batch.Malformed + chunk.Count(s => s.Status == PosTransactionStatuses.Malformed),
            Recorded = batch.Recorded + chunk.Count(s => s.Status == PosTransactionStatuses.Recorded),
            CompletedAt = completedAt,
        };
}

/// <summary>Pure rules for what a till transaction does to stock.</summary>
public static class PosStockPlan
{
    public static IEnumerable<ChannelStockChange> Changes(PosTransaction transaction, string batchId)
    {
        if (transaction.Kind is not (PosTransactionKind.Sale or PosTransactionKind.Return))
            yield break;
        var occurredAt = transaction.EndDateTime
            ?? new DateTimeOffset(transaction.Receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        foreach (var line in transaction.Lines.Where(l => !l.Voided && !l.IsGiftCard && l.Quantity > 0m))
        {
            var kind = line.Kind == PosLineKind.Return ? MovementKind.Return : MovementKind.Sale;
            yield return new ChannelStockChange(
                SourceSystems.Pos,
                ItemAliases(line),
                transaction.Receipt.StoreId,
                new StockIntent.Move(kind),
                line.Quantity,
                $"pos:{transaction.Receipt}:line:{line.Position}:{kind.ToString().ToLowerInvariant()}",
                Actor: $"pos:{transaction.Receipt.StoreId}:operator:{transaction.OperatorId ?? "unknown"}",
                Reason: kind == MovementKind.Sale ? $"till sale {transaction.Receipt}" : $"till return {transaction.Receipt}",
                SourceEvent: $"pos-batch:{batchId}",
                OccurredAt: occurredAt,
                BusinessDay: transaction.Receipt.BusinessDay);
        }
    }

    public static string WhyNoStock(PosTransaction transaction) => transaction.Kind switch
    {
        PosTransactionKind.Void => "voided transaction: no stock moves",
        PosTransactionKind.Suspended => "suspended transaction: no stock or money moves",
        PosTransactionKind.Training => "training transaction: no stock or money moves",
        PosTransactionKind.Control => "control transaction: no stock moves",
        PosTransactionKind.TillClose => "till close: totals recorded, no stock moves",
        _ => "no stock lines",
    };

    private static IReadOnlyList<(string Kind, string Value)> ItemAliases(PosLine line)
    {
        var aliases = new List<(string, string)> { (AliasKinds.Item, line.ItemId), (AliasKinds.Sku, line.ItemId) };
        if (Gtin.Normalize(line.Barcode) is { } gtin) aliases.Add((AliasKinds.Barcode, gtin));
        return aliases;
    }
}

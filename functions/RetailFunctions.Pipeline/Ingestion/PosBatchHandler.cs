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

public sealed record PosHandlerOptions(int ChunkSize, int WindowSize = 1000)
{
    /// <summary>How often a long window renews its message: well within the shortest visibility timeout in use (30 s).</summary>
    public TimeSpan KeepAliveEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A chunk's statuses and the batch row share one entity-group transaction: at most 100 operations.</summary>
    public int EffectiveChunkSize => Math.Clamp(ChunkSize, 1, 99);

    /// <summary>
    /// Transactions whose effects are written together, whatever the chunk size: the more a window holds, the more
    /// lines of one SKU share a ledger write (and a push to the channels) and receipts of one store and day a journal write.
    /// </summary>
    public int EffectiveWindowSize => Math.Max(EffectiveChunkSize, WindowSize);

    /// <summary>
    /// A batch's first window: the whole of what is left when it fits one window (it is done about as soon as a first
    /// chunk would show); else one chunk, so a long batch shows progress soon, and full windows after it. Every window
    /// costs each SKU it touches a ledger write and a push, so fewer, fuller windows are fewer round trips per sale.
    /// </summary>
    public int FirstWindow(PosBatch batch) =>
        batch.DeclaredTransactions - batch.ProcessedThrough <= EffectiveWindowSize ? EffectiveWindowSize : EffectiveChunkSize;
}

/// <summary>
/// Processes an uploaded POS batch from its blob a window of transactions at a time, saving statuses and progress per
/// chunk. A retry resumes after the last saved chunk; transactions of an interrupted window run again, and their
/// effects are no-ops the second time because each line, order command and journal fact has its own idempotency key.
/// </summary>
public sealed class PosBatchHandler(
    IPosBatchStore batches, IBlobStore blobs, StockPoster stock, PosOrderRecorder orders, TillJournal journal, PilotGate pilot, PosHandlerOptions options,
    TimeProvider clock)
{
    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        var batchId = message.Envelope.Key(BusinessKeys.Batch);
        if (batchId is null)
            return new HandlerOutcome.Poison("batch record (no batch key) not found");
        var (found, upload) = await OpenAsync(batchId, message.Envelope.Key(BusinessKeys.Upload), ct);
        if (found is not { } batch)
            return new HandlerOutcome.Poison($"batch record {batchId} not found");
        await using var blob = upload;
        if (blob is null)
            return new HandlerOutcome.Completed($"batch {batchId} already completed");

        var window = new List<PosParseResult>(options.EffectiveWindowSize);
        var windowSize = options.FirstWindow(batch);
        try
        {
            foreach (var parsed in Read(batch.Format, blob))
            {
                if (parsed.Position <= batch.ProcessedThrough) continue;
                window.Add(parsed);
                if (window.Count < windowSize) continue;
                batch = await SaveFullChunksAsync(batch, await ProcessKeptAliveAsync(batch, window, message, ct), message, ct);
                window.Clear();
                windowSize = options.EffectiveWindowSize;
            }
        }
        catch (PayloadException invalid)
        {
            await SaveLastAsync(batch, await ProcessKeptAliveAsync(batch, window, message, ct), PosBatchStatuses.Failed, message, ct,
                $"{invalid.Field}: {invalid.Reason}");
            return new HandlerOutcome.Poison($"POS batch {batch.BatchId} unreadable at {invalid.Field}: {invalid.Reason}", nameof(PayloadException));
        }

        batch = await SaveLastAsync(batch, await ProcessKeptAliveAsync(batch, window, message, ct), PosBatchStatuses.Completed, message, ct);
        return new HandlerOutcome.Completed(
            $"batch {batch.BatchId}: {batch.Applied} applied, {batch.Exceptions} exceptions, {batch.Malformed} malformed, {batch.Recorded} recorded");
    }

    /// <summary>
    /// The batch row and, unless the batch is completed, its upload opened. The upload the message names is opened
    /// while the row is read (a small upload is one request, so it costs no wait of its own); the row decides which
    /// blob is the batch's, and an upload opened for nothing is closed.
    /// </summary>
    private async Task<(PosBatch? Batch, Stream? Upload)> OpenAsync(string batchId, string? named, CancellationToken ct)
    {
        var early = named is null ? null : blobs.OpenReadAsync(ContainerNames.PosUploads, named, ct);
        try
        {
            var batch = await batches.GetAsync(batchId, ct);
            if (batch is null || batch.Status == PosBatchStatuses.Completed) return (batch, null);
            if (early is null || named != batch.Blob) return (batch, await blobs.OpenReadAsync(ContainerNames.PosUploads, batch.Blob, ct));
            var opened = early;
            early = null;
            return (batch, await opened);
        }
        finally
        {
            if (early is not null) await CloseUnusedAsync(early);
        }
    }

    /// <summary>An upload opened for nothing: whether it opened at all does not matter any more.</summary>
    private static async Task CloseUnusedAsync(Task<Stream> opening)
    {
        try
        {
            await (await opening).DisposeAsync();
        }
        catch (Exception)
        {
            // Not read: a missing blob or a cancelled request changes nothing the handler does.
        }
    }

    /// <summary>The last window: its full chunks as progress, then the rest (perhaps none) with the batch's final status.</summary>
    private async Task<PosBatch> SaveLastAsync(PosBatch batch, IReadOnlyList<PosTransactionStatus> statuses, string status, ReceivedMessage message,
        CancellationToken ct, string? failure = null)
    {
        var full = statuses.Count / options.EffectiveChunkSize * options.EffectiveChunkSize;
        batch = await SaveFullChunksAsync(batch, [.. statuses.Take(full)], message, ct);
        var last = statuses.Skip(full).ToList();
        batch = PosBatchProgress.Advance(batch, last, status, clock.GetUtcNow()) with { Failure = failure };
        await message.KeepAlive(ct);
        await batches.SaveChunkAsync(batch, last, ct);
        return batch;
    }

    /// <summary>
    /// A window can take longer than the message's visibility on a busy machine: the message is kept meanwhile, so no
    /// other consumer takes the batch over half way. If it was taken over all the same, this consumer writes no status.
    /// </summary>
    private async Task<IReadOnlyList<PosTransactionStatus>> ProcessKeptAliveAsync(PosBatch batch, IReadOnlyList<PosParseResult> window,
        ReceivedMessage message, CancellationToken ct)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var keeping = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(options.KeepAliveEvery, clock, done.Token);
                    // Not cut short when the window ends: a renewal cancelled half way could leave a stale pop receipt.
                    await message.KeepAlive(ct);
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        }, CancellationToken.None);
        try
        {
            return await ProcessWindowAsync(batch, window, message.Envelope, ct);
        }
        finally
        {
            await done.CancelAsync();
            await keeping;
        }
    }

    /// <summary>Saves statuses and progress one chunk at a time, after the whole window's effects are written.</summary>
    private async Task<PosBatch> SaveFullChunksAsync(PosBatch batch, IReadOnlyList<PosTransactionStatus> statuses, ReceivedMessage message, CancellationToken ct)
    {
        foreach (var chunk in statuses.Chunk(options.EffectiveChunkSize))
        {
            batch = PosBatchProgress.Advance(batch, chunk, PosBatchStatuses.Processing, null);
            // Still ours? A consumer whose message lapsed and was taken over must not write: its stale batch
            // row would overwrite the other consumer's progress (a completed batch back to processing).
            await message.KeepAlive(ct);
            await batches.SaveChunkAsync(batch, chunk, ct);
        }
        return batch;
    }

    /// <summary>A till that states no business day: the store's local day of when the transaction ended.</summary>
    private async Task<PosTransaction> LocalDayAsync(PosTransaction transaction, CancellationToken ct)
    {
        var locations = await pilot.LocationsAsync(ct);
        return transaction.DatedIn(locations.TimeZoneOf(locations.Resolve(SourceSystems.Pos, transaction.Receipt.StoreId)));
    }

    private static IEnumerable<PosParseResult> Read(string format, Stream blob) =>
        format == PosFormats.Xml ? PosLogReader.Read(blob) : PosJsonBatchReader.Read(blob);

    /// <summary>
    /// A transaction of the window, judged before anything is written: the stock it moves, whether its order is recorded,
    /// or why it is only recorded (no stock lines, its store's flows switched off).
    /// </summary>
    private sealed record Planned(int Position, PosTransaction Transaction, IReadOnlyList<ChannelStockChange> Changes, ExceptionSource Source,
        IReadOnlyDictionary<string, string> Keys, string? RecordedOnly, bool RecordsOrder)
    {
        // A till close is the day's cash count: its over/short is booked (the journal's own pilot switch applies).
        public bool Journalled => RecordedOnly is null || Transaction.Kind == PosTransactionKind.TillClose;
    }

    /// <summary>
    /// A window's transactions, each with the effects it would have alone, written by kind: the stock movements (each
    /// SKU's together), the order records, the journal facts (each store and day's together). A window run again after
    /// a crash is a no-op for what was done: every effect is idempotent by its receipt and line.
    /// </summary>
    private async Task<IReadOnlyList<PosTransactionStatus>> ProcessWindowAsync(PosBatch batch, IReadOnlyList<PosParseResult> window, Envelope envelope,
        CancellationToken ct)
    {
        var planned = new List<Planned>(window.Count);
        foreach (var parsed in window)
            if (parsed is PosParseResult.Parsed ok) planned.Add(await PlanAsync(batch, ok.Position, ok.Transaction, envelope, ct));

        // The three kinds touch different rows and none waits for another's answer, so they are written side by side.
        var moves = planned.SelectMany(p => p.Changes.Select(c => (Plan: p, Change: c))).ToList();
        var posting = moves.Count == 0 ? Task.FromResult<IReadOnlyList<PostingOutcome>>([]) : stock.PostAllAsync([.. moves.Select(m => (m.Change, m.Plan.Source))], ct);
        var sales = planned.Where(p => p.RecordsOrder).Select(p => (p.Transaction, p.Source.PayloadReference!, p.Keys)).ToList();
        var recording = sales.Count == 0 ? Task.CompletedTask : orders.RecordAllAsync(sales, ct);
        var journalled = planned.Where(p => p.Journalled).Select(p => (p.Transaction, p.Source)).ToList();
        var journalling = journalled.Count == 0 ? Task.CompletedTask : journal.RecordAllAsync(journalled, ct);
        await Task.WhenAll(posting, recording, journalling);
        var outcomes = await posting;

        var byPlan = moves.Zip(outcomes).ToLookup(x => x.First.Plan, x => x.Second);
        var statuses = planned.ToDictionary(p => p.Position, p => Status(p, byPlan[p]));
        return window.Select(parsed => parsed is PosParseResult.Malformed malformed
                ? new PosTransactionStatus(malformed.Position, malformed.ReceiptHint, "unknown", PosTransactionStatuses.Malformed, malformed.Reason, 0, 0)
                : statuses[parsed.Position])
            .ToList();
    }

    private async Task<Planned> PlanAsync(PosBatch batch, int position, PosTransaction transaction, Envelope envelope, CancellationToken ct)
    {
        if (!transaction.BusinessDayStated) transaction = await LocalDayAsync(transaction, ct);
        var store = transaction.Receipt.StoreId;
        var changes = PosStockPlan.Changes(transaction, batch.BatchId).ToList();
        var keys = new Dictionary<string, string>(envelope.Keys)
        {
            [BusinessKeys.Store] = store,
            [BusinessKeys.Transaction] = transaction.Receipt.ToString(),
        };
        var source = new ExceptionSource(envelope.Id, $"{ContainerNames.PosUploads}/{batch.Blob}#{position}", keys);
        // A post-void that repeats no lines moves no stock here: its order gives the goods and the money back.
        if (changes.Count == 0 && transaction.VoidsReceipt is null)
            return new Planned(position, transaction, [], source, keys, PosStockPlan.WhyNoStock(transaction), false);
        // A store whose flows are off keeps its upload archived and acknowledged; a replay after switching on applies it.
        var (stockMode, _) = await pilot.ModeByAliasAsync(PilotFlow.TillStock, SourceSystems.Pos, store, ct);
        var (ordersMode, _) = await pilot.ModeByAliasAsync(PilotFlow.TillOrders, SourceSystems.Pos, store, ct);
        if (stockMode == FlowMode.Off && ordersMode == FlowMode.Off)
            return new Planned(position, transaction, [], source, keys, $"pilot: till stock and till orders are off at store {store}; archived, not applied", false);
        return new Planned(position, transaction, stockMode == FlowMode.Off ? [] : changes, source, keys, null, ordersMode != FlowMode.Off);
    }

    private static PosTransactionStatus Status(Planned plan, IEnumerable<PostingOutcome> outcomes)
    {
        var (receipt, kind) = (plan.Transaction.Receipt.ToString(), plan.Transaction.Kind.ToString());
        if (plan.RecordedOnly is { } why) return new PosTransactionStatus(plan.Position, receipt, kind, PosTransactionStatuses.Recorded, why, 0, 0);
        var counts = new PostingCounts();
        foreach (var outcome in outcomes) counts.Add(outcome);
        return counts.Exceptions > 0
            ? new PosTransactionStatus(plan.Position, receipt, kind, PosTransactionStatuses.Exception,
                $"{counts.Exceptions} of {plan.Changes.Count} lines raised exceptions (see /api/exceptions)", counts.Applied, counts.AlreadyApplied)
            : new PosTransactionStatus(plan.Position, receipt, kind, PosTransactionStatuses.Applied, null, counts.Applied, counts.AlreadyApplied);
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

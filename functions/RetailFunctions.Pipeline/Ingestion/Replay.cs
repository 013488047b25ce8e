using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Ingestion;

/// <summary>Which dead letters to replay. At least one selector must be given; already replayed ones need Force.</summary>
public sealed record DeadLetterSelection(IReadOnlyList<string>? Ids, string? Queue, string? ReasonContains, bool All, bool Force)
{
    public bool IsEmpty => (Ids is null || Ids.Count == 0) && Queue is null && ReasonContains is null && !All;

    public bool Matches(DeadLetter deadLetter) =>
        (Ids is null || Ids.Count == 0 || Ids.Contains(deadLetter.Id))
        && (Queue is null || deadLetter.Queue == Queue)
        && (ReasonContains is null || deadLetter.Reason.Contains(ReasonContains, StringComparison.OrdinalIgnoreCase));
}

public sealed record ReplayReport(int Replayed, int Skipped, IReadOnlyList<string> Ids);

/// <summary>
/// Puts failed or archived messages back through the pipeline after a fix. A replayed envelope carries a replay mark,
/// so the webhook handler does not drop it as a delivery already seen; the effects beneath are idempotent, so a
/// replay of something that had partly succeeded applies only what is missing.
/// </summary>
public sealed class Replayer(IDeadLetterStore deadLetters, IBlobStore blobs, IPosBatchStore batches, IMessageSender sender, TimeProvider clock)
{
    public async Task<ReplayReport> ReplayDeadLettersAsync(DeadLetterSelection selection, CancellationToken ct)
    {
        var replayed = new List<string>();
        var skipped = 0;
        foreach (var deadLetter in await deadLetters.ListAsync(5000, ct, selection.Queue))
        {
            if (!selection.Matches(deadLetter)) continue;
            // Replayed and not failed since: it is on its way already. Failed again after a replay: eligible again.
            if (deadLetter.ReplayedAt is { } replayedAt && replayedAt >= deadLetter.DeadLetteredAt && !selection.Force)
            {
                skipped++;
                continue;
            }
            await sender.SendAsync(deadLetter.Queue, ShopifyEnvelopes.MarkReplay(deadLetter.Envelope, $"deadletter:{deadLetter.Id}"), ct);
            await deadLetters.MarkReplayedAsync(deadLetter, clock.GetUtcNow(), ct);
            replayed.Add(deadLetter.Id);
        }
        return new ReplayReport(replayed.Count, skipped, replayed);
    }

    /// <summary>Re-delivers archived webhooks of a shop: named blobs, or every one archived in a date range.</summary>
    public async Task<ReplayReport> ReplayRawAsync(string shop, DateTimeOffset? from, DateTimeOffset? to, IReadOnlyList<string>? names, CancellationToken ct)
    {
        var replayed = new List<string>();
        var skipped = 0;
        var prefix = $"shopify/{ShopifyEnvelopes.SafeName(shop)}/";
        await foreach (var (name, metadata) in blobs.ListAsync(ContainerNames.RawArchive, prefix, ct))
        {
            if (names is { Count: > 0 } ? !names.Contains(name) : !ShopifyEnvelopes.ArchivedWithin(name, prefix, from, to)) continue;
            if (ShopifyEnvelopes.HeadersFromArchive(metadata) is not { } headers)
            {
                skipped++;
                continue;
            }
            var body = await blobs.ReadAsync(ContainerNames.RawArchive, name, ct);
            var envelope = ShopifyEnvelopes.Create(headers, System.Text.Encoding.UTF8.GetString(body.Span), null, clock.GetUtcNow(), 0);
            await sender.SendAsync(QueueNames.ShopifyWebhooks, ShopifyEnvelopes.MarkReplay(envelope, $"raw:{name}"), ct);
            replayed.Add(name);
        }
        return new ReplayReport(replayed.Count, skipped, replayed);
    }

    /// <summary>
    /// Processes an uploaded POS batch again from its archived upload, as a new batch that names the original: the
    /// transactions already applied are no-ops (each line's movement has its own idempotency key), and those a flow
    /// that was off had only archived are applied now. The original batch's record stays as it was.
    /// </summary>
    public async Task<PosBatch?> ReplayPosBatchAsync(string batchId, CancellationToken ct)
    {
        if (await batches.GetAsync(batchId, ct) is not { } original) return null;
        var now = clock.GetUtcNow();
        var replay = new PosBatch(Guid.CreateVersion7(now).ToString("N"), original.Store, original.Format, original.Blob, PosBatchStatuses.Received,
            original.DeclaredTransactions, 0, 0, 0, 0, 0, original.PansMasked, now, null, ReplayOf: original.BatchId);
        await batches.CreateAsync(replay, ct);
        await sender.SendAsync(QueueNames.PosBatches,
            PosBatchEnvelopes.Received(replay.BatchId, replay.Blob, replay.Store, correlationId: original.BatchId, now, "replay"), ct);
        return replay;
    }
}

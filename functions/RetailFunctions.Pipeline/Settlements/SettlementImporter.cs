using System.Security.Cryptography;
using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Pipeline.Settlements;

/// <summary>Settlement lines kept for reconciliation, one row per processor line: importing a file again changes nothing.</summary>
public interface ISettlementStore
{
    /// <summary>Upserts lines by source and id; returns how many were written.</summary>
    Task<int> UpsertAsync(IEnumerable<SettlementLine> lines, CancellationToken cancellationToken);

    /// <summary>A day's payment lines (charges and refunds), sorted by payment key (ordinal), as matchable items.</summary>
    IAsyncEnumerable<MatchItem> PaymentsAsync(DateOnly businessDay, CancellationToken cancellationToken);

    /// <summary>Every line of a day (payouts and adjustments too), for the report.</summary>
    IAsyncEnumerable<SettlementLine> LinesAsync(DateOnly businessDay, CancellationToken cancellationToken);
}

public static class SettlementFormats
{
    /// <summary>The source a content type means: JSON is Shopify Payments, CSV is Stripe.</summary>
    public static string? SourceFor(string? mediaType) => mediaType switch
    {
        "application/json" => SettlementSources.ShopifyPayments,
        "text/csv" or "application/csv" => SettlementSources.Stripe,
        _ => null,
    };
}

/// <summary>What an import did, as the API answers it.</summary>
public sealed record SettlementImport(
    string Source,
    string Store,
    string Upload,
    int Lines,
    int Payments,
    int TestLinesSkipped,
    IReadOnlyDictionary<string, int> ByType,
    IReadOnlyList<DateOnly> BusinessDays,
    IReadOnlyDictionary<string, decimal> NetByCurrency,
    IReadOnlyList<string>? Issues = null);

/// <summary>A capability that follows imported settlement lines (the journal books processor fees and payouts).</summary>
public interface ISettlementLineSubscriber
{
    Task HandleAsync(SettlementLine line, CancellationToken cancellationToken);
}

/// <summary>
/// Imports a processor's statement: reads it once to validate every line (so an unreadable file stores nothing and the
/// error names the line and field), archives the upload as received under a name derived from its content, then
/// reads it again and upserts the lines in batches. Importing the same file twice gives the same rows. A line whose
/// figures disagree with themselves is imported by its net (the money that moved) and raised for finance; a payout's
/// header is checked against its lines. Neither is a reason to refuse the rest of the statement.
/// </summary>
public sealed class SettlementImporter(ISettlementStore store, Ports.IBlobStore blobs, IEnumerable<ISettlementLineSubscriber>? subscribers = null,
    Ports.IExceptionStore? exceptions = null, TimeProvider? clock = null)
{
    public const string LineDisagrees = "settlement-line-disagrees";
    public const string PayoutDisagrees = "payout-summary-mismatch";

    private const int BatchSize = 500;

    /// <exception cref="PayloadException">The upload is not a valid statement of that source.</exception>
    public async Task<SettlementImport> ImportAsync(string source, string storeId, ReadOnlyMemory<byte> body, string contentType, CancellationToken cancellationToken)
    {
        var stats = new SettlementReadStats();
        var byType = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var days = new SortedSet<DateOnly>();
        var net = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        int lines = 0, payments = 0;
        var issues = new List<(string Id, string Detail, string Reason)>();
        // Only a statement with a payout header keeps its lines, to check the header against them.
        var payout = source == SettlementSources.ShopifyPayments ? ShopifyPaymentsPayout.ReadHeader(body.Span) : null;
        var payoutLines = new List<SettlementLine>();
        foreach (var raw in Read(source, body, storeId, stats))
        {
            var line = ByNet(raw);
            if (raw.Inconsistency() is { } why)
                issues.Add(($"settlement:{source}:{raw.Id}:net", $"{source} line {raw.Id} ({raw.Kind}, {raw.Currency}): {why}; imported by its net, "
                    + $"with a fee of {line.Fee:0.00} instead of {raw.Fee:0.00}", LineDisagrees));
            if (payout is not null) payoutLines.Add(line);
            lines++;
            if (line.IsPayment) payments++;
            byType[line.Kind] = byType.GetValueOrDefault(line.Kind) + 1;
            days.Add(line.BusinessDay);
            net[line.Currency] = net.GetValueOrDefault(line.Currency) + line.Net;
        }
        if (payout is not null)
            foreach (var problem in ShopifyPaymentsPayout.Check(payout, payoutLines))
                issues.Add(($"settlement:{source}:payout:{payout.Id}:{problem.Split(':')[0]}", $"payout {payout.Id}: {problem}", PayoutDisagrees));

        var hash = Convert.ToHexStringLower(SHA256.HashData(body.Span));
        var upload = $"{source}/{hash}{(source == SettlementSources.Stripe ? ".csv" : ".json")}";
        await blobs.PutIfAbsentAsync(ContainerNames.SettlementUploads, upload, body, contentType, cancellationToken,
            new Dictionary<string, string> { ["source"] = source, ["store"] = storeId, ["lines"] = lines.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var batch = new List<SettlementLine>(BatchSize);
        foreach (var line in Read(source, body, storeId, null))
        {
            batch.Add(ByNet(line));
            if (batch.Count < BatchSize) continue;
            await SaveAsync(batch, cancellationToken);
            batch.Clear();
        }
        if (batch.Count > 0) await SaveAsync(batch, cancellationToken);

        var reference = $"{ContainerNames.SettlementUploads}/{upload}";
        foreach (var (id, detail, reason) in issues)
            await RaiseAsync(id, reason, detail, reference, storeId, cancellationToken);
        return new SettlementImport(source, storeId, reference, lines, payments, stats.TestLinesSkipped, byType, days.ToList(), net,
            [.. issues.Select(i => i.Detail)]);
    }

    /// <summary>The money that moved is the net: a line that disagrees with itself keeps its amount and net, and its fee follows.</summary>
    public static SettlementLine ByNet(SettlementLine line) => line.Inconsistency() is null ? line : line with { Fee = line.Amount - line.Net };

    private Task RaiseAsync(string id, string reason, string detail, string reference, string storeId, CancellationToken ct) =>
        exceptions?.RaiseAsync(new Domain.Operations.BusinessException(id, Domain.Operations.Owners.Finance, reason, detail, reference, reference,
            new Dictionary<string, string> { [Messaging.BusinessKeys.Store] = storeId }, Domain.Operations.ExceptionStatuses.Open,
            (clock ?? TimeProvider.System).GetUtcNow()), ct) ?? Task.CompletedTask;

    /// <summary>Stored first, then followed: a re-import stores nothing new and each subscriber is idempotent per line.</summary>
    private async Task SaveAsync(List<SettlementLine> batch, CancellationToken cancellationToken)
    {
        await store.UpsertAsync(batch, cancellationToken);
        foreach (var subscriber in subscribers ?? [])
            foreach (var line in batch)
                await subscriber.HandleAsync(line, cancellationToken);
    }

    private static IEnumerable<SettlementLine> Read(string source, ReadOnlyMemory<byte> body, string store, SettlementReadStats? stats)
    {
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);
        return source switch
        {
            SettlementSources.ShopifyPayments => ShopifyPaymentsTransactionsReader.Read(stream, store, stats),
            SettlementSources.Stripe => StripeBalanceTransactionsCsvReader.Read(stream, store),
            _ => throw new PayloadException("source", $"unknown settlement source '{source}': {SettlementSources.ShopifyPayments} or {SettlementSources.Stripe}"),
        };
    }
}

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
    IReadOnlyDictionary<string, decimal> NetByCurrency);

/// <summary>
/// Imports a processor's statement: reads it once to validate every line (so a bad file stores nothing and the
/// error names the line and field), archives the upload as received under a name derived from its content, then
/// reads it again and upserts the lines in batches. Importing the same file twice gives the same rows.
/// </summary>
/// <summary>A capability that follows imported settlement lines (the journal books processor fees and payouts).</summary>
public interface ISettlementLineSubscriber
{
    Task HandleAsync(SettlementLine line, CancellationToken cancellationToken);
}

public sealed class SettlementImporter(ISettlementStore store, Ports.IBlobStore blobs, IEnumerable<ISettlementLineSubscriber>? subscribers = null)
{
    private const int BatchSize = 500;

    /// <exception cref="PayloadException">The upload is not a valid statement of that source.</exception>
    public async Task<SettlementImport> ImportAsync(string source, string storeId, ReadOnlyMemory<byte> body, string contentType, CancellationToken cancellationToken)
    {
        var stats = new SettlementReadStats();
        var byType = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var days = new SortedSet<DateOnly>();
        var net = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        int lines = 0, payments = 0;
        foreach (var line in Read(source, body, storeId, stats))
        {
            lines++;
            if (line.IsPayment) payments++;
            byType[line.Kind] = byType.GetValueOrDefault(line.Kind) + 1;
            days.Add(line.BusinessDay);
            net[line.Currency] = net.GetValueOrDefault(line.Currency) + line.Net;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(body.Span));
        var upload = $"{source}/{hash}{(source == SettlementSources.Stripe ? ".csv" : ".json")}";
        await blobs.PutIfAbsentAsync(ContainerNames.SettlementUploads, upload, body, contentType, cancellationToken,
            new Dictionary<string, string> { ["source"] = source, ["store"] = storeId, ["lines"] = lines.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var batch = new List<SettlementLine>(BatchSize);
        foreach (var line in Read(source, body, storeId, null))
        {
            batch.Add(line);
            if (batch.Count < BatchSize) continue;
            await SaveAsync(batch, cancellationToken);
            batch.Clear();
        }
        if (batch.Count > 0) await SaveAsync(batch, cancellationToken);

        return new SettlementImport(source, storeId, $"{ContainerNames.SettlementUploads}/{upload}", lines, payments, stats.TestLinesSkipped, byType, days.ToList(), net);
    }

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

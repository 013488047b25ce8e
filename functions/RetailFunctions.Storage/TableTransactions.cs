using System.Text.Json;
using Azure.Data.Tables;

namespace RetailFunctions.Storage;

/// <summary>
/// An entity-group transaction holds at most 100 operations and 4 MiB of payload. Rows of one partition are cut into
/// transactions that respect both, so a window of large rows (journal entries carrying their facts) never fails whole.
/// </summary>
public static class TableTransactions
{
    public const int MaxOperations = 100;

    /// <summary>Below the 4 MiB limit, with room for each operation's multipart headers.</summary>
    public const int MaxPayloadBytes = 3 * 1024 * 1024;

    /// <summary>The items in order, cut into groups of at most <paramref name="maxOperations"/> whose payloads (<see cref="PayloadBytes"/>) fit one transaction.</summary>
    public static IEnumerable<T[]> Chunks<T>(IEnumerable<T> items, Func<T, int> payloadBytes, int maxOperations = MaxOperations,
        int maxPayloadBytes = MaxPayloadBytes) =>
        Runs.Cut(items, payloadBytes, maxOperations, (bytes, _) => bytes <= maxPayloadBytes);

    /// <summary>About what an entity weighs in a transaction: its properties as JSON (escaped as the client writes them), plus headers.</summary>
    public static int PayloadBytes(TableEntity entity) =>
        JsonSerializer.SerializeToUtf8Bytes(entity.ToDictionary(p => p.Key, p => p.Value)).Length + 512;
}

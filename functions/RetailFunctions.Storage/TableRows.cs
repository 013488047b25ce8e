using Azure.Data.Tables;

namespace RetailFunctions.Storage;

public static class TableRows
{
    /// <summary>
    /// Rows of one partition read by key, side by side, in the order named (null: no such row). A query, even of a few
    /// keys, is served by scanning (the partition in Azure, the whole table on the emulator), so it costs more as a
    /// table that gains rows with every order grows.
    /// </summary>
    public static async Task<TableEntity?[]> ReadRowsAsync(this TableClient table, string partition, IEnumerable<string> rows,
        CancellationToken cancellationToken)
    {
        var reads = rows.Select(row => table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken))
            .ToArray();
        return [.. (await Task.WhenAll(reads)).Select(found => found.HasValue ? found.Value : null)];
    }

    /// <summary>A table filter holds at most 15 comparisons, one of them the partition's.</summary>
    private const int MaxComparisons = 15;

    /// <summary>
    /// The partition's rows matching any of the terms: one query when they fit one filter, else several side by side.
    /// </summary>
    public static async Task<List<TableEntity>> QueryRowsAsync(this TableClient table, string partition, IEnumerable<RowTerm> terms,
        CancellationToken cancellationToken)
    {
        var partitionFilter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var filters = Runs.Cut(terms, t => t.Comparisons, int.MaxValue, (comparisons, _) => comparisons <= MaxComparisons - 1);
        var reads = filters.Select(async chunk =>
        {
            var found = new List<TableEntity>();
            var filter = $"{partitionFilter} and ({string.Join(" or ", chunk.Select(t => t.Filter))})";
            await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
                found.Add(entity);
            return found;
        });
        return [.. (await Task.WhenAll(reads)).SelectMany(found => found)];
    }
}

/// <summary>What a partition query picks: a row by its key, or a range of keys; each costs comparisons in the filter.</summary>
public sealed record RowTerm(string Filter, int Comparisons)
{
    public static RowTerm Key(string rowKey) => new(TableClient.CreateQueryFilter($"RowKey eq {rowKey}"), 1);

    /// <summary>Rows from <paramref name="from"/> (included) up to <paramref name="to"/> (excluded).</summary>
    public static RowTerm Range(string from, string to) => new(TableClient.CreateQueryFilter($"(RowKey ge {from} and RowKey lt {to})"), 2);
}

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
}

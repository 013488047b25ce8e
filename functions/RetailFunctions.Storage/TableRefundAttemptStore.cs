using Azure;
using Azure.Data.Tables;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Storage;

/// <summary>
/// Refund attempts, one row per refund (partition = order id, row = our refund id): which attempt holds it and until
/// when, or the web store's id for it once made. Written with an insert or an ETag-checked replace, so two attempts
/// cannot both take it.
/// </summary>
public sealed class TableRefundAttemptStore(StorageAccount account) : IRefundAttemptStore
{
    private TableClient Table => account.Table(TableNames.RefundAttempts);

    public async Task<StoredRefundAttempt> LoadAsync(RefundAttemptKey key, CancellationToken cancellationToken)
    {
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(key.OrderId), TableKeys.Escape(key.RefundId),
            cancellationToken: cancellationToken);
        if (!found.HasValue) return new StoredRefundAttempt(null, null);
        var row = found.Value!;
        return new StoredRefundAttempt(new RefundAttemptState(row.GetString("Holder"), row.GetDateTimeOffset("Until")!.Value, row.GetString("Made")),
            row.ETag.ToString());
    }

    public async Task<StoredRefundAttempt?> TrySaveAsync(RefundAttemptKey key, StoredRefundAttempt loaded, RefundAttemptState change,
        CancellationToken cancellationToken)
    {
        var row = new TableEntity(TableKeys.Escape(key.OrderId), TableKeys.Escape(key.RefundId))
        {
            ["Holder"] = change.Holder,
            ["Until"] = change.Until,
            ["Made"] = change.Made,
        };
        try
        {
            var written = loaded.ETag is null
                ? await Table.AddEntityAsync(row, cancellationToken)
                : await Table.UpdateEntityAsync(row, new ETag(loaded.ETag), TableUpdateMode.Replace, cancellationToken);
            return new StoredRefundAttempt(change, written.Headers.ETag?.ToString()
                ?? throw new InvalidOperationException($"the write of refund attempt {key.RefundId} returned no ETag"));
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return null;
        }
    }
}

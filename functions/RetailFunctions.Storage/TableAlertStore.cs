using Azure;
using Azure.Data.Tables;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

/// <summary>Low-stock alerts, one partition per day raised, one row per alert id.</summary>
public sealed class TableAlertStore(StorageAccount account) : IAlertStore
{
    private const string Partition = "low-stock";
    private TableClient Table => account.Table(TableNames.Alerts);

    public async Task RaiseAsync(LowStockAlert alert, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(new TableEntity(Partition, TableKeys.Escape(alert.Id))
            {
                ["Sku"] = alert.Sku,
                ["Location"] = alert.Location,
                ["Available"] = TableInventoryStore.Store(alert.Available),
                ["ReorderPoint"] = TableInventoryStore.Store(alert.ReorderPoint),
                ["Version"] = alert.Version,
                ["RaisedAt"] = alert.RaisedAt,
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Raised already by an earlier attempt.
        }
    }

    public async Task<IReadOnlyList<LowStockAlert>> ListAsync(int max, CancellationToken cancellationToken)
    {
        var alerts = new List<LowStockAlert>();
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            alerts.Add(new LowStockAlert(TableKeys.Unescape(e.RowKey), e.GetString("Sku"), e.GetString("Location"),
                TableInventoryStore.Load(e, "Available"), TableInventoryStore.Load(e, "ReorderPoint"), e.GetInt64("Version") ?? 0,
                e.GetDateTimeOffset("RaisedAt") ?? default));
            if (alerts.Count >= max) break;
        }
        return alerts.OrderByDescending(a => a.RaisedAt).ToList();
    }
}

using System.Collections.Concurrent;
using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// A store's pick list as the console and the API show it. The task rows say which shipments the store was asked to
/// pick and which have closed; how far an open one got (picking, packed, ready for pickup) is read from its order,
/// which every store action writes anyway. So those stages cost no write of their own, and the list is never behind
/// the order. A row still open whose order says the shipment closed (its close not written yet, or lost in a crash)
/// is shown as closed and closed again.
/// </summary>
public sealed class StorePickList(IStoreTaskStore tasks, IOrderStore orders)
{
    private const int ParallelReads = 8;

    public async Task<IReadOnlyList<StoreTask>> ListAsync(string location, bool openOnly, CancellationToken ct)
    {
        var rows = await tasks.ListAsync(location, openOnly, ct);
        var read = new ConcurrentDictionary<string, Order>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(rows.Where(t => StoreTask.IsOpenStage(t.Stage)).Select(t => t.OrderId).Distinct(StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct },
            async (orderId, token) => read[orderId] = (await orders.LoadAsync(orderId, token)).Order);
        var list = new List<StoreTask>(rows.Count);
        foreach (var row in rows)
        {
            var task = read.TryGetValue(row.OrderId, out var order) ? Current(row, order) : row;
            if (StoreTask.IsOpenStage(row.Stage) && !StoreTask.IsOpenStage(task.Stage))
                await tasks.CloseAsync(task.Location, task.OrderId, task.ShipmentId, task.Stage, task.UpdatedAt, ct);
            if (!openOnly || StoreTask.IsOpenStage(task.Stage)) list.Add(task);
        }
        return list;
    }

    /// <summary>An open row as its order now stands: the shipment's stage, and when a store action last moved it.</summary>
    public static StoreTask Current(StoreTask row, Order order) =>
        StoreTask.IsOpenStage(row.Stage) && order.Shipments.FirstOrDefault(s => s.ShipmentId == row.ShipmentId) is { } shipment
        && shipment.Stage != row.Stage
            ? row with { Stage = shipment.Stage, UpdatedAt = shipment.StageAt ?? shipment.CompletedAt ?? row.UpdatedAt }
            : row;
}

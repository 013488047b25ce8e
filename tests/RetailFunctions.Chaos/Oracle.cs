namespace RetailFunctions.Chaos;

/// <summary>Expected stock of one SKU at one location.</summary>
public sealed record ExpectedLevel(decimal OnHand, decimal Reserved);

/// <summary>
/// The expected end state, computed from the scenario alone (no pipeline code): every reservation succeeds because
/// the warehouse received every web unit first, so per (SKU, location)
/// on hand = receipts - till sales + till returns - fulfilled web lines + refund restocks, and
/// reserved = web lines neither fulfilled nor cancelled. Malformed till transactions and poison webhooks move nothing.
/// </summary>
public static class Oracle
{
    public static IReadOnlyDictionary<(string Sku, string Location), ExpectedLevel> Expected(Scenario scenario)
    {
        var onHand = new Dictionary<(string, string), decimal>();
        var reserved = new Dictionary<(string, string), decimal>();
        void Add(Dictionary<(string, string), decimal> map, string sku, string location, decimal delta) =>
            map[(sku, location)] = map.GetValueOrDefault((sku, location)) + delta;

        foreach (var receipt in scenario.Receipts)
            Add(onHand, receipt.Sku, receipt.Location, receipt.Quantity);
        foreach (var upload in scenario.Uploads)
        {
            foreach (var transaction in upload.Transactions.Where(t => !t.Malformed))
            {
                foreach (var line in transaction.Lines)
                    Add(onHand, line.Sku, upload.Store.Location, transaction.IsReturn ? line.Quantity : -line.Quantity);
            }
        }
        foreach (var order in scenario.Orders)
        {
            foreach (var line in order.Lines)
            {
                switch (order.Fate)
                {
                    case OrderFate.Fulfilled: Add(onHand, line.Item.Sku, Scenario.Warehouse, -line.Quantity); break;
                    case OrderFate.Open: Add(reserved, line.Item.Sku, Scenario.Warehouse, line.Quantity); break;
                }
            }
            if (order.Refund is { } refund)
                Add(onHand, refund.Line.Item.Sku, Scenario.Warehouse, refund.Quantity);
        }

        return onHand.Keys.Union(reserved.Keys).ToDictionary(k => k, k => new ExpectedLevel(onHand.GetValueOrDefault(k), reserved.GetValueOrDefault(k)));
    }

    /// <summary>How many ledger movements each SKU must end with: one per receipt, till line, fulfilled web line and restocked refund line.</summary>
    public static IReadOnlyDictionary<string, int> ExpectedMovements(Scenario scenario) =>
        scenario.Skus.ToDictionary(s => s.Sku, s =>
            scenario.Receipts.Count(r => r.Sku == s.Sku)
            + scenario.Uploads.SelectMany(u => u.Transactions).Where(t => !t.Malformed).SelectMany(t => t.Lines).Count(l => l.Sku == s.Sku)
            + scenario.Orders.Where(o => o.Fate == OrderFate.Fulfilled).SelectMany(o => o.Lines).Count(l => l.Item.Sku == s.Sku)
            + scenario.Orders.Count(o => o.Refund?.Line.Item.Sku == s.Sku));
}

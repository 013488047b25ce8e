namespace RetailFunctions.Chaos;

/// <summary>Expected stock of one SKU at one location.</summary>
public sealed record ExpectedLevel(decimal OnHand, decimal Reserved);

/// <summary>Expected journal entries of one kind (sale, return, refund) at one store on one business day.</summary>
public sealed record ExpectedJournal(int Entries, decimal Total);

/// <summary>
/// The expected end state, computed from the scenario alone (no pipeline code), from the documented rules:
/// <list type="bullet">
/// <item>stock per (SKU, location): receipts - till sales + till returns - shipped web lines + channel refund restocks
/// - collected pickups + sellable store returns; reserved = open shipped orders' lines at the warehouse (a pickup
/// order is collected or expired by the end, so it holds nothing);</item>
/// <item>each order's final status;</item>
/// <item>each shopper's points: per order floor(net), net = paid goods without tax or gift cards; in all
/// floor(points × returned net / net) taken back per order (a cancellation returns everything);</item>
/// <item>the journal per store and business day: a sale per order captured in full (till sales and web orders), a
/// return per store return (at the returning store, the day it was refunded), a refund per goodwill refund and per
/// uncollected pickup.</item>
/// </list>
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
            if (order.PickupStore is { } store)
            {
                if (order.Pickup == PickupFate.Collected)
                    foreach (var line in order.Lines) Add(onHand, line.Item.Sku, store.Location, -line.Quantity);
                continue;
            }
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
            if (order.Return is { Damaged: false } returned)
                Add(onHand, returned.Line.Item.Sku, returned.Store.Location, returned.Quantity);
        }

        return onHand.Keys.Union(reserved.Keys).ToDictionary(k => k, k => new ExpectedLevel(onHand.GetValueOrDefault(k), reserved.GetValueOrDefault(k)));
    }

    /// <summary>
    /// How many ledger movements each SKU must end with: one per receipt, till line, shipped web line, restocked refund
    /// line, collected pickup line and store return line (sellable or damaged).
    /// </summary>
    public static IReadOnlyDictionary<string, int> ExpectedMovements(Scenario scenario) =>
        scenario.Skus.ToDictionary(s => s.Sku, s =>
            scenario.Receipts.Count(r => r.Sku == s.Sku)
            + scenario.Uploads.SelectMany(u => u.Transactions).Where(t => !t.Malformed).SelectMany(t => t.Lines).Count(l => l.Sku == s.Sku)
            + scenario.Orders.Where(o => !o.IsPickup && o.Fate == OrderFate.Fulfilled).SelectMany(o => o.Lines).Count(l => l.Item.Sku == s.Sku)
            + scenario.Orders.Count(o => o.Refund?.Line.Item.Sku == s.Sku)
            + scenario.Orders.Where(o => o.Pickup == PickupFate.Collected).SelectMany(o => o.Lines).Count(l => l.Item.Sku == s.Sku)
            + scenario.Orders.Count(o => o.Return?.Line.Item.Sku == s.Sku));

    /// <summary>
    /// Each order's final status: an open shipped order is reserved and paid (Paid), a shipped one Fulfilled, a
    /// cancelled or uncollected pickup Cancelled, a collected pickup and a till sale Closed (the goods reached the
    /// customer). Returns and refunds do not change a status.
    /// </summary>
    public static string ExpectedStatus(WebOrder order) => order switch
    {
        { Pickup: PickupFate.Collected } => "Closed",
        { Pickup: PickupFate.Expired } => "Cancelled",
        { Fate: OrderFate.Fulfilled } => "Fulfilled",
        { Fate: OrderFate.Cancelled } => "Cancelled",
        _ => "Paid",
    };

    /// <summary>
    /// Points per shopper with one point per currency unit: each order earns floor(net) once; per order, in all,
    /// floor(points × returned net / net) are taken back. The enrolment earns nothing.
    /// </summary>
    public static IReadOnlyDictionary<int, long> ExpectedPoints(Scenario scenario)
    {
        var points = scenario.Shoppers.ToDictionary(s => s.Number, _ => 0L);
        foreach (var order in scenario.Orders)
        {
            var net = order.Total;
            var earned = (long)Math.Floor(net);
            var returned = order switch
            {
                { Fate: OrderFate.Cancelled } or { Pickup: PickupFate.Expired } => net,
                { Refund: { } refund } => WebOrder.UnitPrice * refund.Quantity,
                { Return: { } storeReturn } => WebOrder.UnitPrice * storeReturn.Quantity,
                _ => 0m,
            };
            points[order.Shopper.Number] += earned - (long)Math.Floor(earned * Math.Min(returned, net) / net);
        }
        foreach (var transaction in scenario.Uploads.SelectMany(u => u.Transactions).Where(t => t is { Malformed: false, IsReturn: false, Shopper: not null }))
            points[transaction.Shopper!.Number] += (long)Math.Floor(transaction.Total);
        return points;
    }

    /// <summary>
    /// The journal per (store, business day, kind): sales on the scenario's business day, money going back on
    /// <paramref name="refundDay"/> (the day the harness sent the store actions):
    /// <list type="bullet">
    /// <item>a sale per order captured in full, dated by its capture: a till sale at its store, a pickup order at its
    /// store, a shipped web order under "web" (its store dimension falls back to the channel: when the web store's
    /// capture is recorded, with the order, nothing is allocated yet);</item>
    /// <item>a return per store return, at the returning store, and per till return, at its till's store on its business day;</item>
    /// <item>a refund per goodwill refund (at the order's store: "web" for a shipped order);</item>
    /// <item>a return per uncollected pickup: its sale reversed (its captured total, at the pickup store).</item>
    /// </list>
    /// A cancellation in the web store moves no money here (the web store refunds it itself, with its own refund
    /// webhook), and the scenario's web-store refunds carry no refund transactions, so they move none either.
    /// </summary>
    public static IReadOnlyDictionary<(string Store, string Day, string Kind), ExpectedJournal> ExpectedJournal(Scenario scenario, string refundDay)
    {
        var journal = new Dictionary<(string, string, string), ExpectedJournal>();
        void Add(string store, string day, string kind, decimal amount) =>
            journal[(store, day, kind)] = journal.GetValueOrDefault((store, day, kind)) is { } had ? new ExpectedJournal(had.Entries + 1, had.Total + amount) : new ExpectedJournal(1, amount);

        foreach (var upload in scenario.Uploads)
            foreach (var transaction in upload.Transactions.Where(t => !t.Malformed))
                Add(upload.Store.Location, PosUpload.BusinessDay, transaction.IsReturn ? "return" : "sale", transaction.Total);
        foreach (var order in scenario.Orders)
        {
            var store = order.PickupStore?.Location ?? WebStoreDimension;
            Add(store, PosUpload.BusinessDay, "sale", order.Total);
            if (order.Pickup == PickupFate.Expired) Add(store, refundDay, "return", order.Total);
            if (order.Return is { } returned) Add(returned.Store.Location, refundDay, "return", WebOrder.UnitPrice * returned.Quantity);
            if (order.Goodwill is { } goodwill) Add(store, refundDay, "refund", goodwill.Amount);
        }
        return journal;
    }

    /// <summary>The store dimension of a shipped web order's entries.</summary>
    public const string WebStoreDimension = "web";

    /// <summary>
    /// The refunds the web store must have made, once each, for refunds decided here, by Shopify order id: a store
    /// return (its lines), a goodwill refund, an uncollected pickup (its captured total). Refunds the web store made
    /// itself (its refund webhooks) are its own and never sent back to it.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<decimal>> ExpectedWebStoreRefunds(Scenario scenario)
    {
        var refunds = new Dictionary<string, IReadOnlyList<decimal>>(StringComparer.Ordinal);
        foreach (var order in scenario.Orders)
        {
            var amounts = new List<decimal>();
            if (order.Pickup == PickupFate.Expired) amounts.Add(order.Total);
            if (order.Return is { } returned) amounts.Add(WebOrder.UnitPrice * returned.Quantity);
            if (order.Goodwill is { } goodwill) amounts.Add(goodwill.Amount);
            if (amounts.Count > 0) refunds[order.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture)] = [.. amounts.Order()];
        }
        return refunds;
    }
}

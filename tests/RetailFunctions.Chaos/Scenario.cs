using System.Globalization;
using System.Text.Json.Nodes;

namespace RetailFunctions.Chaos;

public enum ScenarioSize
{
    Small,
    Large,
}

/// <summary>A canonical SKU and its names in the web store (variant, inventory item) and at the tills (item id).</summary>
public sealed record ChaosSku(string Sku, long VariantId, long InventoryItemId, string PosItemId);

/// <summary>A store, the id its tills send and its web-store location (where pickup orders are collected).</summary>
public sealed record ChaosStore(string Location, string PosStoreId, long ShopifyLocationId);

/// <summary>
/// A known shopper, enrolled before the day with every identifier: web orders name them by email (and a web-store
/// customer id), tills by phone (national format, read in the store's region) or by loyalty card.
/// </summary>
public sealed record Shopper(int Number, string Email, string Phone, string LoyaltyId, bool TillUsesPhone)
{
    public long ShopifyCustomerId => 7_100 + Number;

    /// <summary>The phone as a till in a GB store types it; it normalizes to <see cref="Phone"/>.</summary>
    public string NationalPhone => "0" + Phone[3..5] + " " + Phone[5..];
}

/// <summary>A manual receipt, recorded before the day starts.</summary>
public sealed record ChaosReceipt(string Sku, string Location, int Quantity, string IdempotencyKey);

public sealed record TillLine(string Sku, string PosItemId, int Quantity);

/// <summary>One till transaction; a malformed one (no business day) must be reported as such and never applied. A sale may name a shopper.</summary>
public sealed record TillTransaction(int Position, string Workstation, string Sequence, bool IsReturn, IReadOnlyList<TillLine> Lines, bool Malformed, Shopper? Shopper = null)
{
    public const decimal UnitPrice = 9.5m;

    public decimal Total => Lines.Sum(l => UnitPrice * l.Quantity);
}

public sealed record PosUpload(int Index, ChaosStore Store, IReadOnlyList<TillTransaction> Transactions)
{
    public const string BusinessDay = "2026-11-21";

    public string Body()
    {
        var transactions = new JsonArray();
        foreach (var t in Transactions)
        {
            var lines = new JsonArray();
            foreach (var line in t.Lines)
                lines.Add(new JsonObject { ["itemId"] = line.PosItemId, ["quantity"] = line.Quantity, ["unitPrice"] = TillTransaction.UnitPrice, ["extendedAmount"] = TillTransaction.UnitPrice * line.Quantity });
            var total = t.Total;
            var transaction = new JsonObject
            {
                ["workstationId"] = t.Workstation,
                ["sequenceNumber"] = t.Sequence,
                ["type"] = t.IsReturn ? "return" : "sale",
                ["operatorId"] = "7",
                ["lines"] = lines,
                ["tenders"] = new JsonArray(new JsonObject { ["type"] = "cash", ["amount"] = t.IsReturn ? -total : total }),
                ["total"] = t.IsReturn ? -total : total,
            };
            if (!t.Malformed) transaction["businessDay"] = BusinessDay;
            if (t.Shopper is { } shopper)
            {
                if (shopper.TillUsesPhone) transaction["customerPhone"] = shopper.NationalPhone;
                else transaction["loyaltyId"] = shopper.LoyaltyId;
            }
            transactions.Add(transaction);
        }
        return new JsonObject { ["storeId"] = Store.PosStoreId, ["currency"] = "USD", ["transactions"] = transactions }.ToJsonString();
    }
}

public enum OrderFate
{
    Open,
    Fulfilled,
    Cancelled,
}

public sealed record WebLine(long LineId, ChaosSku Item, int Quantity);

/// <summary>A refund of part of one fulfilled line, restocked as a return at the default fulfillment location.</summary>
public sealed record WebRefund(long RefundId, long RefundLineId, WebLine Line, int Quantity);

/// <summary>What happens to a pickup order at its store: ready, then collected, or left until the pickup window ends.</summary>
public enum PickupFate
{
    Collected,
    Expired,
}

/// <summary>A shipped web order returned in a store through the API (returns anywhere): sellable restocks the store, damaged does not.</summary>
public sealed record StoreReturn(string ReturnId, ChaosStore Store, WebLine Line, int Quantity, bool Damaged);

/// <summary>A goodwill partial refund issued through the API, without a return.</summary>
public sealed record Goodwill(string RefundId, decimal Amount);

/// <summary>
/// A web order. A pickup order (<see cref="PickupStore"/>) is reserved at its store and driven by store actions
/// after the day's deliveries; a shipped one goes to the warehouse and may later be returned in a store or get a
/// goodwill refund.
/// </summary>
public sealed record WebOrder(long OrderId, IReadOnlyList<WebLine> Lines, OrderFate Fate, WebRefund? Refund, Shopper Shopper,
    ChaosStore? PickupStore = null, PickupFate? Pickup = null, StoreReturn? Return = null, Goodwill? Goodwill = null)
{
    public const decimal UnitPrice = 12m;

    public bool IsPickup => PickupStore is not null;

    public decimal Total => UnitPrice * Lines.Sum(l => l.Quantity);
}

/// <summary>Something that happens during the day, in scenario order.</summary>
public abstract record DayEvent(int Index)
{
    /// <summary>A signed web-store webhook. Poison ones pass the edge but cannot be mapped.</summary>
    public sealed record Webhook(int Index, string Topic, string WebhookId, string Body, long? OrderId, string? PoisonWhy = null) : DayEvent(Index)
    {
        public bool IsPoison => PoisonWhy is not null;
    }

    public sealed record Upload(int Index, PosUpload Batch) : DayEvent(Index);
}

/// <summary>
/// A deterministic retail day: SKUs, stores, receipts, then web orders (created, some fulfilled, some cancelled,
/// some refunded after fulfilment), till batches of sales and returns, and a few poison webhooks. Web orders never
/// exceed the warehouse's receipts, so every reservation succeeds; stores receive at least what they sell.
/// </summary>
public sealed record Scenario(
    int Seed,
    ScenarioSize Size,
    IReadOnlyList<ChaosSku> Skus,
    IReadOnlyList<ChaosStore> Stores,
    IReadOnlyList<Shopper> Shoppers,
    IReadOnlyList<ChaosReceipt> Receipts,
    IReadOnlyList<WebOrder> Orders,
    IReadOnlyList<PosUpload> Uploads,
    IReadOnlyList<DayEvent> Events)
{
    public const string Warehouse = "WH-1";
    public const long WarehouseShopifyLocation = 655441491;
    public const string Shop = "chaos-shop.myshopify.com";

    /// <summary>2^53: ids above it do not survive a round trip through a double.</summary>
    private const long TwoToThe53 = 9_007_199_254_740_992;

    public IEnumerable<DayEvent.Webhook> Poison => Events.OfType<DayEvent.Webhook>().Where(w => w.IsPoison);

    public static Scenario Generate(int seed, ScenarioSize size)
    {
        var random = new Random(seed);
        var (skuCount, storeCount, orderCount, uploadCount, transactionsPerUpload, poisonCount, shopperCount) = size switch
        {
            ScenarioSize.Small => (4, 2, 24, 6, 5, 3, 4),
            _ => (12, 4, 200, 30, 10, 10, 12),
        };

        // Half the variants and inventory items sit just above 2^53, next to each other: an id rounded through a
        // double would land on a neighbour (or on nothing) and show up as a difference.
        var skus = Enumerable.Range(1, skuCount).Select(i => new ChaosSku(
            $"CHAOS-{i:D3}",
            i % 2 == 0 ? TwoToThe53 + i : 44_000_000_000 + i,
            i % 2 == 0 ? TwoToThe53 + 1000 + i : 810_000_000_000 + i,
            $"T{i:D5}")).ToList();
        var stores = Enumerable.Range(1, storeCount).Select(i => new ChaosStore($"STORE-{i:D2}", (100 + i).ToString(CultureInfo.InvariantCulture), 655441500 + i)).ToList();
        var shoppers = Enumerable.Range(1, shopperCount).Select(i => new Shopper(i, $"shopper{i}@chaos.example.com",
            $"+447700900{i:D3}", $"LOY-{i:D5}", TillUsesPhone: i % 2 == 1)).ToList();

        // Web orders.
        var orders = new List<WebOrder>();
        long nextLine = 70_000_000_000, nextRefund = 90_000_000, nextRefundLine = 91_000_000;
        for (var o = 0; o < orderCount; o++)
        {
            var orderId = o % 3 == 0 ? TwoToThe53 + 5_000 + o : 5_100_000_000 + o;
            var lines = skus.OrderBy(_ => random.Next()).Take(random.Next(1, Math.Min(3, skus.Count) + 1))
                .Select(s => new WebLine(nextLine++, s, random.Next(1, 4))).ToList();
            var shopper = shoppers[random.Next(shoppers.Count)];
            // One order in five is collected in a store; one in four of those is never collected.
            if (random.NextDouble() < 0.2)
            {
                orders.Add(new WebOrder(orderId, lines, OrderFate.Open, null, shopper, stores[random.Next(stores.Count)],
                    random.NextDouble() < 0.25 ? PickupFate.Expired : PickupFate.Collected));
                continue;
            }
            var roll = random.NextDouble();
            var fate = roll < 0.5 ? OrderFate.Fulfilled : roll < 0.7 ? OrderFate.Cancelled : OrderFate.Open;
            WebRefund? refund = null;
            StoreReturn? storeReturn = null;
            Goodwill? goodwill = null;
            if (fate == OrderFate.Fulfilled)
            {
                var extra = random.NextDouble();
                var line = lines[random.Next(lines.Count)];
                if (extra < 0.3)
                    refund = new WebRefund(nextRefund++, nextRefundLine++, line, random.Next(1, line.Quantity + 1));
                else if (extra < 0.6)
                    storeReturn = new StoreReturn($"R-{o}", stores[random.Next(stores.Count)], line, random.Next(1, line.Quantity + 1), Damaged: random.Next(3) == 0);
                else if (extra < 0.8)
                    goodwill = new Goodwill($"G-{o}", random.Next(1, 5) * 2.5m);
            }
            orders.Add(new WebOrder(orderId, lines, fate, refund, shopper, Return: storeReturn, Goodwill: goodwill));
        }

        // Till batches.
        var uploads = new List<PosUpload>();
        var sequence = new Dictionary<string, int>();
        for (var u = 0; u < uploadCount; u++)
        {
            var store = stores[random.Next(stores.Count)];
            var transactions = new List<TillTransaction>();
            for (var t = 1; t <= transactionsPerUpload; t++)
            {
                var seq = sequence[store.PosStoreId] = sequence.GetValueOrDefault(store.PosStoreId) + 1;
                var isReturn = random.NextDouble() < 0.25;
                var lines = skus.OrderBy(_ => random.Next()).Take(isReturn ? 1 : random.Next(1, 4))
                    .Select(s => new TillLine(s.Sku, s.PosItemId, random.Next(1, 4))).ToList();
                var buyer = !isReturn && random.NextDouble() < 0.4 ? shoppers[random.Next(shoppers.Count)] : null;
                transactions.Add(new TillTransaction(t, random.Next(1, 4).ToString(CultureInfo.InvariantCulture), seq.ToString(CultureInfo.InvariantCulture), isReturn, lines, Malformed: false, buyer));
            }
            // One upload in three carries a malformed transaction (no business day) somewhere in it.
            if (u % 3 == 1)
            {
                var at = random.Next(transactions.Count + 1);
                var seq = sequence[store.PosStoreId] = sequence.GetValueOrDefault(store.PosStoreId) + 1;
                var item = skus[random.Next(skus.Count)];
                transactions.Insert(at, new TillTransaction(0, "9", seq.ToString(CultureInfo.InvariantCulture), false,
                    [new TillLine(item.Sku, item.PosItemId, 5)], Malformed: true));
                transactions = [.. transactions.Select((t, i) => t with { Position = i + 1 })];
            }
            uploads.Add(new PosUpload(u, store, transactions));
        }

        // Receipts: the warehouse gets every shipped web unit plus a margin; each store at least what it sells at
        // its tills plus what is collected there.
        var receipts = new List<ChaosReceipt>();
        foreach (var sku in skus)
        {
            var web = orders.Where(o => !o.IsPickup).SelectMany(o => o.Lines).Where(l => l.Item.Sku == sku.Sku).Sum(l => l.Quantity);
            receipts.Add(new ChaosReceipt(sku.Sku, Warehouse, web + random.Next(5, 20), $"chaos-{seed}-receipt-{sku.Sku}-{Warehouse}"));
            foreach (var store in stores)
            {
                var sold = uploads.Where(u => u.Store == store).SelectMany(u => u.Transactions).Where(t => !t.Malformed && !t.IsReturn)
                    .SelectMany(t => t.Lines).Where(l => l.Sku == sku.Sku).Sum(l => l.Quantity)
                    + orders.Where(o => o.PickupStore == store).SelectMany(o => o.Lines).Where(l => l.Item.Sku == sku.Sku).Sum(l => l.Quantity);
                receipts.Add(new ChaosReceipt(sku.Sku, store.Location, sold + random.Next(1, 10), $"chaos-{seed}-receipt-{sku.Sku}-{store.Location}"));
            }
        }

        // The day: each event at a time of day, sorted.
        var timeline = new List<(double At, int Tie, Func<int, DayEvent> Make)>();
        var tie = 0;
        var webhookNumber = 0;
        string NextWebhookId() => $"chaos-{seed}-wh-{++webhookNumber:D5}";
        foreach (var order in orders)
        {
            var created = random.NextDouble() * 1000;
            var createId = NextWebhookId();
            timeline.Add((created, tie++, i => new DayEvent.Webhook(i, "orders/create", createId, ShopifyBodies.Order(order, OrderFate.Open), order.OrderId)));
            if (order.Fate == OrderFate.Open) continue;
            var ended = created + 5 + random.NextDouble() * 150;
            var endId = NextWebhookId();
            var topic = order.Fate == OrderFate.Fulfilled ? "orders/fulfilled" : "orders/cancelled";
            timeline.Add((ended, tie++, i => new DayEvent.Webhook(i, topic, endId, ShopifyBodies.Order(order, order.Fate), order.OrderId)));
            if (order.Refund is { } refund)
            {
                var refundId = NextWebhookId();
                timeline.Add((ended + 5 + random.NextDouble() * 150, tie++,
                    i => new DayEvent.Webhook(i, "refunds/create", refundId, ShopifyBodies.Refund(order, refund), order.OrderId)));
            }
        }
        foreach (var upload in uploads)
            timeline.Add((random.NextDouble() * 1000, tie++, i => new DayEvent.Upload(i, upload)));
        for (var p = 0; p < poisonCount; p++)
        {
            var id = NextWebhookId();
            var kind = p % 3;
            var (topic, body, why) = kind switch
            {
                0 => ("orders/create", ShopifyBodies.OrderWithoutId(skus[p % skus.Count]), "orders/create without id"),
                1 => ("refunds/create", ShopifyBodies.RefundWithoutOrderId(skus[p % skus.Count]), "refunds/create without order_id"),
                _ => ("orders/create", ShopifyBodies.OrderLineWithoutQuantity(TwoToThe53 + 90_000 + p, skus[p % skus.Count]), "orders/create line without quantity"),
            };
            timeline.Add((random.NextDouble() * 1000, tie++, i => new DayEvent.Webhook(i, topic, id, body, null, why)));
        }
        var events = timeline.OrderBy(t => t.At).ThenBy(t => t.Tie).Select((t, i) => t.Make(i)).ToList();
        return new Scenario(seed, size, skus, stores, shoppers, receipts, orders, uploads, events);
    }
}

/// <summary>Web-store webhook bodies with the fields the pipeline's mapper reads.</summary>
public static class ShopifyBodies
{
    public static string Order(WebOrder order, OrderFate state)
    {
        var lines = new JsonArray();
        foreach (var line in order.Lines)
        {
            lines.Add(new JsonObject
            {
                ["id"] = line.LineId,
                ["variant_id"] = line.Item.VariantId,
                ["product_id"] = 1,
                ["sku"] = line.Item.Sku,
                ["title"] = $"Chaos item {line.Item.Sku}",
                ["quantity"] = line.Quantity,
                ["price"] = WebOrder.UnitPrice.ToString("0.00", CultureInfo.InvariantCulture),
                ["total_discount"] = "0.00",
                ["requires_shipping"] = true,
                ["gift_card"] = false,
                ["fulfillment_status"] = state == OrderFate.Fulfilled ? "fulfilled" : null,
                ["tax_lines"] = new JsonArray(),
            });
        }
        var total = order.Total.ToString("0.00", CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["id"] = order.OrderId,
            ["admin_graphql_api_id"] = $"gid://shopify/Order/{order.OrderId}",
            ["name"] = $"#C{order.OrderId % 100000}",
            ["currency"] = "USD",
            ["created_at"] = "2026-11-21T10:00:00-05:00",
            ["updated_at"] = state == OrderFate.Open ? "2026-11-21T10:00:00-05:00" : "2026-11-21T12:00:00-05:00",
            ["cancelled_at"] = state == OrderFate.Cancelled ? "2026-11-21T12:00:00-05:00" : null,
            ["cancel_reason"] = state == OrderFate.Cancelled ? "customer" : null,
            ["financial_status"] = "paid",
            ["fulfillment_status"] = state == OrderFate.Fulfilled ? "fulfilled" : null,
            ["subtotal_price"] = total,
            ["total_discounts"] = "0.00",
            ["total_tax"] = "0.00",
            ["total_price"] = total,
            ["taxes_included"] = false,
            ["customer"] = new JsonObject { ["id"] = order.Shopper.ShopifyCustomerId, ["email"] = order.Shopper.Email },
            ["line_items"] = lines,
            ["shipping_lines"] = order.PickupStore is null
                ? new JsonArray()
                : new JsonArray(new JsonObject { ["code"] = "Store pickup", ["title"] = "Pick up in store", ["delivery_category"] = "pickup", ["price"] = "0.00", ["tax_lines"] = new JsonArray() }),
            ["discount_codes"] = new JsonArray(),
            // Paid by card in the web store: refunds decided here go back against this capture.
            ["transactions"] = new JsonArray(new JsonObject
            {
                ["id"] = order.OrderId * 10 + 7, ["kind"] = "sale", ["status"] = "success", ["gateway"] = "shopify_payments",
                ["amount"] = total, ["currency"] = "USD", ["processed_at"] = "2026-11-21T10:00:00-05:00",
            }),
        };
        if (order.PickupStore is { } store) body["location_id"] = store.ShopifyLocationId;
        return body.ToJsonString();
    }

    public static string Refund(WebOrder order, WebRefund refund) => RefundObject(refund.RefundId, order.OrderId, refund.RefundLineId, refund.Line.LineId,
        refund.Line.Item, refund.Quantity).ToJsonString();

    private static JsonObject RefundObject(long refundId, long? orderId, long refundLineId, long lineId, ChaosSku item, int quantity)
    {
        var refund = new JsonObject
        {
            ["id"] = refundId,
            ["created_at"] = "2026-11-21T15:00:00-05:00",
            ["note"] = "chaos refund",
            ["restock"] = true,
            ["refund_line_items"] = new JsonArray(new JsonObject
            {
                ["id"] = refundLineId,
                ["line_item_id"] = lineId,
                ["quantity"] = quantity,
                ["restock_type"] = "return",
                ["location_id"] = null,
                ["subtotal"] = 12m * quantity,
                ["total_tax"] = 0m,
                ["line_item"] = new JsonObject { ["id"] = lineId, ["variant_id"] = item.VariantId, ["sku"] = item.Sku, ["price"] = "12.00", ["quantity"] = quantity },
            }),
            ["transactions"] = new JsonArray(),
        };
        if (orderId is { } id) refund["order_id"] = id;
        return refund;
    }

    /// <summary>The shopper poison orders name; they never reach an order, so they earn nothing.</summary>
    private static readonly Shopper Anonymous = new(0, "poison@chaos.example.com", "+447700900999", "LOY-POISON", false);

    public static string OrderWithoutId(ChaosSku item)
    {
        var order = JsonNode.Parse(Order(new WebOrder(1, [new WebLine(1, item, 1)], OrderFate.Open, null, Anonymous), OrderFate.Open))!.AsObject();
        order.Remove("id");
        order.Remove("admin_graphql_api_id");
        return order.ToJsonString();
    }

    public static string RefundWithoutOrderId(ChaosSku item) => RefundObject(99_000_000, null, 99_100_000, 99_200_000, item, 1).ToJsonString();

    public static string OrderLineWithoutQuantity(long orderId, ChaosSku item)
    {
        var order = JsonNode.Parse(Order(new WebOrder(orderId, [new WebLine(orderId + 1, item, 1)], OrderFate.Open, null, Anonymous), OrderFate.Open))!.AsObject();
        order["line_items"]![0]!.AsObject().Remove("quantity");
        return order.ToJsonString();
    }
}

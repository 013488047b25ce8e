using System.Text.Json;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Pipeline.Telemetry;
using static RetailFunctions.Pipeline.Shopify.ShopifyJson;

namespace RetailFunctions.Pipeline.Shopify;

/// <summary>
/// Translates a Shopify webhook body (the bare resource object, as Shopify posts it) into a canonical
/// <see cref="ShopifyEvent"/>, once, at the edge. Problems raise <see cref="PayloadException"/> naming the JSON path.
/// </summary>
public static class ShopifyMapper
{
    private const string Root = "";

    public static ShopifyEvent Map(ShopifyDelivery delivery, ReadOnlySpan<byte> body)
    {
        if (!IsHandled(delivery.Topic))
            return new ShopifyEvent.Unhandled(delivery);
        var reader = new Utf8JsonReader(body);
        JsonDocument document;
        try
        {
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new PayloadException("$", $"body is not JSON: {ex.Message}");
        }
        using (document)
            return Map(delivery, document.RootElement);
    }

    public static ShopifyEvent Map(ShopifyDelivery delivery, JsonElement body)
    {
        if (!IsHandled(delivery.Topic))
            return new ShopifyEvent.Unhandled(delivery);
        if (body.ValueKind != JsonValueKind.Object)
            throw new PayloadException("$", $"body must be a JSON object, found {body.ValueKind.ToString().ToLowerInvariant()}");

        return delivery.Topic.ToLowerInvariant() switch
        {
            ShopifyTopics.OrdersCreate => new ShopifyEvent.OrderCreated(delivery, Order(body)),
            ShopifyTopics.OrdersUpdated => new ShopifyEvent.OrderUpdated(delivery, Order(body)),
            ShopifyTopics.OrdersPaid => new ShopifyEvent.OrderPaid(delivery, Order(body)),
            ShopifyTopics.OrdersCancelled => new ShopifyEvent.OrderCancelled(delivery, Order(body)),
            ShopifyTopics.OrdersFulfilled => new ShopifyEvent.OrderFulfilled(delivery, Order(body)),
            ShopifyTopics.OrdersEdited => new ShopifyEvent.OrderEdited(delivery, OrderEdit(body)),
            ShopifyTopics.RefundsCreate => new ShopifyEvent.RefundCreated(delivery, Refund(body)),
            ShopifyTopics.FulfillmentsCreate => new ShopifyEvent.FulfillmentCreated(delivery, Fulfillment(body)),
            ShopifyTopics.InventoryLevelsUpdate => InventoryLevel(delivery, body),
            ShopifyTopics.ProductsCreate or ShopifyTopics.ProductsUpdate => new ShopifyEvent.ProductUpserted(delivery, Product(body)),
            ShopifyTopics.CustomersCreate or ShopifyTopics.CustomersUpdate => new ShopifyEvent.CustomerUpserted(delivery, Customer(body)),
            _ => new ShopifyEvent.Unhandled(delivery),
        };
    }

    public static bool IsHandled(string topic) => ShopifyTopics.Handled.Contains(topic.ToLowerInvariant());

    /// <summary>
    /// An order in the shop's currency (<c>currency</c>; the plain money fields are the shop's). Discounts come from each
    /// line's <c>discount_allocations</c> (Shopify sends a deprecated <c>"total_discount": "0.00"</c> beside them);
    /// a discount the payload states but allocates to nothing is spread across the lines as an "across" application.
    /// Transactions made in the shopper's presentment currency are booked in the shop's and keep the shopper's figure.
    /// </summary>
    public static OrderSnapshot Order(JsonElement order)
    {
        var currency = String(order, "currency", Root) ?? throw new PayloadException("currency", "missing");
        var totalPrice = OptionalDecimal(order, "total_price", Root) ?? 0m;
        var totalDiscounts = OptionalDecimal(order, "total_discounts", Root) ?? 0m;
        var presentment = String(order, "presentment_currency", Root);
        var presentmentTotal = SetAmount(order, "total_price_set", "presentment_money", Root);
        var shippingLines = Objects(order, "shipping_lines", Root).Select(line => ShippingLine(line.Item, line.At)).ToList();
        var discounted = ShopifyDiscounts.Unallocated(
            [.. Objects(order, "line_items", Root).Select(line => OrderLine(line.Item, line.At))],
            totalDiscounts - shippingLines.Sum(s => s.Discount),
            !Objects(order, "discount_applications", Root).Any()
                || Objects(order, "discount_applications", Root).Any(a => String(a.Item, "target_type", a.At) is null or "line_item"),
            currency);
        var lines = ShopifyTaxes.Unallocated(discounted, shippingLines, OptionalDecimal(order, "total_tax", Root) ?? 0m, currency);
        var toShop = ShopifyMoney.ToShop(currency, presentment, totalPrice, presentmentTotal);
        return new OrderSnapshot(
            Channels.Web,
            ResourceId(order, Root),
            String(order, "name", Root),
            OptionalId(order, "order_number", Root),
            currency,
            Timestamp(order, "created_at", Root),
            Timestamp(order, "updated_at", Root),
            Timestamp(order, "cancelled_at", Root),
            String(order, "cancel_reason", Root),
            String(order, "financial_status", Root),
            String(order, "fulfillment_status", Root),
            OptionalId(order, "location_id", Root),
            OrderCustomer(order),
            lines,
            shippingLines,
            [.. Objects(order, "transactions", Root).Select(t => toShop(Payment(t.Item, t.At, presentment ?? currency)))],
            [.. Objects(order, "discount_codes", Root).Select(d => String(d.Item, "code", d.At)).OfType<string>()],
            OptionalDecimal(order, "subtotal_price", Root) ?? 0m,
            totalDiscounts,
            OptionalDecimal(order, "total_tax", Root) ?? 0m,
            totalPrice,
            Bool(order, "taxes_included", Root) ?? false,
            FreeText(String(order, "note", Root)),
            ShipTo(order),
            [.. Array(order, "payment_gateway_names", Root).Where(g => g.Item.ValueKind == JsonValueKind.String).Select(g => g.Item.GetString()!)],
            OptionalDecimal(order, "current_total_price", Root),
            presentment,
            presentmentTotal,
            Bool(order, "test", Root) ?? false,
            EchoedRefundTransactions(order),
            RefundedQuantities(order));
    }

    /// <summary>
    /// Units refunded per line, from the order's own <c>refunds</c>: what a line's <c>current_quantity</c> lost to
    /// refunds rather than to edits. Null when the body carries no <c>refunds</c> (a trimmed payload): then the two
    /// cannot be told apart.
    /// </summary>
    private static IReadOnlyDictionary<string, decimal>? RefundedQuantities(JsonElement order)
    {
        if (Get(order, "refunds") is null) return null;
        var refunded = new Dictionary<string, decimal>();
        foreach (var (line, at) in Objects(order, "refunds", Root).SelectMany(r => Objects(r.Item, "refund_line_items", r.At)))
        {
            var lineId = RefundedLineId(line, at, Object(line, "line_item", at));
            refunded[lineId] = refunded.GetValueOrDefault(lineId) + RequiredDecimal(line, "quantity", at);
        }
        return refunded;
    }

    /// <summary>
    /// An <c>orders/edited</c> body: <c>{"order_edit": {id, order_id, committed_at, line_items: {additions, removals}}}</c>,
    /// each change a line id and its <c>delta</c> in units.
    /// </summary>
    public static OrderEditSnapshot OrderEdit(JsonElement body)
    {
        const string at = "order_edit";
        var edit = Object(body, at, Root) ?? throw new PayloadException(at, "missing");
        var lines = Object(edit, "line_items", at);
        IReadOnlyList<OrderEditLineSnapshot> Changes(string kind) => lines is { } l
            ? [.. Objects(l, kind, Path(at, "line_items")).Select(c => new OrderEditLineSnapshot(ResourceId(c.Item, c.At), RequiredDecimal(c.Item, "delta", c.At)))]
            : [];
        return new OrderEditSnapshot(
            ResourceId(edit, at),
            RequiredId(edit, "order_id", at),
            Timestamp(edit, "committed_at", at) ?? Timestamp(edit, "created_at", at),
            Changes("additions"),
            Changes("removals"));
    }

    /// <summary>
    /// Transactions of the order's refunds that carry our refund marker in their note: refunds this system decided and
    /// carried out through the Admin API. They are already on the order's record and must not be counted again.
    /// </summary>
    private static IReadOnlyList<string> EchoedRefundTransactions(JsonElement order) =>
    [
        .. Objects(order, "refunds", Root)
            .Where(r => Orders.RefundMarkers.Find(String(r.Item, "note", r.At)) is not null)
            .SelectMany(r => Objects(r.Item, "transactions", r.At).Select(t => ResourceId(t.Item, t.At))),
    ];

    /// <summary><c>total_price_set.presentment_money.amount</c> and the like: one side of a money bag, or null.</summary>
    private static decimal? SetAmount(JsonElement owner, string set, string side, string at) =>
        Object(owner, set, at) is { } bag && Object(bag, side, Path(at, set)) is { } money
            ? OptionalDecimal(money, "amount", Path(Path(at, set), side))
            : null;

    private static ShipToSnapshot? ShipTo(JsonElement order)
    {
        const string at = "shipping_address";
        if (Object(order, at, Root) is not { } address) return null;
        return new ShipToSnapshot(
            (double?)OptionalDecimal(address, "latitude", at),
            (double?)OptionalDecimal(address, "longitude", at),
            String(address, "country_code", at),
            String(address, "zip", at));
    }

    /// <summary>
    /// A refund. Its transactions are in the shopper's presentment currency; its lines and adjustments carry both
    /// currencies, which give the rate to book the transactions in the shop's.
    /// </summary>
    public static RefundSnapshot Refund(JsonElement refund)
    {
        var id = ResourceId(refund, Root);
        var restock = Bool(refund, "restock", Root) ?? false;
        var (shop, presentment, shopCurrency) = RefundMoneyBags(refund);
        // The line items' prices are the shop's; a refund without money bags is in its transactions' currency.
        var currency = shopCurrency ?? Objects(refund, "transactions", Root).Select(t => String(t.Item, "currency", t.At)).FirstOrDefault(c => c is not null);
        var lines = Objects(refund, "refund_line_items", Root).Select(line => RefundLine(line.Item, line.At, restock, currency)).ToList();
        var adjustments = Objects(refund, "order_adjustments", Root).Select(a => Adjustment(a.Item, a.At)).ToList();
        var toShop = ShopifyMoney.ToShop(shopCurrency, null, shop, presentment);
        return new RefundSnapshot(
            id,
            RequiredId(refund, "order_id", Root),
            Timestamp(refund, "created_at", Root),
            FreeText(String(refund, "note", Root)),
            restock,
            lines,
            [.. Objects(refund, "transactions", Root).Select(t => toShop(Payment(t.Item, t.At, defaultCurrency: null)))],
            adjustments);
    }

    /// <summary>What the refund's lines and adjustments add up to in the shop's and the shopper's currency, and the shop's currency.</summary>
    private static (decimal Shop, decimal? Presentment, string? ShopCurrency) RefundMoneyBags(JsonElement refund)
    {
        decimal shop = 0m, presentment = 0m;
        string? currency = null;
        var complete = true;
        void Add(JsonElement owner, string set, string at, decimal sign)
        {
            if (Object(owner, set, at) is not { } bag) return;
            var shopMoney = Object(bag, "shop_money", Path(at, set));
            var shopper = SetAmount(owner, set, "presentment_money", at);
            if (shopMoney is not { } sm || shopper is not { } p) { complete = false; return; }
            shop += sign * RequiredDecimal(sm, "amount", Path(Path(at, set), "shop_money"));
            currency ??= String(sm, "currency_code", Path(Path(at, set), "shop_money"));
            presentment += sign * p;
        }
        foreach (var (line, at) in Objects(refund, "refund_line_items", Root))
        {
            Add(line, "subtotal_set", at, 1m);
            Add(line, "total_tax_set", at, 1m);
        }
        foreach (var (adjustment, at) in Objects(refund, "order_adjustments", Root))
        {
            Add(adjustment, "amount_set", at, -1m);
            Add(adjustment, "tax_amount_set", at, -1m);
        }
        return complete && presentment != 0m ? (shop, presentment, currency) : (0m, null, null);
    }

    /// <summary>An order adjustment: Shopify states the money that went out as negative; here it is positive.</summary>
    private static RefundAdjustmentSnapshot Adjustment(JsonElement adjustment, string at) => new(
        String(adjustment, "kind", at) ?? "refund_discrepancy",
        -RequiredDecimal(adjustment, "amount", at),
        -(OptionalDecimal(adjustment, "tax_amount", at) ?? 0m));

    public static FulfillmentSnapshot Fulfillment(JsonElement fulfillment)
    {
        var numbers = Array(fulfillment, "tracking_numbers", Root)
            .Select(n => n.Item.ValueKind == JsonValueKind.String ? n.Item.GetString() : n.Item.GetRawText())
            .OfType<string>()
            .Where(n => n.Length > 0)
            .ToList();
        // Older payloads carry only the single tracking_number.
        if (numbers.Count == 0 && String(fulfillment, "tracking_number", Root) is { } single)
            numbers.Add(single);
        return new FulfillmentSnapshot(
            ResourceId(fulfillment, Root),
            RequiredId(fulfillment, "order_id", Root),
            String(fulfillment, "status", Root),
            OptionalId(fulfillment, "location_id", Root),
            Timestamp(fulfillment, "created_at", Root),
            Timestamp(fulfillment, "updated_at", Root),
            String(fulfillment, "tracking_company", Root),
            numbers,
            [.. Objects(fulfillment, "line_items", Root).Select(line => new FulfillmentLineSnapshot(
                ResourceId(line.Item, line.At),
                OptionalId(line.Item, "variant_id", line.At),
                String(line.Item, "sku", line.At),
                RequiredDecimal(line.Item, "quantity", line.At)))]);
    }

    public static ProductSnapshot Product(JsonElement product) => new(
        ResourceId(product, Root),
        String(product, "title", Root) ?? "",
        String(product, "vendor", Root),
        String(product, "product_type", Root),
        Timestamp(product, "updated_at", Root),
        [.. Objects(product, "variants", Root).Select(v => new ProductVariantSnapshot(
            ResourceId(v.Item, v.At),
            OptionalId(v.Item, "inventory_item_id", v.At),
            String(v.Item, "sku", v.At),
            String(v.Item, "barcode", v.At),
            String(v.Item, "title", v.At) ?? "",
            OptionalDecimal(v.Item, "price", v.At),
            String(v.Item, "weight_unit", v.At),
            OptionalDecimal(v.Item, "weight", v.At),
            String(v.Item, "option1", v.At),
            String(v.Item, "option2", v.At),
            String(v.Item, "option3", v.At)))]);

    public static CustomerSnapshot Customer(JsonElement customer) => new(
        ResourceId(customer, Root),
        String(customer, "email", Root),
        String(customer, "phone", Root),
        String(customer, "first_name", Root),
        String(customer, "last_name", Root),
        Timestamp(customer, "updated_at", Root),
        // The consent object replaced accepts_marketing; when present it is the truth.
        Consent(customer, "email_marketing_consent") ?? Bool(customer, "accepts_marketing", Root),
        Consent(customer, "sms_marketing_consent"),
        FreeText(String(customer, "note", Root)));

    private static ShopifyEvent InventoryLevel(ShopifyDelivery delivery, JsonElement level) => new ShopifyEvent.InventoryLevelObserved(
        delivery,
        RequiredId(level, "inventory_item_id", Root),
        RequiredId(level, "location_id", Root),
        OptionalDecimal(level, "available", Root),
        Timestamp(level, "updated_at", Root));

    /// <summary>
    /// The resource id. <c>admin_graphql_api_id</c> ("gid://shopify/Order/450789469") is a string and keeps every digit;
    /// the numeric <c>id</c> does not survive a trip through a JavaScript number beyond 2^53. When both are present and
    /// disagree the gid wins and the mismatch is counted; without <c>id</c>, the gid's tail is the id.
    /// </summary>
    private static string ResourceId(JsonElement resource, string at) =>
        OptionalResourceId(resource, "id", at) ?? throw new PayloadException(Path(at, "id"), "missing");

    /// <summary>An id that may be absent (a line's <c>line_item_id</c>, a customer's id), checked against the gid beside it.</summary>
    private static string? OptionalResourceId(JsonElement resource, string key, string at)
    {
        var id = OptionalId(resource, key, at);
        if (String(resource, "admin_graphql_api_id", at) is not { } gid) return id;
        var tail = GidTail(gid) ?? throw new PayloadException(Path(at, "admin_graphql_api_id"), $"'{gid}' does not end in a numeric id");
        if (id is not null && id != tail)
            PipelineTelemetry.ShopifyIdMismatches.Add(1, new KeyValuePair<string, object?>("resource", GidType(gid)));
        return tail;
    }

    /// <summary>"gid://shopify/Order/123" gives "123"; a query ("?inventory_item_id=...") is not part of the id.</summary>
    private static string? GidTail(string gid)
    {
        var path = gid.Split('?')[0];
        var tail = path[(path.LastIndexOf('/') + 1)..];
        return tail.Length > 0 && tail.All(char.IsAsciiDigit) ? tail : null;
    }

    private static string GidType(string gid) => gid.Split('?')[0].Split('/') is { Length: >= 2 } parts ? parts[^2] : "unknown";

    private static ChannelCustomerRef? OrderCustomer(JsonElement order)
    {
        if (Object(order, "customer", Root) is { } customer)
        {
            return new ChannelCustomerRef(
                OptionalResourceId(customer, "id", "customer"),
                String(customer, "email", "customer") ?? String(order, "email", Root),
                String(customer, "phone", "customer") ?? String(order, "phone", Root),
                String(customer, "first_name", "customer"),
                String(customer, "last_name", "customer"));
        }
        // A guest checkout still identifies the shopper by email or phone.
        var email = String(order, "email", Root);
        var phone = String(order, "phone", Root);
        return email is null && phone is null ? null : new ChannelCustomerRef(null, email, phone, null, null);
    }

    private static OrderLineSnapshot OrderLine(JsonElement line, string at)
    {
        var variant = OptionalId(line, "variant_id", at);
        var product = OptionalId(line, "product_id", at);
        var sku = String(line, "sku", at);
        return new OrderLineSnapshot(
            ResourceId(line, at),
            variant,
            product,
            sku,
            String(line, "title", at) ?? String(line, "name", at) ?? "",
            RequiredDecimal(line, "quantity", at),
            RequiredDecimal(line, "price", at),
            LineDiscount(line, at),
            TaxLines(line, at),
            Bool(line, "requires_shipping", at) ?? false,
            Bool(line, "gift_card", at) ?? false,
            String(line, "fulfillment_status", at),
            // A custom line item names no product: revenue, but nothing to take off a shelf.
            IsCustom: variant is null && product is null && sku is null,
            // The quantity after removals (edits and refunds), since API 2024-01.
            CurrentQuantity: OptionalDecimal(line, "current_quantity", at));
    }

    /// <summary>
    /// <c>discount_allocations</c> when the line has them: Shopify still sends the deprecated <c>total_discount</c>,
    /// as "0.00", beside them. Older payloads carry only <c>total_discount</c>.
    /// </summary>
    private static decimal LineDiscount(JsonElement line, string at) =>
        Get(line, "discount_allocations") is not null
            ? Objects(line, "discount_allocations", at).Sum(a => RequiredDecimal(a.Item, "amount", a.At))
            : OptionalDecimal(line, "total_discount", at) ?? 0m;

    /// <summary>What the customer pays for shipping is its price less its own discount allocations (or <c>discounted_price</c>).</summary>
    private static ShippingLineSnapshot ShippingLine(JsonElement line, string at)
    {
        var price = RequiredDecimal(line, "price", at);
        var discount = Get(line, "discount_allocations") is not null
            ? Objects(line, "discount_allocations", at).Sum(a => RequiredDecimal(a.Item, "amount", a.At))
            : OptionalDecimal(line, "discounted_price", at) is { } discounted ? price - discounted : 0m;
        return new ShippingLineSnapshot(
            String(line, "title", at) ?? String(line, "code", at) ?? "",
            price,
            TaxLines(line, at),
            String(line, "code", at),
            String(line, "delivery_category", at),
            discount);
    }

    private static List<TaxLine> TaxLines(JsonElement owner, string at) =>
    [
        .. Objects(owner, "tax_lines", at).Select(t => new TaxLine(
            String(t.Item, "title", t.At) ?? "",
            OptionalDecimal(t.Item, "rate", t.At) ?? 0m,
            RequiredDecimal(t.Item, "price", t.At))),
    ];

    private static PaymentSnapshot Payment(JsonElement transaction, string at, string? defaultCurrency) => new(
        ResourceId(transaction, at),
        String(transaction, "kind", at) ?? throw new PayloadException(Path(at, "kind"), "missing"),
        String(transaction, "status", at) ?? "unknown",
        RequiredDecimal(transaction, "amount", at),
        String(transaction, "currency", at) ?? defaultCurrency ?? throw new PayloadException(Path(at, "currency"), "missing"),
        String(transaction, "gateway", at),
        CardLast4(transaction, at),
        Timestamp(transaction, "processed_at", at) ?? Timestamp(transaction, "created_at", at),
        IsTest: Bool(transaction, "test", at) ?? false);

    /// <summary>Only the last four digits of whatever the gateway reported ("•••• •••• •••• 1234", "XXXX-4242").</summary>
    private static string? CardLast4(JsonElement transaction, string at)
    {
        if (Object(transaction, "payment_details", at) is not { } details
            || String(details, "credit_card_number", Path(at, "payment_details")) is not { } number)
            return null;
        var digits = number.Where(char.IsAsciiDigit).ToArray();
        return digits.Length >= 4 ? new string(digits[^4..]) : null;
    }

    private static RefundLineSnapshot RefundLine(JsonElement line, string at, bool restock, string? currency)
    {
        var quantity = RequiredDecimal(line, "quantity", at);
        var item = Object(line, "line_item", at);
        var itemAt = Path(at, "line_item");
        var lineId = RefundedLineId(line, at, item);
        return new RefundLineSnapshot(
            RequiredId(line, "id", at),
            lineId,
            item is { } v ? OptionalId(v, "variant_id", itemAt) : null,
            item is { } s ? String(s, "sku", itemAt) : null,
            quantity,
            // restock_type arrived with API 2019-04; older refunds only say restock true/false.
            String(line, "restock_type", at) ?? (restock ? "legacy_restock" : "no_restock"),
            OptionalId(line, "location_id", at),
            OptionalDecimal(line, "subtotal", at) ?? (item is { } p ? RequiredDecimal(p, "price", itemAt) * quantity : 0m),
            OptionalDecimal(line, "total_tax", at) ?? (item is { } t ? ProratedTax(t, itemAt, quantity, currency) : 0m),
            item is { } c ? OptionalDecimal(c, "current_quantity", itemAt) : null);
    }

    /// <summary>The refunded line: the embedded line item's gid when it has one (exact), else <c>line_item_id</c>.</summary>
    private static string RefundedLineId(JsonElement line, string at, JsonElement? item)
    {
        var itemAt = Path(at, "line_item");
        var lineItemId = OptionalId(line, "line_item_id", at);
        if (item is not { } i) return lineItemId ?? throw new PayloadException(Path(at, "line_item_id"), "missing");
        if (String(i, "admin_graphql_api_id", itemAt) is null) return lineItemId ?? ResourceId(i, itemAt);
        var exact = ResourceId(i, itemAt);
        if (lineItemId is not null && lineItemId != exact)
            PipelineTelemetry.ShopifyIdMismatches.Add(1, new KeyValuePair<string, object?>("resource", "LineItem"));
        return exact;
    }

    /// <summary>
    /// A refunded line without its own <c>total_tax</c>: the original line's tax covers its whole quantity, and a
    /// partial refund carries its share, rounded in the currency's minor unit (none for JPY, three places for KWD).
    /// </summary>
    private static decimal ProratedTax(JsonElement item, string at, decimal refunded, string? currency) =>
        ShopifyTaxes.Prorated(TaxLines(item, at).Sum(t => t.Amount), OptionalDecimal(item, "quantity", at) ?? refunded, refunded, currency);

    private static bool? Consent(JsonElement customer, string key) =>
        Object(customer, key, Root) is { } consent && String(consent, "state", key) is { } state
            ? state == "subscribed"
            : null;

    // Notes are typed by people; a card number in one must not travel further even if the edge was bypassed.
    private static string? FreeText(string? text) => text is null ? null : PanMasker.MaskText(text).Text;
}

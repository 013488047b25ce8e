namespace RetailFunctions.Pipeline.Shopify;

/// <summary>The <c>X-Shopify-Topic</c> values the pipeline acts on.</summary>
public static class ShopifyTopics
{
    public const string OrdersCreate = "orders/create";
    public const string OrdersUpdated = "orders/updated";
    public const string OrdersPaid = "orders/paid";
    public const string OrdersCancelled = "orders/cancelled";
    public const string OrdersFulfilled = "orders/fulfilled";
    public const string OrdersEdited = "orders/edited";
    public const string RefundsCreate = "refunds/create";
    public const string FulfillmentsCreate = "fulfillments/create";
    public const string InventoryLevelsUpdate = "inventory_levels/update";
    public const string ProductsCreate = "products/create";
    public const string ProductsUpdate = "products/update";
    public const string CustomersCreate = "customers/create";
    public const string CustomersUpdate = "customers/update";

    public static IReadOnlyList<string> Handled { get; } =
    [
        OrdersCreate, OrdersUpdated, OrdersPaid, OrdersCancelled, OrdersFulfilled, OrdersEdited, RefundsCreate, FulfillmentsCreate,
        InventoryLevelsUpdate, ProductsCreate, ProductsUpdate, CustomersCreate, CustomersUpdate,
    ];
}

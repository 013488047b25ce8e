namespace RetailFunctions.Functions.Core.Hosting;

/// <summary>
/// The first path segments of the API's routes. The Functions app has one HTTP function per area
/// (<c>{area}/{*rest}</c>) handing the request to the local runtime's route table; areas never overlap, so the
/// Functions host's route ordering (by function name, not by specificity) cannot send a request to the wrong one.
/// The webhook and the health probe are anonymous functions of their own.
/// </summary>
public static class HttpAreas
{
    public const string Webhooks = "webhooks/shopify";
    public const string Health = "health";

    public const string Alerts = "alerts/{*rest}";
    public const string Catalog = "catalog/{*rest}";
    public const string Customers = "customers/{*rest}";
    public const string DeadLetters = "deadletters/{*rest}";
    public const string Exceptions = "exceptions/{*rest}";
    public const string Finance = "finance/{*rest}";
    public const string Inventory = "inventory/{*rest}";
    public const string OpenApi = "openapi/{*rest}";
    public const string Orders = "orders/{*rest}";
    public const string Pilot = "pilot/{*rest}";
    public const string Pos = "pos/{*rest}";
    public const string Reconciliation = "reconciliation/{*rest}";
    public const string Replay = "replay/{*rest}";
    public const string Settlements = "settlements/{*rest}";
    public const string Stores = "stores/{*rest}";

    /// <summary>The workflow management routes (Durable orchestration status and store actions).</summary>
    public const string Workflows = "workflows/orders/{orderId}";
    public const string WorkflowShipmentAction = "workflows/orders/{orderId}/shipments/{shipmentId}/{action}";
    public const string WorkflowCancel = "workflows/orders/{orderId}/cancel";

    /// <summary>Every route the API serves, by first segment: anonymous first, then those behind a function key.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Webhooks, Health, Alerts, Catalog, Customers, DeadLetters, Exceptions, Finance, Inventory, OpenApi, Orders, Pilot, Pos, Reconciliation, Replay, Settlements, Stores];

    public static string FirstSegment(string route) => route.Split('/')[0];
}

using System.Reflection;
using System.Text.Json;

namespace RetailFunctions.Pipeline;

// The names below are the ones infra/resource-names.json lists; that file is embedded in this assembly, Bicep loads
// the same file, and a test checks that every constant here is in it and nothing in it is missing here.

public static class QueueNames
{
    public const string ShopifyWebhooks = "shopify-webhooks";
    public const string PosBatches = "pos-batches";
    public const string ChannelAvailability = "channel-availability";
    public const string InventoryCommands = "inventory-commands";
    public const string InventoryAlerts = "inventory-alerts";
    public const string OrderWorkflow = "order-workflow";
    public const string OrderEvents = "order-events";
    public const string ErpPostings = "erp-postings";
}

public static class TableNames
{
    public const string Deliveries = "Deliveries";
    public const string Inventory = "Inventory";
    public const string Catalog = "Catalog";
    public const string PosBatches = "PosBatches";
    public const string Exceptions = "Exceptions";
    public const string DeadLetters = "DeadLetters";
    public const string Alerts = "Alerts";
    public const string Orders = "Orders";
    public const string StoreTasks = "StoreTasks";
    public const string Customers = "Customers";
    public const string Loyalty = "Loyalty";
    public const string Journal = "Journal";
    public const string Settlements = "Settlements";
    public const string Reconciliation = "Reconciliation";
    public const string CapturedPayments = "CapturedPayments";
    public const string Pilot = "Pilot";
    public const string RefundAttempts = "RefundAttempts";
}

public static class ContainerNames
{
    public const string RawArchive = "raw-archive";
    public const string PosUploads = "pos-uploads";
    public const string LargePayloads = "large-payloads";
    public const string SettlementUploads = "settlement-uploads";
    public const string ChannelCatalogs = "channel-catalogs";
    /// <summary>Answers to shoppers' data requests, for the shop owner (personal data: deleted when the shopper is erased).</summary>
    public const string PrivacyExports = "privacy-exports";
}

public sealed record ResourceNameList(IReadOnlyList<string> Queues, IReadOnlyList<string> Tables, IReadOnlyList<string> Containers)
{
    /// <summary>The embedded infra/resource-names.json: what the hosts create and infra deploys.</summary>
    public static ResourceNameList Embedded { get; } = Load();

    private static ResourceNameList Load()
    {
        using var stream = typeof(ResourceNameList).Assembly.GetManifestResourceStream("resource-names.json")
            ?? throw new InvalidOperationException("resource-names.json is not embedded in the pipeline assembly");
        using var doc = JsonDocument.Parse(stream);
        string[] Read(string name) => doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
        return new ResourceNameList(Read("queues"), Read("tables"), Read("containers"));
    }

    /// <summary>The constants the code declares, by kind, for the consistency test.</summary>
    public static IReadOnlyList<string> Declared(Type constants) =>
        constants.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToArray();
}

namespace RetailFunctions.Pipeline.Inventory;

/// <summary>Which system is the truth for a location's stock: the ledger (the default) or the web store.</summary>
public static class StockAuthorities
{
    public const string Ledger = "ledger";
    public const string Shopify = "shopify";
}

/// <summary>
/// How a location's stock is kept and pushed. A push waits until the level has stood still for PushCoalesceWindow,
/// but never longer than PushCoalesceCap after the change that started the burst, so a steady stream still pushes.
/// </summary>
public sealed record InventoryOptions(
    string? DefaultFulfillmentLocation,
    IReadOnlySet<string> OversellChannels,
    IReadOnlyDictionary<string, string>? Authorities = null,
    TimeSpan PushCoalesceWindow = default,
    TimeSpan PushCoalesceCap = default)
{
    /// <summary>The declared source of truth for a location's stock; the ledger unless configured otherwise.</summary>
    public string AuthorityFor(string location) =>
        Authorities is not null && Authorities.TryGetValue(location, out var authority) ? authority : StockAuthorities.Ledger;

    /// <summary>The shelf is the truth at a till: a POS sale of goods in hand is always accepted.</summary>
    public static IReadOnlySet<string> DefaultOversellChannels { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "pos" };

    public bool MayOversell(string channel) => OversellChannels.Contains(channel);
}

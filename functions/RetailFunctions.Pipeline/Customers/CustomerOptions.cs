using RetailFunctions.Domain.Loyalty;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// Settings of the capability: the phone region of numbers written without a country code (per store, else the
/// default), and the loyalty program.
/// </summary>
public sealed record CustomerOptions(string DefaultRegion, IReadOnlyDictionary<string, string> StoreRegions, LoyaltyProgram Program)
{
    public static CustomerOptions Default { get; } = new("GB", new Dictionary<string, string>(), LoyaltyProgram.Default);

    public string RegionOf(string? store) =>
        store is not null && StoreRegions.TryGetValue(store, out var region) ? region : DefaultRegion;
}

using RetailFunctions.Domain.Canonical;

namespace RetailFunctions.Domain.Loyalty;

/// <summary>A tier reached by spending at least MinimumSpend (in the program's currency) within the rolling window.</summary>
public sealed record TierRule(string Name, decimal MinimumSpend);

/// <summary>
/// The program's configuration. Accrual earns <c>floor(net × rate)</c> points, where net is the paid amount excluding
/// tax and gift cards and the rate is looked up by channel and tier: <c>{channel}/{tier}</c>, then <c>{channel}/*</c>,
/// then <c>*/{tier}</c>, then <c>*/*</c>. Points expire a number of days after they were earned; tiers follow the spend
/// of a rolling window; a point is worth PointValue when redeemed as a tender.
/// </summary>
public sealed record LoyaltyProgram(
    string Currency,
    IReadOnlyList<TierRule> Tiers,
    IReadOnlyDictionary<string, decimal> Rates,
    int ExpiryDays,
    int SpendWindowDays,
    decimal PointValue,
    long StoreManagerAdjustmentLimit)
{
    public const string Any = "*";

    public static LoyaltyProgram Default { get; } = new(
        "EUR",
        [new("member", 0m), new("silver", 500m), new("gold", 2000m)],
        new Dictionary<string, decimal>
        {
            [$"{Any}/{Any}"] = 1m,
            [$"{Any}/silver"] = 1.25m,
            [$"{Any}/gold"] = 1.5m,
        },
        ExpiryDays: 365,
        SpendWindowDays: 365,
        PointValue: 0.01m,
        StoreManagerAdjustmentLimit: 1000);

    public static string RateKey(string channel, string tier) => $"{channel}/{tier}";

    public decimal RateFor(string channel, string tier) =>
        Rates.TryGetValue(RateKey(channel, tier), out var exact) ? exact
        : Rates.TryGetValue(RateKey(channel, Any), out var byChannel) ? byChannel
        : Rates.TryGetValue(RateKey(Any, tier), out var byTier) ? byTier
        : Rates.TryGetValue(RateKey(Any, Any), out var fallback) ? fallback
        : 0m;

    /// <summary>The highest tier whose threshold the spend reaches (the first tier when none does).</summary>
    public string TierFor(decimal rollingSpend) =>
        Tiers.Where(t => t.MinimumSpend <= rollingSpend).OrderBy(t => t.MinimumSpend).LastOrDefault()?.Name ?? Tiers[0].Name;

    public Money ValueOf(long points) => new(points * PointValue, Currency);

    /// <summary>Why this configuration cannot run, or null.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(Currency) ? "Loyalty:Currency is required"
        : Tiers.Count == 0 ? "at least one tier is required"
        : Tiers.Any(t => t.MinimumSpend < 0m) ? "a tier threshold cannot be negative"
        : Rates.Values.Any(r => r < 0m) ? "an accrual rate cannot be negative"
        : ExpiryDays <= 0 ? "Loyalty:ExpiryDays must be positive"
        : SpendWindowDays <= 0 ? "Loyalty:SpendWindowDays must be positive"
        : PointValue <= 0m ? "Loyalty:PointValue must be positive"
        : null;
}

/// <summary>Roles that may change a ledger by hand, and how far.</summary>
public static class LoyaltyRoles
{
    public const string StoreAssociate = "store-associate";
    public const string StoreManager = "store-manager";
    public const string Crm = "crm";
    public const string Checkout = "checkout";

    public static IReadOnlyList<string> MayAdjust { get; } = [StoreManager, Crm];
    public static IReadOnlyList<string> MayRedeem { get; } = [StoreAssociate, StoreManager, Crm, Checkout];
}

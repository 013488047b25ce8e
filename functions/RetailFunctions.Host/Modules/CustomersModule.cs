using System.Globalization;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Host.Api;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Privacy;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Modules;

/// <summary>The customers capability in the local runtime: its services, queue and timer triggers, and API routes.</summary>
public static class CustomersModule
{
    /// <summary>The timer that sweeps expired points (host.json retailFunctions.timers.loyaltyExpiry overrides the schedule).</summary>
    public const string ExpiryTimer = "loyaltyExpiry";

    public static IServiceCollection AddCustomers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ReadOptions(configuration));
        services.AddSingleton<ICustomerStore, TableCustomerStore>();
        services.AddSingleton<ILoyaltyStore, TableLoyaltyStore>();
        services.AddSingleton<LoyaltyService>();
        services.AddSingleton<CustomerService>();
        services.AddSingleton<IPersonalDataCopies, StoragePersonalDataCopies>();
        services.AddSingleton<PrivacyService>();
        services.AddSingleton<IOrderEventSubscriber, CustomerOrderSubscriber>();
        services.AddSingleton(new TimerJob(ExpiryTimer, "0 15 3 * * *", (sp, ct) => sp.GetRequiredService<LoyaltyService>().ExpireDueAsync(ct)));
        return services;
    }

    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder api) => api.MapCustomerRoutes();

    /// <summary>
    /// Customers:DefaultRegion and Customers:StoreRegions:{store} (ISO regions for phones written without a country
    /// code); Loyalty:Currency, Loyalty:ExpiryDays, Loyalty:SpendWindowDays, Loyalty:PointValue,
    /// Loyalty:StoreManagerAdjustmentLimit, Loyalty:Tiers:{name} (minimum rolling spend) and Loyalty:Rates:{channel}:{tier}
    /// (points per unit of net spend; "any" stands for every channel or tier).
    /// </summary>
    public static CustomerOptions ReadOptions(IConfiguration configuration)
    {
        var defaults = LoyaltyProgram.Default;
        var loyalty = configuration.GetSection("Loyalty");
        var tiers = loyalty.GetSection("Tiers").GetChildren()
            .Select(t => new TierRule(t.Key, decimal.Parse(t.Value!, CultureInfo.InvariantCulture))).OrderBy(t => t.MinimumSpend).ToList();
        var rates = new Dictionary<string, decimal>(defaults.Rates);
        var configuredRates = loyalty.GetSection("Rates").GetChildren()
            .SelectMany(channel => channel.GetChildren().Select(tier => (Channel: Any(channel.Key), Tier: Any(tier.Key), Rate: decimal.Parse(tier.Value!, CultureInfo.InvariantCulture))))
            .ToList();
        if (configuredRates.Count > 0) rates = configuredRates.ToDictionary(r => LoyaltyProgram.RateKey(r.Channel, r.Tier), r => r.Rate);
        var program = new LoyaltyProgram(
            loyalty["Currency"] ?? defaults.Currency,
            tiers.Count > 0 ? tiers : defaults.Tiers,
            rates,
            Int(loyalty["ExpiryDays"]) ?? defaults.ExpiryDays,
            Int(loyalty["SpendWindowDays"]) ?? defaults.SpendWindowDays,
            loyalty["PointValue"] is { } value ? decimal.Parse(value, CultureInfo.InvariantCulture) : defaults.PointValue,
            Int(loyalty["StoreManagerAdjustmentLimit"]) ?? defaults.StoreManagerAdjustmentLimit);
        if (program.Problem() is { } problem) throw new InvalidOperationException($"Loyalty settings: {problem}");

        var customers = configuration.GetSection("Customers");
        var defaultRegion = customers["DefaultRegion"] ?? CustomerOptions.Default.DefaultRegion;
        var storeRegions = customers.GetSection("StoreRegions").GetChildren().ToDictionary(s => s.Key, s => s.Value!, StringComparer.Ordinal);
        foreach (var region in storeRegions.Values.Append(defaultRegion))
            if (!PhoneNumbers.Regions.ContainsKey(region))
                throw new InvalidOperationException($"Customers: phone region '{region}' is not supported; one of {string.Join(", ", PhoneNumbers.Regions.Keys)}");
        return new CustomerOptions(defaultRegion, storeRegions, program);

        static string Any(string key) => key.Equals("any", StringComparison.OrdinalIgnoreCase) ? LoyaltyProgram.Any : key;
        static int? Int(string? text) => text is null ? null : int.Parse(text, CultureInfo.InvariantCulture);
    }
}

namespace RetailFunctions.Domain.Finance;

/// <summary>
/// What a journal line is for, independent of the ERP's account numbers. The chart of accounts maps each role (and,
/// where it matters, a qualifier: the channel for revenue, the tender method for clearing and fees) to an account.
/// </summary>
public static class AccountRoles
{
    public const string Revenue = "Revenue";
    public const string Discounts = "Discounts";
    public const string SalesReturns = "SalesReturns";
    public const string Refunds = "Refunds";
    public const string TaxPayable = "TaxPayable";
    public const string TenderClearing = "TenderClearing";
    public const string ProcessorFees = "ProcessorFees";
    public const string Chargebacks = "Chargebacks";
    public const string ChargebackFees = "ChargebackFees";
    public const string CashOverShort = "CashOverShort";
    public const string StoreCreditLiability = "StoreCreditLiability";
    public const string GiftCardLiability = "GiftCardLiability";
    public const string Bank = "Bank";
    public const string Rounding = "Rounding";

    public static IReadOnlyList<string> All { get; } =
    [
        Revenue, Discounts, SalesReturns, Refunds, TaxPayable, TenderClearing, ProcessorFees, Chargebacks, ChargebackFees,
        CashOverShort, StoreCreditLiability, GiftCardLiability, Bank, Rounding,
    ];
}

/// <summary>
/// The mapping from account roles to the ERP's account codes. Keys are a role ("Revenue") or a role and a qualifier
/// ("Revenue:web", "TenderClearing:visa"); the qualified key wins, the role's key is the fallback. Every role has a
/// default, so a fact never lacks an account; configuration overrides any key.
/// </summary>
public sealed class ChartOfAccounts
{
    private readonly Dictionary<string, string> _codes;

    private ChartOfAccounts(Dictionary<string, string> codes) => _codes = codes;

    /// <summary>The documented default chart (docs/finance.md).</summary>
    public static ChartOfAccounts Default { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [AccountRoles.Bank] = "1000",
        [AccountRoles.TenderClearing] = "1190",
        [$"{AccountRoles.TenderClearing}:cash"] = "1110",
        [$"{AccountRoles.TenderClearing}:visa"] = "1120",
        [$"{AccountRoles.TenderClearing}:mastercard"] = "1121",
        [$"{AccountRoles.TenderClearing}:amex"] = "1122",
        [$"{AccountRoles.TenderClearing}:debit"] = "1123",
        [$"{AccountRoles.TenderClearing}:paypal"] = "1130",
        [$"{AccountRoles.TenderClearing}:shopify-payments"] = "1140",
        [AccountRoles.TaxPayable] = "2200",
        [AccountRoles.GiftCardLiability] = "2300",
        [AccountRoles.StoreCreditLiability] = "2310",
        [AccountRoles.Revenue] = "4000",
        [$"{AccountRoles.Revenue}:pos"] = "4010",
        [$"{AccountRoles.Revenue}:web"] = "4020",
        [$"{AccountRoles.Revenue}:app"] = "4030",
        [$"{AccountRoles.Revenue}:marketplace"] = "4040",
        [$"{AccountRoles.Revenue}:curbside"] = "4050",
        [AccountRoles.Discounts] = "4100",
        [AccountRoles.SalesReturns] = "4200",
        [AccountRoles.Refunds] = "4210",
        [AccountRoles.ProcessorFees] = "6100",
        [AccountRoles.ChargebackFees] = "6110",
        [AccountRoles.Chargebacks] = "6120",
        [AccountRoles.CashOverShort] = "6200",
        [AccountRoles.Rounding] = "6900",
    });

    /// <summary>This chart with some keys replaced or added; unknown roles are refused so a typo is not silently ignored.</summary>
    public ChartOfAccounts With(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var codes = new Dictionary<string, string>(_codes, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, code) in overrides)
        {
            var role = key.Split(':', 2)[0];
            if (!AccountRoles.All.Contains(role, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"'{key}' names no account role; roles are {string.Join(", ", AccountRoles.All)}", nameof(overrides));
            if (string.IsNullOrWhiteSpace(code))
                throw new ArgumentException($"'{key}' maps to an empty account code", nameof(overrides));
            codes[key] = code.Trim();
        }
        return new ChartOfAccounts(codes);
    }

    /// <summary>The account for a role, qualified by channel or tender method when the chart distinguishes it.</summary>
    public string Resolve(string role, string? qualifier = null) =>
        qualifier is not null && _codes.TryGetValue($"{role}:{qualifier}", out var specific) ? specific
        : _codes.TryGetValue(role, out var general) ? general
        : throw new ArgumentOutOfRangeException(nameof(role), role, "unknown account role");

    /// <summary>Every key and its account, for the documentation endpoint and tests.</summary>
    public IReadOnlyDictionary<string, string> Mappings => _codes;
}

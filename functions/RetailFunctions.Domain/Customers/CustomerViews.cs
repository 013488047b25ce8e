using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Loyalty;

namespace RetailFunctions.Domain.Customers;

public enum ActivityKind
{
    Purchase,
    Return,
}

/// <summary>A purchase or a return in a customer's history, from any channel. Amounts are net of tax and gift cards.</summary>
public sealed record HistoryEntry(
    string Key,
    ActivityKind Kind,
    string OrderId,
    string? OriginalOrderId,
    string Channel,
    string? Store,
    Money Net,
    DateTimeOffset At,
    string RecordedOn);

/// <summary>Everything known of one shopper: the surviving profile, the profiles it absorbed, their history and points.</summary>
public sealed record CustomerRecord(CustomerProfile Profile, IReadOnlyList<CustomerProfile> Absorbed, IReadOnlyList<HistoryEntry> History, LoyaltySummary Loyalty)
{
    /// <summary>The survivor with what the absorbed profiles contribute: their contact points, consent and notes.</summary>
    public CustomerProfile Combined => Absorbed.Aggregate(Profile, (survivor, absorbed) => survivor with
    {
        FirstName = survivor.FirstName ?? absorbed.FirstName,
        LastName = survivor.LastName ?? absorbed.LastName,
        Contacts = [.. survivor.Contacts, .. absorbed.Contacts.Where(c => !survivor.Contacts.Contains(c))],
        Consent = ConsentRules.Combine(survivor.Consent, absorbed.Consent),
        PreferredStore = survivor.PreferredStore ?? absorbed.PreferredStore,
        Notes = [.. survivor.Notes.Concat(absorbed.Notes).OrderBy(n => n.At)],
    });

    /// <summary>Purchases less returns, per currency.</summary>
    public IReadOnlyList<Money> LifetimeValue => History
        .GroupBy(h => h.Net.Currency, StringComparer.Ordinal)
        .Select(g => new Money(g.Sum(h => h.Kind == ActivityKind.Purchase ? h.Net.Amount : -h.Net.Amount), g.Key))
        .OrderBy(m => m.Currency, StringComparer.Ordinal)
        .ToList();

    /// <summary>The store the shopper chose, else the store of most purchases (the latest breaks a tie).</summary>
    public string? PreferredStore => Combined.PreferredStore ?? History
        .Where(h => h.Kind == ActivityKind.Purchase && h.Store is not null)
        .GroupBy(h => h.Store!, StringComparer.Ordinal)
        .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(h => h.At))
        .Select(g => g.Key).FirstOrDefault();

    /// <summary>Marketing segments derived from tier and history.</summary>
    public IReadOnlyList<string> Segments(DateTimeOffset now)
    {
        var purchases = History.Where(h => h.Kind == ActivityKind.Purchase).ToList();
        var segments = new List<string> { $"tier:{Loyalty.Tier}" };
        if (purchases.Select(p => p.Channel).Distinct(StringComparer.Ordinal).Count() > 1) segments.Add("omnichannel");
        if (purchases.Count > 1) segments.Add("repeat-buyer");
        if (purchases.Count > 0 && purchases.Max(p => p.At) < now.AddDays(-365)) segments.Add("lapsed");
        if (purchases.Count > 0 && purchases.Min(p => p.At) >= now.AddDays(-30)) segments.Add("new");
        return segments;
    }
}

/// <summary>The roles that may read profiles. Locally they come from the role header; in Azure from Entra ID app roles.</summary>
public static class CustomerRoles
{
    public const string StoreAssociate = "store-associate";
    public const string StoreManager = "store-manager";
    public const string Marketing = "marketing";
    public const string Finance = "finance";
    public const string Crm = "crm";

    public static IReadOnlyList<string> Readers { get; } = [StoreAssociate, StoreManager, Marketing, Finance, Crm];
    public static IReadOnlyList<string> MayEditContacts { get; } = [StoreAssociate, StoreManager, Crm];
    public static IReadOnlyList<string> MayWriteNotes { get; } = [StoreAssociate, StoreManager, Crm];
    public static IReadOnlyList<string> MayRecordConsent { get; } = [StoreAssociate, StoreManager, Crm];
    public static IReadOnlyList<string> MayMerge { get; } = [Crm];
    public static IReadOnlyList<string> MayAnonymize { get; } = [Crm];

    /// <summary>Refuses a role not in the list, naming the roles that may.</summary>
    public static void Require(string? role, IReadOnlyList<string> allowed, string action)
    {
        if (string.IsNullOrEmpty(role) || !allowed.Contains(role))
            throw Refused.Forbidden("role", $"role '{role}' may not {action}; allowed: {string.Join(", ", allowed)}");
    }
}

public sealed record ConsentView(string Purpose, bool Granted, string Source, DateTimeOffset At);

public sealed record NoteView(DateTimeOffset At, string By, string Text);

public sealed record HistoryView(string Kind, string OrderId, string? OriginalOrderId, string Channel, string? Store, decimal Net, string Currency, DateTimeOffset At);

public sealed record LoyaltyView(long Balance, long Spendable, string Tier, decimal Value, string Currency, IReadOnlyList<LoyaltyEntry> Entries);

/// <summary>A store associate serves the shopper: history, loyalty, consent and notes; contact points only masked.</summary>
public sealed record StoreAssociateView(
    string CustomerId, string? FirstName, string? LastName, IReadOnlyList<string> MaskedContacts, string? PreferredStore,
    IReadOnlyList<ConsentView> Consent, LoyaltyView Loyalty, IReadOnlyList<HistoryView> History, IReadOnlyList<NoteView> Notes);

/// <summary>Marketing plans campaigns: segments, consent, tier and store; no names, contacts, notes or transactions.</summary>
public sealed record MarketingView(string CustomerId, IReadOnlyList<string> Segments, IReadOnlyList<ConsentView> Consent, string Tier, string? PreferredStore);

/// <summary>Finance reconciles money and points liability: transactions and the ledger; no names, contacts or notes.</summary>
public sealed record FinanceView(
    string CustomerId, IReadOnlyList<HistoryView> Transactions, IReadOnlyList<Money> LifetimeValue, long PointsBalance, decimal PointsValue,
    string Currency, IReadOnlyList<LoyaltyEntry> Ledger);

/// <summary>The CRM team owns the profile: everything, including contact points, merges and notes.</summary>
public sealed record CrmView(
    string CustomerId, string? FirstName, string? LastName, IReadOnlyList<ContactPoint> Contacts, IReadOnlyList<ConsentView> Consent,
    string? PreferredStore, IReadOnlyList<string> Segments, IReadOnlyList<HistoryView> History, IReadOnlyList<Money> LifetimeValue,
    LoyaltyView Loyalty, IReadOnlyList<NoteView> Notes, IReadOnlyList<MergeRecord> Merges, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public static class CustomerViews
{
    /// <summary>The view a role may see, or a refusal for a role that may see none.</summary>
    public static object For(string? role, CustomerRecord record, DateTimeOffset now)
    {
        CustomerRoles.Require(role, CustomerRoles.Readers, "read customer profiles");
        var p = record.Combined;
        var consent = p.Consent.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new ConsentView(kv.Key, kv.Value.Granted, kv.Value.Source, kv.Value.At)).ToList();
        var history = record.History.OrderByDescending(h => h.At)
            .Select(h => new HistoryView(h.Kind.ToString().ToLowerInvariant(), h.OrderId, h.OriginalOrderId, h.Channel, h.Store, h.Net.Amount, h.Net.Currency, h.At)).ToList();
        var l = record.Loyalty;
        var loyalty = new LoyaltyView(l.Balance, l.Spendable, l.Tier, l.Value, l.Currency, l.Entries);
        var notes = p.Notes.Select(n => new NoteView(n.At, n.By, n.Text)).ToList();
        return role switch
        {
            CustomerRoles.StoreAssociate or CustomerRoles.StoreManager => new StoreAssociateView(
                p.CustomerId, p.FirstName, p.LastName, p.Contacts.Where(c => c.Kind is ContactKind.Email or ContactKind.Phone).Select(Mask).ToList(),
                record.PreferredStore, consent, loyalty, history, notes),
            CustomerRoles.Marketing => new MarketingView(p.CustomerId, record.Segments(now), consent, l.Tier, record.PreferredStore),
            CustomerRoles.Finance => new FinanceView(p.CustomerId, history, record.LifetimeValue, l.Balance, l.Value, l.Currency, l.Entries),
            _ => new CrmView(p.CustomerId, p.FirstName, p.LastName, p.Contacts, consent, record.PreferredStore, record.Segments(now), history,
                record.LifetimeValue, loyalty, notes, p.Merges, p.CreatedAt, p.UpdatedAt),
        };
    }

    /// <summary>Enough to confirm a contact point with the shopper, not enough to contact them.</summary>
    public static string Mask(ContactPoint contact) => contact.Kind switch
    {
        ContactKind.Phone => PhoneNumbers.Mask(contact.Value),
        ContactKind.Email when contact.Value.IndexOf('@') > 0 => $"{contact.Value[0]}***{contact.Value[contact.Value.IndexOf('@')..]}",
        _ => "***",
    };
}

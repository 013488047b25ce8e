namespace RetailFunctions.Domain.Customers;

/// <summary>What a shopper may be contacted or enrolled for. Each purpose has its own choice.</summary>
public static class ConsentPurposes
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string Loyalty = "loyalty";
    public const string EReceipt = "e-receipt";

    public static IReadOnlyList<string> All { get; } = [Email, Sms, Loyalty, EReceipt];
}

/// <summary>An explicit choice: granted or withdrawn, where it was made (a channel, a till, a person) and when.</summary>
public sealed record ConsentChoice(bool Granted, string Source, DateTimeOffset At);

public static class ConsentRules
{
    /// <summary>
    /// The newest explicit choice wins. An older choice never replaces a newer one, so a withdrawal is never undone by
    /// an opt-in that was made before it; two choices at the same instant resolve to the withdrawal.
    /// </summary>
    public static bool Supersedes(ConsentChoice incoming, ConsentChoice? current) =>
        current is null
        || incoming.At > current.At
        || (incoming.At == current.At && !incoming.Granted && current.Granted);

    /// <summary>Combines two sets of choices (a merge): per purpose, the choice that supersedes.</summary>
    public static IReadOnlyDictionary<string, ConsentChoice> Combine(IReadOnlyDictionary<string, ConsentChoice> first, IReadOnlyDictionary<string, ConsentChoice> second)
    {
        var combined = new Dictionary<string, ConsentChoice>(first, StringComparer.Ordinal);
        foreach (var (purpose, choice) in second)
            if (ConsentRules.Supersedes(choice, combined.GetValueOrDefault(purpose))) combined[purpose] = choice;
        return combined;
    }
}

public sealed record ServiceNote(string NoteId, DateTimeOffset At, string By, string Text);

/// <summary>
/// A merge as recorded on the surviving profile: which profile it absorbed, by which rule, why and by whom. The
/// absorbed profile keeps its own rows and points at the survivor, so a merge can be reversed and a lookup by any
/// of the absorbed profile's ids still finds the survivor.
/// </summary>
public sealed record MergeRecord(string MergeId, string AbsorbedId, string Rule, string Reason, string By, DateTimeOffset At, DateTimeOffset? ReversedAt = null)
{
    public bool Active => ReversedAt is null;
}

/// <summary>One shopper's own record: names, contact points, consent, preferred store, service notes and merges.</summary>
public sealed record CustomerProfile(
    string CustomerId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? FirstName,
    string? LastName,
    IReadOnlyList<ContactPoint> Contacts,
    IReadOnlyDictionary<string, ConsentChoice> Consent,
    string? PreferredStore,
    IReadOnlyList<ServiceNote> Notes,
    IReadOnlyList<MergeRecord> Merges)
{
    public static CustomerProfile New(string customerId, DateTimeOffset at) =>
        new(customerId, at, at, null, null, [], new Dictionary<string, ConsentChoice>(), null, [], []);

    public IEnumerable<ContactPoint> ContactsOf(ContactKind kind) => Contacts.Where(c => c.Kind == kind);

    public IEnumerable<string> AbsorbedIds => Merges.Where(m => m.Active).Select(m => m.AbsorbedId);
}

/// <summary>A profile's life: never seen, active, merged into another, or anonymized on request. Exactly one of these.</summary>
public abstract record CustomerState
{
    public sealed record Unknown : CustomerState;

    public sealed record Active(CustomerProfile Profile) : CustomerState;

    /// <summary>Absorbed by another profile; kept whole so the merge can be reversed.</summary>
    public sealed record Merged(CustomerProfile Profile, string Into, string MergeId) : CustomerState;

    /// <summary>Personal data removed; the id, the merges and the financial records it anchors remain.</summary>
    public sealed record Anonymized(string CustomerId, DateTimeOffset At, string Reason, IReadOnlyList<MergeRecord> Merges) : CustomerState;

    public static CustomerState None { get; } = new Unknown();
}

namespace RetailFunctions.Domain.Customers;

/// <summary>A profile that one of the incoming identifiers is indexed to (after following merges).</summary>
public sealed record MatchCandidate(ContactPoint MatchedBy, CustomerProfile Profile);

/// <summary>What to do with a shopper's identifiers: the outcome of the ordered matching rules.</summary>
public abstract record Resolution
{
    /// <summary>No usable identifier: the activity belongs to no profile.</summary>
    public sealed record Unidentified : Resolution;

    /// <summary>Nothing matched: a new profile with these contact points.</summary>
    public sealed record New(IReadOnlyList<ContactPoint> Contacts) : Resolution;

    /// <summary>One profile matched by the named rule; the identifiers it lacked are linked to it.</summary>
    public sealed record Matched(string CustomerId, string Rule, IReadOnlyList<ContactPoint> ToLink) : Resolution;

    /// <summary>
    /// Two profiles matched by different identifiers that do not contradict each other (neither holds a different
    /// value of the kind the other was matched by): the event bridges them, and the survivor absorbs the other.
    /// </summary>
    public sealed record Merge(string SurvivorId, string AbsorbedId, string Rule, IReadOnlyList<ContactPoint> ToLink) : Resolution;

    /// <summary>
    /// Identifiers that point at profiles which contradict each other: nothing is merged or linked; the activity goes to
    /// the profile of the strongest rule and a person at the CRM decides.
    /// </summary>
    public sealed record Ambiguous(string CustomerId, string Rule, IReadOnlyList<string> Candidates, string Reason) : Resolution;
}

/// <summary>
/// The matching rules, in order of trust: loyalty id (exact), channel customer id (exact), email (normalized), phone
/// (E.164). The first rule that finds a profile names it. Identifiers pointing at a second profile merge it only when
/// the two cannot be different people by what they hold; otherwise the match is ambiguous and goes to the CRM.
/// </summary>
public static class IdentityResolver
{
    public const string ManualRule = "manual";

    public static string RuleOf(ContactKind kind) => kind switch
    {
        ContactKind.LoyaltyId => "loyalty-id",
        ContactKind.ChannelId => "channel-id",
        ContactKind.Email => "email",
        ContactKind.Phone => "phone",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown contact kind"),
    };

    public static Resolution Resolve(IReadOnlyList<ContactPoint> incoming, IReadOnlyList<MatchCandidate> candidates)
    {
        if (incoming.Count == 0) return new Resolution.Unidentified();
        if (candidates.Count == 0) return new Resolution.New(incoming.Distinct().ToList());

        // Per profile, the strongest identifier that found it; profiles ordered by that, then by age.
        var profiles = candidates
            .GroupBy(c => c.Profile.CustomerId, StringComparer.Ordinal)
            .Select(g => (Profile: g.First().Profile, Best: g.Min(c => c.MatchedBy.Kind)))
            .OrderBy(p => p.Best).ThenBy(p => p.Profile.CreatedAt).ThenBy(p => p.Profile.CustomerId, StringComparer.Ordinal)
            .ToList();
        var first = profiles[0];
        var rule = RuleOf(first.Best);
        var matched = candidates.Select(c => c.MatchedBy).ToHashSet();
        var unmatched = incoming.Distinct().Where(p => !matched.Contains(p)).ToList();

        if (profiles.Count == 1) return new Resolution.Matched(first.Profile.CustomerId, rule, unmatched);
        var ids = profiles.Select(p => p.Profile.CustomerId).ToList();
        if (profiles.Count > 2)
            return new Resolution.Ambiguous(first.Profile.CustomerId, rule, ids, $"identifiers match {profiles.Count} different profiles");

        var second = profiles[1];
        if (Contradiction(first.Profile, second.Profile) is { } kind)
            return new Resolution.Ambiguous(first.Profile.CustomerId, rule, ids,
                $"matched by {rule} and by {RuleOf(second.Best)}, but the two profiles hold different {RuleOf(kind)} values");
        return new Resolution.Merge(first.Profile.CustomerId, second.Profile.CustomerId, $"bridge:{rule}+{RuleOf(second.Best)}", unmatched);
    }

    /// <summary>
    /// The kind of identifier both profiles hold with no value in common: a sign of two people, not one. Channel ids
    /// compare per channel (one web-store account each).
    /// </summary>
    public static ContactKind? Contradiction(CustomerProfile a, CustomerProfile b)
    {
        foreach (var kind in new[] { ContactKind.LoyaltyId, ContactKind.Email, ContactKind.Phone })
        {
            var ours = a.ContactsOf(kind).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
            var theirs = b.ContactsOf(kind).Select(c => c.Value).ToList();
            if (ours.Count > 0 && theirs.Count > 0 && !theirs.Any(ours.Contains)) return kind;
        }
        static string ChannelOf(ContactPoint c) => c.Value[..Math.Max(0, c.Value.IndexOf(':'))];
        var channels = a.ContactsOf(ContactKind.ChannelId).ToLookup(ChannelOf);
        foreach (var theirs in b.ContactsOf(ContactKind.ChannelId))
            if (channels[ChannelOf(theirs)].Any() && !channels[ChannelOf(theirs)].Contains(theirs)) return ContactKind.ChannelId;
        return null;
    }
}

namespace RetailFunctions.Domain.Customers;

/// <summary>What may be asked of one profile. Every command carries its time.</summary>
public abstract record CustomerCommand(string CustomerId, DateTimeOffset At)
{
    /// <summary>Create the profile, or bring it up to date with what a channel knows of the shopper.</summary>
    public sealed record Register(
        string CustomerId, IReadOnlyList<ContactPoint> Contacts, string? FirstName, string? LastName,
        IReadOnlyDictionary<string, ConsentChoice> Consent, string? PreferredStore, DateTimeOffset At)
        : CustomerCommand(CustomerId, At);

    public sealed record LinkContacts(string CustomerId, IReadOnlyList<ContactPoint> Contacts, DateTimeOffset At) : CustomerCommand(CustomerId, At);

    public sealed record RecordConsent(string CustomerId, string Purpose, ConsentChoice Choice) : CustomerCommand(CustomerId, Choice.At);

    public sealed record SetPreferredStore(string CustomerId, string Store, DateTimeOffset At) : CustomerCommand(CustomerId, At);

    public sealed record AddNote(string CustomerId, ServiceNote Note) : CustomerCommand(CustomerId, Note.At);

    /// <summary>The survivor's half of a merge.</summary>
    public sealed record Absorb(string CustomerId, MergeRecord Merge) : CustomerCommand(CustomerId, Merge.At);

    /// <summary>The absorbed profile's half of a merge.</summary>
    public sealed record MarkMerged(string CustomerId, string Into, string MergeId, DateTimeOffset At) : CustomerCommand(CustomerId, At);

    /// <summary>The survivor's half of reversing a merge.</summary>
    public sealed record ReverseMerge(string CustomerId, string MergeId, string By, DateTimeOffset At) : CustomerCommand(CustomerId, At);

    /// <summary>The absorbed profile's half of reversing a merge.</summary>
    public sealed record Restore(string CustomerId, string MergeId, DateTimeOffset At) : CustomerCommand(CustomerId, At);

    public sealed record Anonymize(string CustomerId, string Reason, DateTimeOffset At) : CustomerCommand(CustomerId, At);
}

/// <summary>What happened to a profile.</summary>
public abstract record CustomerEvent(DateTimeOffset At)
{
    public sealed record Registered(string CustomerId, DateTimeOffset At) : CustomerEvent(At);
    public sealed record ContactsLinked(IReadOnlyList<ContactPoint> Contacts, DateTimeOffset At) : CustomerEvent(At);
    public sealed record NameChanged(string? FirstName, string? LastName, DateTimeOffset At) : CustomerEvent(At);
    public sealed record ConsentRecorded(string Purpose, ConsentChoice Choice) : CustomerEvent(Choice.At);
    public sealed record PreferredStoreSet(string Store, DateTimeOffset At) : CustomerEvent(At);
    public sealed record NoteAdded(ServiceNote Note) : CustomerEvent(Note.At);
    public sealed record Absorbed(MergeRecord Merge) : CustomerEvent(Merge.At);
    public sealed record MergedInto(string Into, string MergeId, DateTimeOffset At) : CustomerEvent(At);
    public sealed record MergeReversed(string MergeId, string By, DateTimeOffset At) : CustomerEvent(At);
    public sealed record Restored(string MergeId, DateTimeOffset At) : CustomerEvent(At);
    /// <summary>Names, contact points, notes and consent are gone; the contact points listed are to be unindexed.</summary>
    public sealed record Anonymized(string Reason, IReadOnlyList<ContactPoint> Removed, DateTimeOffset At) : CustomerEvent(At);
}

/// <summary>
/// The profile's rules as pure functions: <see cref="Decide"/> turns a command into events (none when there is nothing
/// to do, a <see cref="Refused"/> when it may not be done); <see cref="Evolve"/> applies an event.
/// </summary>
public static class CustomerDecider
{
    public const int MaxNoteLength = 2000;

    public static IReadOnlyList<CustomerEvent> Decide(CustomerCommand command, CustomerState state) => (command, state) switch
    {
        (CustomerCommand.Register c, CustomerState.Unknown) => [new CustomerEvent.Registered(c.CustomerId, c.At), .. Update(c, CustomerProfile.New(c.CustomerId, c.At))],
        (CustomerCommand.Register c, CustomerState.Active a) => Update(c, a.Profile),
        (CustomerCommand.Anonymize, CustomerState.Anonymized) => [],
        (CustomerCommand.Anonymize c, CustomerState.Active a) => [new CustomerEvent.Anonymized(c.Reason, a.Profile.Contacts, c.At)],
        (CustomerCommand.Anonymize c, CustomerState.Merged m) => [new CustomerEvent.Anonymized(c.Reason, m.Profile.Contacts, c.At)],
        (CustomerCommand.MarkMerged c, CustomerState.Merged m) when m.MergeId == c.MergeId => [],
        (CustomerCommand.MarkMerged c, CustomerState.Active a) => MarkMerged(c, a.Profile),
        (CustomerCommand.Restore c, CustomerState.Merged m) when m.MergeId == c.MergeId => [new CustomerEvent.Restored(c.MergeId, c.At)],
        (CustomerCommand.Restore, CustomerState.Active) => [],
        (CustomerCommand.ReverseMerge c, CustomerState.Anonymized a) => ReverseMerge(c, a.Merges),
        (_, CustomerState.Unknown) => throw Refused.NotFound("customerId", $"customer {command.CustomerId} does not exist"),
        (_, CustomerState.Merged m) => throw Refused.Conflict("customerId", $"customer {command.CustomerId} was merged into {m.Into}; act on that profile"),
        (_, CustomerState.Anonymized) => throw Refused.Conflict("customerId", $"customer {command.CustomerId} was anonymized"),
        (_, CustomerState.Active a) => DecideActive(command, a.Profile),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown customer command"),
    };

    private static IReadOnlyList<CustomerEvent> DecideActive(CustomerCommand command, CustomerProfile profile) => command switch
    {
        CustomerCommand.LinkContacts c => NewContacts(c.Contacts, profile) is { Count: > 0 } added ? [new CustomerEvent.ContactsLinked(added, c.At)] : [],
        CustomerCommand.RecordConsent c => Consent(c.Purpose, c.Choice, profile),
        CustomerCommand.SetPreferredStore c => string.IsNullOrWhiteSpace(c.Store)
            ? throw Refused.Invalid("store", "a preferred store needs a store id")
            : c.Store == profile.PreferredStore ? [] : [new CustomerEvent.PreferredStoreSet(c.Store, c.At)],
        CustomerCommand.AddNote c => Note(c.Note, profile),
        CustomerCommand.Absorb c => Absorb(c, profile),
        CustomerCommand.ReverseMerge c => ReverseMerge(c, profile.Merges),
        CustomerCommand.Restore c => throw Refused.Conflict("mergeId", $"customer {c.CustomerId} is not absorbed by merge {c.MergeId}"),
        CustomerCommand.MarkMerged c => MarkMerged(c, profile),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown customer command"),
    };

    private static List<CustomerEvent> Update(CustomerCommand.Register c, CustomerProfile profile)
    {
        var events = new List<CustomerEvent>();
        if (NewContacts(c.Contacts, profile) is { Count: > 0 } added) events.Add(new CustomerEvent.ContactsLinked(added, c.At));
        var first = string.IsNullOrWhiteSpace(c.FirstName) ? profile.FirstName : c.FirstName.Trim();
        var last = string.IsNullOrWhiteSpace(c.LastName) ? profile.LastName : c.LastName.Trim();
        if (first != profile.FirstName || last != profile.LastName) events.Add(new CustomerEvent.NameChanged(first, last, c.At));
        foreach (var (purpose, choice) in c.Consent.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            events.AddRange(Consent(purpose, choice, profile));
        if (!string.IsNullOrWhiteSpace(c.PreferredStore) && c.PreferredStore != profile.PreferredStore && profile.PreferredStore is null)
            events.Add(new CustomerEvent.PreferredStoreSet(c.PreferredStore, c.At));
        return events;
    }

    private static List<ContactPoint> NewContacts(IEnumerable<ContactPoint> contacts, CustomerProfile profile) =>
        contacts.Distinct().Where(c => !profile.Contacts.Contains(c)).ToList();

    private static IReadOnlyList<CustomerEvent> Consent(string purpose, ConsentChoice choice, CustomerProfile profile)
    {
        if (!ConsentPurposes.All.Contains(purpose))
            throw Refused.Invalid("purpose", $"unknown consent purpose '{purpose}'; one of {string.Join(", ", ConsentPurposes.All)}");
        if (string.IsNullOrWhiteSpace(choice.Source)) throw Refused.Invalid("source", "a consent choice needs its source");
        return ConsentRules.Supersedes(choice, profile.Consent.GetValueOrDefault(purpose)) ? [new CustomerEvent.ConsentRecorded(purpose, choice)] : [];
    }

    private static IReadOnlyList<CustomerEvent> Note(ServiceNote note, CustomerProfile profile)
    {
        if (string.IsNullOrWhiteSpace(note.Text)) throw Refused.Invalid("text", "a note needs text");
        if (note.Text.Length > MaxNoteLength) throw Refused.Invalid("text", $"a note is at most {MaxNoteLength} characters");
        return profile.Notes.Any(n => n.NoteId == note.NoteId) ? [] : [new CustomerEvent.NoteAdded(note)];
    }

    private static IReadOnlyList<CustomerEvent> Absorb(CustomerCommand.Absorb c, CustomerProfile profile)
    {
        if (c.Merge.AbsorbedId == profile.CustomerId) throw Refused.Invalid("otherId", "a profile cannot absorb itself");
        if (profile.Merges.Any(m => m.MergeId == c.Merge.MergeId)) return [];
        if (profile.Merges.Any(m => m.Active && m.AbsorbedId == c.Merge.AbsorbedId)) return [];
        return [new CustomerEvent.Absorbed(c.Merge)];
    }

    private static IReadOnlyList<CustomerEvent> MarkMerged(CustomerCommand.MarkMerged c, CustomerProfile profile)
    {
        if (c.Into == profile.CustomerId) throw Refused.Invalid("otherId", "a profile cannot be merged into itself");
        if (profile.AbsorbedIds.Contains(c.Into, StringComparer.Ordinal))
            throw Refused.Conflict("otherId", $"customer {c.Into} is merged into {profile.CustomerId}; reverse that merge first");
        return [new CustomerEvent.MergedInto(c.Into, c.MergeId, c.At)];
    }

    private static IReadOnlyList<CustomerEvent> ReverseMerge(CustomerCommand.ReverseMerge c, IReadOnlyList<MergeRecord> merges) =>
        merges.FirstOrDefault(m => m.MergeId == c.MergeId) switch
        {
            null => throw Refused.NotFound("mergeId", $"customer {c.CustomerId} has no merge {c.MergeId}"),
            { Active: false } => [],
            _ => [new CustomerEvent.MergeReversed(c.MergeId, c.By, c.At)],
        };

    public static CustomerState Evolve(CustomerState state, CustomerEvent @event) => (state, @event) switch
    {
        (CustomerState.Unknown, CustomerEvent.Registered e) => new CustomerState.Active(CustomerProfile.New(e.CustomerId, e.At)),
        (CustomerState.Active a, CustomerEvent.MergedInto e) => new CustomerState.Merged(Touch(a.Profile, e.At), e.Into, e.MergeId),
        (CustomerState.Merged m, CustomerEvent.Restored e) => new CustomerState.Active(Touch(m.Profile, e.At)),
        (CustomerState.Active a, CustomerEvent.Anonymized e) => new CustomerState.Anonymized(a.Profile.CustomerId, e.At, e.Reason, a.Profile.Merges),
        (CustomerState.Merged m, CustomerEvent.Anonymized e) => new CustomerState.Anonymized(m.Profile.CustomerId, e.At, e.Reason, m.Profile.Merges),
        (CustomerState.Anonymized a, CustomerEvent.MergeReversed e) => a with { Merges = Reverse(a.Merges, e) },
        (CustomerState.Active a, _) => new CustomerState.Active(Touch(Apply(a.Profile, @event), @event.At)),
        _ => throw new InvalidOperationException($"{@event.GetType().Name} cannot follow {state.GetType().Name}"),
    };

    public static CustomerState Evolve(CustomerState state, IEnumerable<CustomerEvent> events) => events.Aggregate(state, Evolve);

    private static CustomerProfile Apply(CustomerProfile p, CustomerEvent e) => e switch
    {
        CustomerEvent.ContactsLinked c => p with { Contacts = [.. p.Contacts, .. c.Contacts] },
        CustomerEvent.NameChanged n => p with { FirstName = n.FirstName, LastName = n.LastName },
        CustomerEvent.ConsentRecorded c => p with { Consent = new Dictionary<string, ConsentChoice>(p.Consent, StringComparer.Ordinal) { [c.Purpose] = c.Choice } },
        CustomerEvent.PreferredStoreSet s => p with { PreferredStore = s.Store },
        CustomerEvent.NoteAdded n => p with { Notes = [.. p.Notes, n.Note] },
        CustomerEvent.Absorbed m => p with { Merges = [.. p.Merges, m.Merge] },
        CustomerEvent.MergeReversed r => p with { Merges = Reverse(p.Merges, r) },
        _ => throw new InvalidOperationException($"{e.GetType().Name} does not change an active profile"),
    };

    private static IReadOnlyList<MergeRecord> Reverse(IReadOnlyList<MergeRecord> merges, CustomerEvent.MergeReversed r) =>
        merges.Select(m => m.MergeId == r.MergeId ? m with { ReversedAt = r.At } : m).ToList();

    private static CustomerProfile Touch(CustomerProfile profile, DateTimeOffset at) => at > profile.UpdatedAt ? profile with { UpdatedAt = at } : profile;
}

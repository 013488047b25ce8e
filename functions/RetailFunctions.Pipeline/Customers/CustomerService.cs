using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Aggregates;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// One profile per shopper: resolves the identifiers any channel sends to a profile (creating, linking or merging as
/// the matching rules say), records purchases and returns with their points exactly once, and serves the record the
/// views are cut from. Each step loads, decides with the pure rules, and saves; nothing personal is logged or put in
/// an exception.
/// </summary>
public sealed class CustomerService(ICustomerStore customers, LoyaltyService loyalty, IExceptionStore exceptions, CustomerOptions options, TimeProvider clock)
{
    public const string AmbiguousMatch = "ambiguous-customer-match";
    private const int MaxAttempts = 8;
    private const int MaxMergeDepth = 8;
    private readonly AggregateRunner<string, CustomerRow, CustomerState> _profiles = new(customers, maxAttempts: 32, serialize: true);

    /// <summary>
    /// The profile each identifier was last found to lead to here, by a hash of the identifier (no contact detail is
    /// held): a returning shopper's profile is read without asking the index first. Only a hint; see <see cref="HolderAsync"/>.
    /// Bounded: cleared when full, which costs each identifier one index read.
    /// </summary>
    private readonly ConcurrentDictionary<string, string> _holders = new(StringComparer.Ordinal);
    private const int MaxHolders = 16384;

    /// <summary>The profile a reference belongs to, created or completed as the rules say; null when it names no usable identifier.</summary>
    public Task<ResolvedCustomer?> ResolveAsync(CustomerReference reference, string sourceKey, DateTimeOffset at, CancellationToken ct) =>
        ResolveAsync(reference, sourceKey, at, Registration.Contacts, ct);

    /// <summary>
    /// What a profile created by a resolution starts with besides its contact points: a channel's names and consent,
    /// and the purchase or return that named the shopper (written with the new profile, as its id is only known then).
    /// </summary>
    private sealed record Registration(string? FirstName, string? LastName, IReadOnlyDictionary<string, ConsentChoice> Consent,
        Func<string, HistoryEntry>? FirstEntry = null)
    {
        public static readonly Registration Contacts = new(null, null, new Dictionary<string, ConsentChoice>());

        public CustomerCommand.Register Update(string customerId, DateTimeOffset at) =>
            new(customerId, [], FirstName, LastName, Consent, null, at);
    }

    private async Task<ResolvedCustomer?> ResolveAsync(CustomerReference reference, string sourceKey, DateTimeOffset at,
        Registration registration, CancellationToken ct)
    {
        var normalized = ContactPoints.Normalize(reference, options.RegionOf(reference.Store));
        for (var attempt = 1; ; attempt++)
        {
            var candidates = await CandidatesAsync(normalized.Points, ct);
            var resolution = IdentityResolver.Resolve(normalized.Points, candidates);
            var resolved = await ApplyAsync(resolution, reference.Store, sourceKey, at, registration, ct);
            if (resolved is not null || resolution is Resolution.Unidentified) return resolved;
            // Another writer claimed one of the identifiers meanwhile: resolve again against what it wrote.
            if (attempt >= MaxAttempts) throw new InvalidOperationException($"identifiers of {sourceKey} stayed contended after {attempt} attempts");
        }
    }

    private async Task<ResolvedCustomer?> ApplyAsync(Resolution resolution, string? store, string sourceKey, DateTimeOffset at,
        Registration registration, CancellationToken ct)
    {
        switch (resolution)
        {
            case Resolution.Unidentified:
                return null;
            case Resolution.New n:
            {
                var id = NewCustomerId(sourceKey, at);
                var claimed = new List<ContactPoint>();
                foreach (var point in n.Contacts)
                {
                    if (await customers.ClaimAsync(point, id, ct)) { claimed.Add(point); continue; }
                    foreach (var release in claimed) await customers.ReleaseAsync(release, id, ct);
                    return null;
                }
                // The id is new: no profile row to read, and the add fails if one is there after all.
                var (first, last, consent, firstEntry) = registration;
                var register = new CustomerCommand.Register(id, n.Contacts, first, last, consent, store, at);
                var added = firstEntry is not null && Decide(register, CustomerState.None).Change is { } created
                    && await customers.TryAddWithHistoryAsync(id, created, firstEntry(id), ct);
                if (!added) await ExecuteAsync(register, ct, assumed: new CustomerRow(CustomerState.None, null));
                foreach (var point in n.Contacts) Hint(Hash(point.Key), id);
                return new ResolvedCustomer(id, "new", true) { HistoryAdded = added };
            }
            case Resolution.Matched m:
                await LinkAsync(m.CustomerId, m.ToLink, at, ct);
                return new ResolvedCustomer(m.CustomerId, m.Rule, false);
            case Resolution.Merge m:
                await MergeAsync(m.SurvivorId, m.AbsorbedId, m.Rule, "identifiers of both profiles arrived together in one event", "system",
                    $"auto:{Hash(sourceKey)}", at, ct);
                await LinkAsync(m.SurvivorId, m.ToLink, at, ct);
                return new ResolvedCustomer(m.SurvivorId, m.Rule, false);
            case Resolution.Ambiguous a:
                await exceptions.RaiseAsync(new BusinessException(
                    $"customer-match:{Hash(sourceKey)}", Owners.Crm, AmbiguousMatch,
                    $"{a.Reason}; the activity was attributed to {a.CustomerId} and nothing was merged or linked. Candidates: {string.Join(", ", a.Candidates)}",
                    sourceKey, null,
                    new Dictionary<string, string> { ["customer"] = a.CustomerId, ["candidates"] = string.Join(",", a.Candidates) },
                    ExceptionStatuses.Open, clock.GetUtcNow()), ct);
                return new ResolvedCustomer(a.CustomerId, $"ambiguous:{a.Rule}", false);
            default:
                throw new ArgumentOutOfRangeException(nameof(resolution), resolution.GetType().Name, "unknown resolution");
        }
    }

    private async Task LinkAsync(string customerId, IReadOnlyList<ContactPoint> points, DateTimeOffset at, CancellationToken ct)
    {
        var claimed = new List<ContactPoint>();
        foreach (var point in points)
            if (await customers.ClaimAsync(point, customerId, ct)) claimed.Add(point);
        if (claimed.Count > 0) await ExecuteAsync(new CustomerCommand.LinkContacts(customerId, claimed, at), ct);
    }

    /// <summary>
    /// Every profile the identifiers are indexed to, followed through merges to the survivor. A point an active profile
    /// found here already lists is indexed to that profile (a point is claimed before it is linked, and released only
    /// when the profile is anonymized), so it is not read again: a returning shopper costs one index read, not one per
    /// identifier, and each profile is read once.
    /// </summary>
    private async Task<List<MatchCandidate>> CandidatesAsync(IReadOnlyList<ContactPoint> points, CancellationToken ct)
    {
        var candidates = new List<MatchCandidate>();
        var followed = new Dictionary<string, (string, CustomerState)>(StringComparer.Ordinal);
        foreach (var point in points)
        {
            if (candidates.FirstOrDefault(c => c.Profile.Contacts.Contains(point)) is { } listed)
            {
                candidates.Add(new MatchCandidate(point, listed.Profile));
                continue;
            }
            if (await HolderAsync(point, followed, ct) is not { } profile) continue;
            switch (profile)
            {
                case (_, CustomerState.Active active):
                    candidates.Add(new MatchCandidate(point, active.Profile));
                    break;
                case (var claimant, CustomerState.Unknown):
                    // Claimed by a writer that stopped before saving the profile: complete it now.
                    await ExecuteAsync(new CustomerCommand.Register(claimant, [point], null, null, new Dictionary<string, ConsentChoice>(), null, clock.GetUtcNow()), ct);
                    if (await customers.GetAsync(claimant, ct) is CustomerState.Active created) candidates.Add(new MatchCandidate(point, created.Profile));
                    break;
            }
        }
        return candidates;
    }

    /// <summary>
    /// The profile an identifier is indexed to, followed through merges; null when no profile holds it. A hint is kept
    /// only for a profile that lists the identifier, and a profile keeps what it lists until it is anonymized (an
    /// identifier is claimed before it is listed and released only then): so while the hinted profile, followed
    /// through merges, is active, the index leads to the same profile and is not read. Otherwise the index is asked.
    /// </summary>
    private async Task<(string Id, CustomerState State)?> HolderAsync(ContactPoint point, Dictionary<string, (string, CustomerState)> followed,
        CancellationToken ct)
    {
        var key = Hash(point.Key);
        if (_holders.TryGetValue(key, out var hint) && await FollowedAsync(hint, followed, ct) is { State: CustomerState.Active } kept)
            return kept;
        if (await customers.FindAsync(point, ct) is not { } id)
        {
            _holders.TryRemove(key, out _);
            return null;
        }
        var found = await FollowedAsync(id, followed, ct);
        // A survivor does not list what it absorbed, and a reversed merge gives that back: only the lister is hinted.
        if (found.State is CustomerState.Active active && active.Profile.Contacts.Contains(point)) Hint(key, found.Id);
        else _holders.TryRemove(key, out _);
        return found;
    }

    /// <summary>Keeps a hint under the hash of an identifier (<see cref="Hash"/> of its key).</summary>
    private void Hint(string hashedKey, string customerId)
    {
        if (_holders.Count >= MaxHolders) _holders.Clear();
        _holders[hashedKey] = customerId;
    }

    private async Task<(string Id, CustomerState State)> FollowedAsync(string customerId, Dictionary<string, (string, CustomerState)> followed,
        CancellationToken ct)
    {
        if (!followed.TryGetValue(customerId, out var profile)) followed[customerId] = profile = await FollowAsync(customerId, ct);
        return profile;
    }

    /// <summary>The profile an id leads to: itself, or the survivor of the merges it went through.</summary>
    public async Task<(string CustomerId, CustomerState State)> FollowAsync(string customerId, CancellationToken ct)
    {
        var id = customerId;
        for (var depth = 0; depth < MaxMergeDepth; depth++)
        {
            var state = await customers.GetAsync(id, ct);
            if (state is not CustomerState.Merged merged) return (id, state);
            id = merged.Into;
        }
        throw new InvalidOperationException($"customer {customerId} leads through more than {MaxMergeDepth} merges");
    }

    /// <summary>
    /// Creates or updates the profile of a web-store customer (customers/create, customers/update): names, contact
    /// points and the marketing consent the store reports, as explicit choices at the customer's update time.
    /// </summary>
    public async Task<ResolvedCustomer?> UpsertFromShopifyAsync(string shopDomain, CustomerSnapshot customer, DateTimeOffset receivedAt, CancellationToken ct)
    {
        var at = customer.UpdatedAt ?? receivedAt;
        var reference = new CustomerReference(SourceSystems.Shopify, customer.ChannelCustomerId, customer.Email, customer.Phone);
        var consent = new Dictionary<string, ConsentChoice>(StringComparer.Ordinal);
        if (customer.AcceptsEmailMarketing is { } email) consent[ConsentPurposes.Email] = new ConsentChoice(email, $"shopify:{shopDomain}", at);
        if (customer.AcceptsSmsMarketing is { } sms) consent[ConsentPurposes.Sms] = new ConsentChoice(sms, $"shopify:{shopDomain}", at);
        // A new shopper's profile is created with the names and consent at once; a known one's is brought up to date.
        var registration = new Registration(customer.FirstName, customer.LastName, consent);
        var sourceKey = $"shopify:{shopDomain}:customer:{customer.ChannelCustomerId}:{at.UtcTicks}";
        var resolved = await ResolveAsync(reference, sourceKey, at, registration, ct);
        if (resolved is null) return null;
        var points = ContactPoints.Normalize(reference, options.DefaultRegion).Points;
        if (!resolved.Created)
            await ExecuteAsync(registration.Update(resolved.CustomerId, at), ct);
        return resolved with { Contacts = points.Count };
    }

    /// <summary>
    /// A purchase or a return: resolves the shopper, adds it to their history once, and accrues or reverses their
    /// points once. Safe to call again with the same activity.
    /// </summary>
    public async Task<ActivityResult> RecordActivityAsync(CustomerActivity activity, CancellationToken ct)
    {
        if (activity.Problem() is { } problem) throw Refused.Invalid(problem.Field, problem.Reason);
        // A return belongs to whoever made the purchase, whatever the till keyed in (often nothing).
        var original = activity.Kind == ActivityKind.Return ? await customers.FindOrderAsync(activity.OriginalOrderId!, ct) : null;
        var buyer = original is not null ? new ResolvedCustomer((await FollowAsync(original, ct)).CustomerId, "original-order", false) : null;
        HistoryEntry EntryOn(string customerId) => new(activity.IdempotencyKey, activity.Kind, activity.OrderId, activity.OriginalOrderId,
            activity.Channel, activity.Store, activity.Net, activity.OccurredAt, customerId);
        var resolved = buyer ?? await ResolveAsync(activity.Customer, activity.IdempotencyKey, activity.OccurredAt,
            Registration.Contacts with { FirstEntry = EntryOn }, ct);
        if (resolved is null) return new ActivityResult(null, "unidentified", false, 0, null, "no usable identifier: no profile, no points");
        // The order's owner and the history row are separate rows, each written once by its key: side by side (a new
        // profile's history row came with it).
        var linked = activity.Kind == ActivityKind.Purchase ? customers.LinkOrderAsync(activity.OrderId, resolved.CustomerId, ct) : Task.CompletedTask;
        var adding = resolved.HistoryAdded ? Task.FromResult(true)
            : customers.AddHistoryAsync(resolved.CustomerId, EntryOn(resolved.CustomerId), ct);
        await Task.WhenAll(linked, adding);
        var recorded = await adding;
        LoyaltyCommand command = activity.Kind == ActivityKind.Purchase
            ? new LoyaltyCommand.Accrue(resolved.CustomerId, activity.OrderId, activity.Channel, activity.Net, $"activity:{activity.IdempotencyKey}", activity.OccurredAt)
            : new LoyaltyCommand.Reverse(resolved.CustomerId, activity.OriginalOrderId!, activity.OrderId, activity.Net, $"activity:{activity.IdempotencyKey}",
                activity.OccurredAt,
                // Bought on a profile since merged into this one: the points were earned on that profile's ledger.
                original is not null && original != resolved.CustomerId ? await loyalty.AccrualAsync(original, activity.OriginalOrderId!, ct) : null);
        // Points the program cannot give whatever the account holds (another currency): the ledger is not read.
        if (LoyaltyDecider.RefusalOf(command, loyalty.Program) is { } unearnable)
            return new ActivityResult(resolved.CustomerId, resolved.Rule, recorded, 0, null, $"no points: {unearnable.Reason}");
        var result = await loyalty.ExecuteAsync(command, ct, newAccount: resolved.Created);
        var summary = result.Refusal is { } refusal ? $"no points: {refusal.Reason}" : $"{result.Outcome}: {result.Events.Sum(e => e.Delta)} points";
        return new ActivityResult(resolved.CustomerId, resolved.Rule, recorded,
            result.Outcome == CommandOutcome.Applied ? result.Events.Sum(e => e.Delta) : 0, result.Account.Balance, summary);
    }

    /// <summary>
    /// The survivor absorbs the other profile: the merge is recorded on both, and the absorbed profile's points move
    /// to the survivor with their expiry. Every step is idempotent under the merge id, so a retry completes a merge.
    /// </summary>
    public async Task<string> MergeAsync(string survivorId, string absorbedId, string rule, string reason, string by, string mergeId, DateTimeOffset at, CancellationToken ct)
    {
        var (survivor, survivorState) = await FollowAsync(survivorId, ct);
        if (survivorState is not CustomerState.Active) throw Refused.NotFound("customerId", $"customer {survivorId} is not an active profile");
        if (await customers.GetAsync(absorbedId, ct) is CustomerState.Merged { Into: var into, MergeId: var existing } && into == survivor) return existing;
        if (absorbedId == survivor) throw Refused.Invalid("otherId", "a profile cannot absorb itself");
        if (await customers.GetAsync(absorbedId, ct) is not CustomerState.Active)
            throw Refused.Conflict("otherId", $"customer {absorbedId} is not an active profile and cannot be merged");

        await ExecuteAsync(new CustomerCommand.Absorb(survivor, new MergeRecord(mergeId, absorbedId, rule, reason, by, at)), ct);
        await ExecuteAsync(new CustomerCommand.MarkMerged(absorbedId, survivor, mergeId, at), ct);
        await loyalty.TransferAsync(absorbedId, survivor, mergeId, null, at, ct);
        return mergeId;
    }

    /// <summary>Reverses a merge: both profiles stand alone again and the points that moved go back (as far as they are unspent).</summary>
    public async Task ReverseMergeAsync(string survivorId, string mergeId, string by, DateTimeOffset at, CancellationToken ct)
    {
        var state = await customers.GetAsync(survivorId, ct);
        var merge = state switch
        {
            CustomerState.Active a => a.Profile.Merges.FirstOrDefault(m => m.MergeId == mergeId),
            CustomerState.Anonymized a => a.Merges.FirstOrDefault(m => m.MergeId == mergeId),
            _ => null,
        } ?? throw Refused.NotFound("mergeId", $"customer {survivorId} has no merge {mergeId}");
        await ExecuteAsync(new CustomerCommand.ReverseMerge(survivorId, mergeId, by, at), ct);
        await ExecuteAsync(new CustomerCommand.Restore(merge.AbsorbedId, mergeId, at), ct);
        var moved = await loyalty.TransferAsync(merge.AbsorbedId, survivorId, mergeId, null, merge.At, ct);
        await loyalty.TransferAsync(survivorId, merge.AbsorbedId, $"{mergeId}:reversal", moved.Points, at, ct, moved.Spend);
    }

    /// <summary>
    /// Removes a profile's personal data (and that of the profiles it absorbed): the contact points leave the index
    /// first, then names, contacts, consent and notes go. History and the points ledger stay under the bare id.
    /// </summary>
    public async Task<int> AnonymizeAsync(string customerId, string reason, DateTimeOffset at, CancellationToken ct)
    {
        var anonymized = 0;
        var (id, state) = await FollowAsync(customerId, ct);
        var ids = new List<string> { id };
        if (state is CustomerState.Active active) ids.AddRange(active.Profile.AbsorbedIds);
        // The hints of this process go first: a hash of an identifier is still the shopper's.
        foreach (var hint in _holders.Where(h => ids.Contains(h.Value))) _holders.TryRemove(hint);
        foreach (var each in ids)
        {
            var current = await customers.GetAsync(each, ct);
            var contacts = current switch
            {
                CustomerState.Active a => a.Profile.Contacts,
                CustomerState.Merged m => m.Profile.Contacts,
                _ => [],
            };
            foreach (var contact in contacts) await customers.ReleaseAsync(contact, each, ct);
            if (current is CustomerState.Unknown) continue;
            if ((await ExecuteAsync(new CustomerCommand.Anonymize(each, reason, at), ct)).Count > 0) anonymized++;
        }
        return anonymized;
    }

    /// <summary>Shopify's customers/redact: anonymizes every profile its customer id, email or phone leads to. Creates nothing.</summary>
    public async Task<int> RedactAsync(ShopifyCustomerRedact request, DateTimeOffset at, CancellationToken ct)
    {
        var anonymized = 0;
        foreach (var id in await FindAllAsync(new CustomerReference(SourceSystems.Shopify, request.CustomerId, request.Email, request.Phone), ct))
            anonymized += await AnonymizeAsync(id, $"customers/redact from {request.ShopDomain}", at, ct);
        return anonymized;
    }

    /// <summary>Every profile (survivor) that any of a reference's identifiers leads to.</summary>
    public async Task<IReadOnlyList<string>> FindAllAsync(CustomerReference reference, CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var point in ContactPoints.Normalize(reference, options.DefaultRegion).Points)
            if (await customers.FindAsync(point, ct) is { } id) ids.Add((await FollowAsync(id, ct)).CustomerId);
        return [.. ids];
    }

    /// <summary>The profiles holding an identifier that starts with a prefix (e.g. every Shopify customer id), as survivors.</summary>
    public async Task<IReadOnlyList<string>> FindHoldersAsync(ContactKind kind, string prefix, CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in await customers.HoldersAsync(kind, prefix, ct)) ids.Add((await FollowAsync(id, ct)).CustomerId);
        return [.. ids];
    }

    /// <summary>The profile a contact point leads to.</summary>
    public async Task<string?> FindAsync(CustomerReference reference, CancellationToken ct)
    {
        foreach (var point in ContactPoints.Normalize(reference, options.RegionOf(reference.Store)).Points)
            if (await customers.FindAsync(point, ct) is { } id) return (await FollowAsync(id, ct)).CustomerId;
        return null;
    }

    /// <summary>Everything the views are cut from, for the survivor an id leads to; null when there is no such profile.</summary>
    public async Task<CustomerRecord?> GetRecordAsync(string customerId, CancellationToken ct)
    {
        var (id, state) = await FollowAsync(customerId, ct);
        var profile = state switch
        {
            CustomerState.Active a => a.Profile,
            CustomerState.Anonymized a => CustomerProfile.New(a.CustomerId, a.At) with { Merges = a.Merges },
            _ => null,
        };
        if (profile is null) return null;
        var absorbed = new List<CustomerProfile>();
        var history = new List<HistoryEntry>(await customers.GetHistoryAsync(id, ct));
        foreach (var other in profile.AbsorbedIds)
        {
            if (await customers.GetAsync(other, ct) is CustomerState.Merged m) absorbed.Add(m.Profile);
            history.AddRange(await customers.GetHistoryAsync(other, ct));
        }
        return new CustomerRecord(profile, absorbed, history, await loyalty.SummaryAsync(id, ct));
    }

    /// <summary>Runs a command on a profile that a person asked for through the API.</summary>
    /// <summary>
    /// Decides a command on the profile and saves the new state against the tag it was read with. Returns the events
    /// written (none when there was nothing to do); throws <see cref="Refused"/> when the rules refuse.
    /// </summary>
    public async Task<IReadOnlyList<CustomerEvent>> ExecuteAsync(CustomerCommand command, CancellationToken ct,
        CustomerRow? assumed = null) =>
        (await _profiles.RunAsync(command.CustomerId, command.CustomerId, row => Decide(command, row.State), ct, assumed)).Result;

    private static Decision<CustomerState, IReadOnlyList<CustomerEvent>> Decide(CustomerCommand command, CustomerState state)
    {
        var events = CustomerDecider.Decide(command, state);
        return events.Count == 0
            ? Decision.Nothing<CustomerState, IReadOnlyList<CustomerEvent>>(events)
            : Decision.Write(CustomerDecider.Evolve(state, events), events);
    }

    /// <summary>Links contact points a person keyed in, refusing any that another profile holds.</summary>
    public async Task<IReadOnlyList<ContactPoint>> AddContactsAsync(string customerId, CustomerReference reference, DateTimeOffset at, CancellationToken ct)
    {
        var normalized = ContactPoints.Normalize(reference, options.RegionOf(reference.Store));
        if (normalized.Unusable.Count > 0) throw Refused.Invalid(normalized.Unusable[0], $"{normalized.Unusable[0]} is not a usable {normalized.Unusable[0]}");
        if (normalized.Points.Count == 0) throw Refused.Invalid("email", "name at least one of email, phone, loyaltyId");
        if (await customers.GetAsync(customerId, ct) is not CustomerState.Active)
            throw Refused.NotFound("customerId", $"customer {customerId} is not an active profile");
        foreach (var point in normalized.Points)
            if (await customers.FindAsync(point, ct) is { } holder && (await FollowAsync(holder, ct)).CustomerId != customerId)
                throw Refused.Conflict(ContactPoint.KindName(point.Kind), $"that {ContactPoint.KindName(point.Kind)} belongs to customer {holder}; merge the profiles instead");
        await LinkAsync(customerId, normalized.Points, at, ct);
        return normalized.Points;
    }

    /// <summary>
    /// A new profile's id: random, prefixed. Not derived from any identifier, so it carries no personal data.
    /// </summary>
    private static string NewCustomerId(string sourceKey, DateTimeOffset at) => $"cus-{Guid.CreateVersion7(at):N}";

    /// <summary>A short stable digest of a key, so exception ids and merge ids carry no personal data.</summary>
    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..24];
}

public sealed record ResolvedCustomer(string CustomerId, string Rule, bool Created, int Contacts = 0)
{
    /// <summary>The activity that named a new profile's shopper was written with the profile.</summary>
    public bool HistoryAdded { get; init; }
}

namespace RetailFunctions.Domain.Customers;

/// <summary>The kinds of identifier a shopper is known by, in the order they are trusted when matching.</summary>
public enum ContactKind
{
    /// <summary>A loyalty card or number: exact, issued by us, the strongest.</summary>
    LoyaltyId,
    /// <summary>A channel's own customer id, as <c>{channel}:{id}</c> (e.g. <c>shopify:207119551</c>).</summary>
    ChannelId,
    Email,
    /// <summary>A phone number in E.164 (<c>+447700900123</c>).</summary>
    Phone,
}

/// <summary>One normalized identifier. Two shoppers never share one: the index maps it to exactly one profile.</summary>
public sealed record ContactPoint(ContactKind Kind, string Value)
{
    /// <summary>The index key: kind and value.</summary>
    public string Key => $"{KindName(Kind)}:{Value}";

    public static string KindName(ContactKind kind) => kind switch
    {
        ContactKind.LoyaltyId => "loyalty",
        ContactKind.ChannelId => "channel",
        ContactKind.Email => "email",
        ContactKind.Phone => "phone",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown contact kind"),
    };

    public override string ToString() => Key;
}

/// <summary>A shopper as one channel event names them, before normalization.</summary>
public sealed record CustomerReference(
    string? Channel = null,
    string? ChannelCustomerId = null,
    string? Email = null,
    string? Phone = null,
    string? LoyaltyId = null,
    string? Store = null)
{
    public bool IsEmpty =>
        string.IsNullOrWhiteSpace(ChannelCustomerId) && string.IsNullOrWhiteSpace(Email) && string.IsNullOrWhiteSpace(Phone) && string.IsNullOrWhiteSpace(LoyaltyId);
}

/// <summary>The identifiers of a reference after normalization, and the fields that could not be normalized.</summary>
public sealed record NormalizedReference(IReadOnlyList<ContactPoint> Points, IReadOnlyList<string> Unusable)
{
    public ContactPoint? Of(ContactKind kind) => Points.FirstOrDefault(p => p.Kind == kind);
}

public static class ContactPoints
{
    /// <summary>
    /// Normalizes every identifier of a reference. A value that cannot be normalized (an email without a domain, a phone
    /// that is no number of the store's region) is left out and named, never guessed.
    /// </summary>
    public static NormalizedReference Normalize(CustomerReference reference, string defaultRegion)
    {
        var points = new List<ContactPoint>(4);
        var unusable = new List<string>();
        if (!string.IsNullOrWhiteSpace(reference.LoyaltyId))
        {
            if (LoyaltyIds.Normalize(reference.LoyaltyId) is { } loyalty) points.Add(new(ContactKind.LoyaltyId, loyalty));
            else unusable.Add("loyaltyId");
        }
        if (!string.IsNullOrWhiteSpace(reference.ChannelCustomerId))
        {
            if (string.IsNullOrWhiteSpace(reference.Channel)) unusable.Add("channel");
            else points.Add(new(ContactKind.ChannelId, $"{reference.Channel.Trim().ToLowerInvariant()}:{reference.ChannelCustomerId.Trim()}"));
        }
        if (!string.IsNullOrWhiteSpace(reference.Email))
        {
            if (EmailAddresses.Normalize(reference.Email) is { } email) points.Add(new(ContactKind.Email, email));
            else unusable.Add("email");
        }
        if (!string.IsNullOrWhiteSpace(reference.Phone))
        {
            if (PhoneNumbers.ToE164(reference.Phone, defaultRegion) is { } phone) points.Add(new(ContactKind.Phone, phone));
            else unusable.Add("phone");
        }
        return new NormalizedReference(points, unusable);
    }
}

/// <summary>Loyalty ids match exactly: only surrounding blanks are removed, case and inner characters are kept.</summary>
public static class LoyaltyIds
{
    public static string? Normalize(string raw)
    {
        var value = raw.Trim();
        return value.Length is > 0 and <= 64 && !value.Any(char.IsWhiteSpace) && !value.Any(char.IsControl) ? value : null;
    }
}

/// <summary>
/// Email addresses as one shopper is known: blanks trimmed and the whole address lower-cased (every large provider
/// treats the local part case-insensitively). Provider rules apply only where the provider documents them: Gmail
/// ignores dots in the local part, delivers <c>name+tag</c> to <c>name</c>, and treats googlemail.com as gmail.com.
/// Other providers' dots and tags are significant and kept.
/// </summary>
public static class EmailAddresses
{
    private static readonly HashSet<string> Gmail = new(StringComparer.Ordinal) { "gmail.com", "googlemail.com" };

    public static string? Normalize(string raw)
    {
        var value = raw.Trim().ToLowerInvariant();
        if (value.Length is 0 or > 254 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) return null;
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1 || value.IndexOf('@') != at) return null;
        var local = value[..at];
        var domain = value[(at + 1)..].TrimEnd('.');
        if (local.Length > 64 || !domain.Contains('.') || domain.StartsWith('.') || domain.Contains("..", StringComparison.Ordinal)) return null;
        if (Gmail.Contains(domain))
        {
            var plus = local.IndexOf('+');
            if (plus >= 0) local = local[..plus];
            local = local.Replace(".", "", StringComparison.Ordinal);
            if (local.Length == 0) return null;
            domain = "gmail.com";
        }
        return $"{local}@{domain}";
    }
}

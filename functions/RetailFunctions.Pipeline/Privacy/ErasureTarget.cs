using RetailFunctions.Domain.Customers;

namespace RetailFunctions.Pipeline.Privacy;

/// <summary>
/// Whose personal data an erasure removes: the identifiers a copy may name them by (emails and phones normalized,
/// Shopify customer ids, loyalty ids, orders), and the words (names) that are theirs in free text. For shop/redact,
/// <see cref="WholeShop"/> also makes every document of that shop personal, whoever it names.
/// </summary>
public sealed record ErasureTarget(
    string Shop,
    bool WholeShop,
    IReadOnlySet<string> Emails,
    IReadOnlySet<string> Phones,
    IReadOnlySet<string> CustomerIds,
    IReadOnlySet<string> LoyaltyIds,
    IReadOnlySet<string> OrderIds,
    IReadOnlySet<string> Words,
    IReadOnlyList<string> Regions)
{
    /// <summary>Names shorter than this are not searched for in free text: too many ordinary words would match.</summary>
    public const int MinWordLength = 3;

    public static ErasureTarget For(string shop, bool wholeShop, IEnumerable<ContactPoint> contacts, IEnumerable<string> orderIds,
        IEnumerable<string?> words, IReadOnlyList<string> regions)
    {
        var points = contacts.ToList();
        IReadOnlySet<string> Of(ContactKind kind, Func<string, string?> value) =>
            points.Where(p => p.Kind == kind).Select(p => value(p.Value)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return new ErasureTarget(shop, wholeShop,
            Of(ContactKind.Email, v => v),
            Of(ContactKind.Phone, v => v),
            Of(ContactKind.ChannelId, v => v.StartsWith("shopify:", StringComparison.Ordinal) ? v["shopify:".Length..] : null),
            Of(ContactKind.LoyaltyId, v => v),
            orderIds.Where(o => !string.IsNullOrWhiteSpace(o)).ToHashSet(StringComparer.Ordinal),
            words.OfType<string>().Select(w => w.Trim()).Where(w => w.Length >= MinWordLength).ToHashSet(StringComparer.OrdinalIgnoreCase),
            regions);
    }

    public bool IsEmpty => !WholeShop && Emails.Count == 0 && Phones.Count == 0 && CustomerIds.Count == 0 && LoyaltyIds.Count == 0 && OrderIds.Count == 0;

    public bool IsEmail(string raw) => EmailAddresses.Normalize(raw) is { } email && Emails.Contains(email);

    /// <summary>A phone as any region we serve would read it.</summary>
    public bool IsPhone(string raw) => Phones.Count > 0 && Regions.Any(r => PhoneNumbers.ToE164(raw, r) is { } e164 && Phones.Contains(e164));

    /// <summary>
    /// Whether every person in a copy is to be erased, whoever it names: for shop/redact, the shop's raw archive,
    /// queued and dead-lettered deliveries, and its web orders.
    /// </summary>
    public bool CoversWhole(StoredCopy copy) =>
        WholeShop && (string.Equals(copy.Shop, Shop, StringComparison.OrdinalIgnoreCase)
            || (copy.Kind == CopyKind.Order
                && copy.Location.StartsWith($"{TableNames.Orders}/{Orders.OrderIds.ForShopify(Shop, "")}", StringComparison.Ordinal)));
}

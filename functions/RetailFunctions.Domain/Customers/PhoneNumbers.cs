namespace RetailFunctions.Domain.Customers;

/// <summary>
/// The numbering facts E.164 normalization needs for one region: its country calling code, the trunk prefix dialled
/// before national numbers (dropped in E.164), the prefixes dialled to call abroad, and how long its national
/// significant numbers are.
/// </summary>
public sealed record PhoneRegion(string Region, string CountryCode, string? TrunkPrefix, IReadOnlyList<string> InternationalPrefixes, int MinLength, int MaxLength);

/// <summary>
/// Phone numbers to E.164 (<c>+</c>, country code, national significant number) without any package: numbers written
/// internationally (<c>+44 20 7946 0018</c>, <c>0044...</c>, <c>011 44...</c> from North America) keep their country;
/// national numbers (<c>020 7946 0018</c>, <c>(201) 555-0123</c>) take the store's region. Punctuation, blanks and an
/// extension (<c>x123</c>, <c>ext. 123</c>) are ignored. A number that does not fit the region's lengths is refused,
/// not guessed. The tests check the result against libphonenumber for every supported region.
/// </summary>
public static class PhoneNumbers
{
    private static readonly string[] Europe = ["00"];

    public static IReadOnlyDictionary<string, PhoneRegion> Regions { get; } = new PhoneRegion[]
    {
        new("US", "1", "1", ["011"], 10, 10),
        new("CA", "1", "1", ["011"], 10, 10),
        new("GB", "44", "0", Europe, 9, 10),
        new("IE", "353", "0", Europe, 7, 9),
        new("DE", "49", "0", Europe, 6, 13),
        new("FR", "33", "0", Europe, 9, 9),
        new("NL", "31", "0", Europe, 9, 9),
        new("BE", "32", "0", Europe, 8, 9),
        new("ES", "34", null, Europe, 9, 9),
        // Italian numbers keep their leading 0 in E.164: Italy has no trunk prefix.
        new("IT", "39", null, Europe, 6, 11),
        new("PT", "351", null, Europe, 9, 9),
        new("AT", "43", "0", Europe, 4, 13),
        new("CH", "41", "0", Europe, 9, 9),
        new("SE", "46", "0", Europe, 7, 10),
        new("DK", "45", null, Europe, 8, 8),
        new("NO", "47", null, Europe, 8, 8),
        new("PL", "48", null, Europe, 9, 9),
        new("AU", "61", "0", ["0011"], 9, 9),
        new("NZ", "64", "0", Europe, 8, 10),
    }.ToDictionary(r => r.Region, StringComparer.OrdinalIgnoreCase);

    /// <summary>The E.164 form, or null when the text is not a phone number of the given region (or an international one).</summary>
    public static string? ToE164(string raw, string defaultRegion)
    {
        var text = WithoutExtension(raw.Trim());
        var international = text.StartsWith('+');
        var digits = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c)) digits.Append(c);
            else if (c is ' ' or '-' or '.' or '(' or ')' or '/' or '\u00A0' || (c == '+' && digits.Length == 0)) continue;
            else return null;
        }
        var number = digits.ToString();
        if (number.Length == 0) return null;
        Regions.TryGetValue(defaultRegion, out var region);

        if (!international && region is not null)
        {
            foreach (var prefix in region.InternationalPrefixes.OrderByDescending(p => p.Length))
            {
                if (number.StartsWith(prefix, StringComparison.Ordinal) && number.Length > prefix.Length + 7)
                {
                    number = number[prefix.Length..];
                    international = true;
                    break;
                }
            }
        }
        if (international) return International(number);
        if (region is null) return null;
        return National(number, region) is { } national ? $"+{region.CountryCode}{national}" : null;
    }

    private static string? International(string number)
    {
        // Country codes are prefix-free: at most one of the 1-, 2- and 3-digit candidates is a known code.
        for (var length = 1; length <= 3 && length < number.Length; length++)
        {
            var code = number[..length];
            var region = Regions.Values.FirstOrDefault(r => r.CountryCode == code);
            if (region is null) continue;
            var rest = number[length..];
            // People write +44 (0)20...: a trunk prefix after the country code is dropped.
            if (region.TrunkPrefix is { } trunk && rest.StartsWith(trunk, StringComparison.Ordinal) && region.CountryCode != "1"
                && rest.Length - trunk.Length >= region.MinLength)
                rest = rest[trunk.Length..];
            return rest.Length >= region.MinLength && rest.Length <= region.MaxLength ? $"+{code}{rest}" : null;
        }
        // A country we hold no facts for: accept what E.164 allows (up to 15 digits) without reinterpreting it.
        return number.Length is >= 8 and <= 15 && number[0] != '0' ? $"+{number}" : null;
    }

    private static string? National(string number, PhoneRegion region)
    {
        if (region.TrunkPrefix is { } trunk && number.StartsWith(trunk, StringComparison.Ordinal) && number.Length - trunk.Length >= region.MinLength)
            number = number[trunk.Length..];
        if (number.Length < region.MinLength || number.Length > region.MaxLength) return null;
        // A national significant number never starts with the trunk prefix once it is removed (except where there is none).
        if (region.TrunkPrefix is "0" && number[0] == '0') return null;
        if (region.CountryCode == "1" && number[0] is '0' or '1') return null;
        return number;
    }

    private static string WithoutExtension(string text)
    {
        var lower = text.ToLowerInvariant();
        foreach (var marker in new[] { "extension", "ext.", "ext", " x", "x", "#" })
        {
            var at = lower.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0) return text[..at].TrimEnd();
        }
        return text;
    }

    /// <summary>All but the last three digits hidden, for views that may show that a number exists but not what it is.</summary>
    public static string Mask(string e164) => e164.Length <= 4 ? "***" : $"{e164[..3]}{new string('*', e164.Length - 6)}{e164[^3..]}";
}

using System.Numerics;
using System.Text;

namespace RetailFunctions.Pipeline.Security;

/// <summary>A body after masking: the bytes to keep (the input itself when nothing matched) and how many PANs were masked.</summary>
public sealed record MaskedBody(ReadOnlyMemory<byte> Body, int Masked)
{
    public bool Changed => Masked > 0;
}

/// <summary>What masking a POSLog document did: PANs masked and <c>Transaction</c> elements seen.</summary>
public sealed record PosMaskReport(int Masked, int Transactions);

/// <summary>
/// Finds and masks payment card numbers (PAN): a run of 13-19 digits, optionally grouped by single spaces or
/// dashes, that passes the Luhn check. Only the last four digits survive. Ids are long digit runs too (about one
/// in ten passes Luhn), so the structured maskers only look where card data can legitimately appear.
/// </summary>
public static partial class PanMasker
{
    private const int MinPanDigits = 13;
    private const int MaxPanDigits = 19;
    private const int KeptDigits = 4;
    // Bounds for one run of digit groups; a longer run is examined in consecutive pieces.
    private const int MaxRunDigits = 128;
    private const int MaxRunGroups = 32;

    /// <summary>Masks every PAN in free text: "4111 1111 1111 1111" becomes "************1111".</summary>
    public static (string Text, int Masked) MaskText(string text)
    {
        if (string.IsNullOrEmpty(text) || !HasDigits(text, MinPanDigits))
            return (text, 0);
        StringBuilder? builder = null;
        var copied = 0;
        var masked = 0;
        var from = 0;
        Span<char> last = stackalloc char[KeptDigits];
        while (TryFindPan(text.AsSpan(), from, out var start, out var end, out var digits))
        {
            builder ??= new StringBuilder(text.Length);
            builder.Append(text, copied, start - copied);
            builder.Append('*', digits - KeptDigits);
            LastDigits(text.AsSpan(start, end - start), last);
            builder.Append(last);
            copied = end;
            from = end;
            masked++;
        }
        if (builder is null)
            return (text, 0);
        builder.Append(text, copied, text.Length - copied);
        return (builder.ToString(), masked);
    }

    /// <summary>Whether the text holds this many digits at all: most text masked holds none or a few, and is passed by at once.</summary>
    private static bool HasDigits(string text, int count)
    {
        var span = text.AsSpan();
        for (var at = span.IndexOfAnyInRange('0', '9'); at >= 0 && span.Length - at >= count; at = span.IndexOfAnyInRange('0', '9'))
        {
            if (--count == 0) return true;
            span = span[(at + 1)..];
        }
        return false;
    }

    /// <summary>True when the text holds at least one PAN.</summary>
    public static bool ContainsPan(ReadOnlySpan<char> text) => TryFindPan(text, 0, out _, out _, out _);

    /// <summary>True when UTF-8 bytes hold at least one PAN: the cheap test before any parsing.</summary>
    public static bool ContainsPan(ReadOnlySpan<byte> utf8) => TryFindPan(utf8, 0, out _, out _, out _);

    /// <summary>Masked by us or by a terminal: "************1111", "XXXX-XXXX-XXXX-4242", "•••• 1234".</summary>
    public static bool LooksMasked(string? value) =>
        !string.IsNullOrEmpty(value) && (value.Contains('*') || value.Contains("XXXX", StringComparison.OrdinalIgnoreCase) || value.Contains('•'));

    private static void LastDigits(ReadOnlySpan<char> run, Span<char> destination)
    {
        var n = destination.Length;
        for (var i = run.Length - 1; i >= 0 && n > 0; i--)
        {
            if (char.IsAsciiDigit(run[i]))
                destination[--n] = run[i];
        }
    }

    /// <summary>
    /// The next PAN at or after <paramref name="from"/>: [start, end) in units of the text, and its digit count.
    /// Generic so the same rule runs over strings and raw UTF-8 without decoding.
    /// </summary>
    private static bool TryFindPan<T>(ReadOnlySpan<T> text, int from, out int start, out int end, out int digitCount)
        where T : unmanaged, IBinaryInteger<T>
    {
        Span<byte> values = stackalloc byte[MaxRunDigits];
        Span<int> groupStart = stackalloc int[MaxRunGroups];
        Span<int> groupEnd = stackalloc int[MaxRunGroups];
        Span<int> groupDigits = stackalloc int[MaxRunGroups];

        var i = from;
        while (i < text.Length)
        {
            if (!IsDigit(text[i]))
            {
                i++;
                continue;
            }
            // Collect one run: digit groups joined by a single space or dash.
            var digits = 0;
            var groups = 0;
            while (true)
            {
                groupStart[groups] = i;
                var before = digits;
                while (i < text.Length && IsDigit(text[i]) && digits < MaxRunDigits)
                    values[digits++] = (byte)(int.CreateTruncating(text[i++]) - '0');
                groupEnd[groups] = i;
                groupDigits[groups] = digits - before;
                groups++;
                var joined = i + 1 < text.Length && IsSeparator(text[i]) && IsDigit(text[i + 1]);
                if (!joined || groups == MaxRunGroups || digits == MaxRunDigits)
                    break;
                i++;
            }

            // Longest PAN-shaped span of whole groups, leftmost first. A single unbroken run longer than
            // 19 digits is one number (an id, a loyalty card), so it is never split.
            var offset = 0;
            for (var s = 0; s < groups; s++)
            {
                var count = 0;
                for (var e = s; e < groups; e++)
                    count += groupDigits[e];
                for (var e = groups - 1; e >= s; e--)
                {
                    if (count is >= MinPanDigits and <= MaxPanDigits && Luhn.IsValidValues(values.Slice(offset, count)))
                    {
                        start = groupStart[s];
                        end = groupEnd[e];
                        digitCount = count;
                        return true;
                    }
                    count -= groupDigits[e];
                }
                offset += groupDigits[s];
            }
        }
        start = end = digitCount = 0;
        return false;
    }

    private static bool IsDigit<T>(T unit) where T : unmanaged, IBinaryInteger<T> =>
        (uint)(int.CreateTruncating(unit) - '0') <= 9;

    private static bool IsSeparator<T>(T unit) where T : unmanaged, IBinaryInteger<T>
    {
        var c = int.CreateTruncating(unit);
        return c is ' ' or '-';
    }
}

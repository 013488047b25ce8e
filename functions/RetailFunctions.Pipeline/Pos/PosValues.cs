using System.Globalization;

namespace RetailFunctions.Pipeline.Pos;

/// <summary>Culture-invariant parsing shared by the POS readers; failures name the field.</summary>
internal static class PosValues
{
    private const NumberStyles DecimalStyle =
        NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static decimal Decimal(ReadOnlySpan<char> text, string field) =>
        TryDecimal(text, out var value) ? value : throw new PayloadException(field, $"'{text}' is not a decimal number");

    /// <summary>The same, the field named by its element's path and name: the path is only built for the error.</summary>
    public static decimal Decimal(ReadOnlySpan<char> text, string at, string localName) =>
        TryDecimal(text, out var value) ? value : throw new PayloadException($"{at}/{localName}", $"'{text}' is not a decimal number");

    public static bool TryDecimal(ReadOnlySpan<char> text, out decimal value) =>
        TryPlainDecimal(text, out value) || decimal.TryParse(text, DecimalStyle, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// What nearly every till writes, "-12.34" (an optional sign, up to 18 digits, an optional point): read without the
    /// general parser, to the same value and scale (1.50 stays 1.50). Anything else, and a negative zero, is left to it.
    /// </summary>
    private static bool TryPlainDecimal(ReadOnlySpan<char> text, out decimal value)
    {
        value = 0m;
        var span = text;
        var negative = span.Length > 0 && span[0] == '-';
        if (negative || span.Length > 0 && span[0] == '+') span = span[1..];
        if (span.Length is 0 or > 19) return false;
        long units = 0;
        var digits = 0;
        var scale = -1;
        foreach (var c in span)
        {
            if (c == '.' && scale < 0)
            {
                scale = 0;
                continue;
            }
            if (!char.IsAsciiDigit(c) || digits == 18) return false;
            units = units * 10 + (c - '0');
            digits++;
            if (scale >= 0) scale++;
        }
        if (digits == 0 || negative && units == 0) return false;
        value = new decimal((int)(units & 0xFFFFFFFF), (int)(units >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }

    public static int Integer(ReadOnlySpan<char> text, string field) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new PayloadException(field, $"'{text}' is not an integer");

    /// <summary>A business day: yyyy-MM-dd (a trailing time part, as some tills write, is ignored).</summary>
    public static DateOnly BusinessDay(ReadOnlySpan<char> text, string field)
    {
        var trimmed = text.Trim();
        var datePart = trimmed.Length > 10 && trimmed[10] == 'T' ? trimmed[..10] : trimmed;
        return DateOnly.TryParseExact(datePart, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new PayloadException(field, $"'{text}' is not a date (yyyy-MM-dd)");
    }

    /// <summary>
    /// ISO 8601 timestamp. Tills often omit the offset; the store's zone is not in the document, so the wall clock
    /// is kept as written with offset zero rather than shifted by the server's zone.
    /// </summary>
    public static DateTimeOffset Timestamp(ReadOnlySpan<char> text, string field) =>
        DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new PayloadException(field, $"'{text}' is not an ISO 8601 timestamp");
}

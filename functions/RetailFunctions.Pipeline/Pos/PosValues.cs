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
        if (TryIsoDate(datePart, out var year, out var month, out var date))
            return new DateOnly(year, month, date);
        return DateOnly.TryParseExact(datePart, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new PayloadException(field, $"'{text}' is not a date (yyyy-MM-dd)");
    }

    /// <summary>
    /// ISO 8601 timestamp. Tills often omit the offset; the store's zone is not in the document, so the wall clock
    /// is kept as written with offset zero rather than shifted by the server's zone.
    /// </summary>
    public static DateTimeOffset Timestamp(ReadOnlySpan<char> text, string field)
    {
        var trimmed = text.Trim();
        if (TryIsoTimestamp(trimmed, out var timestamp))
            return timestamp;
        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new PayloadException(field, $"'{text}' is not an ISO 8601 timestamp");
    }

    /// <summary>
    /// What nearly every till writes, yyyy-MM-ddTHH:mm:ss with no offset, Z or ±HH:mm, read without the general parser
    /// to what it gives. Anything else (fractions of a second, other shapes, years 1 and 9999 where an offset can leave
    /// the calendar, values out of range) is left to it, to read or to refuse.
    /// </summary>
    private static bool TryIsoTimestamp(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 19 || text[10] != 'T' || text[13] != ':' || text[16] != ':'
            || !TryIsoDate(text[..10], out var year, out var month, out var day) || year is 1 or 9999
            || !TryDigits(text.Slice(11, 2), out var hour) || !TryDigits(text.Slice(14, 2), out var minute)
            || !TryDigits(text.Slice(17, 2), out var second) || hour > 23 || minute > 59 || second > 59)
            return false;
        var zone = text[19..];
        var offset = TimeSpan.Zero;
        if (zone.Length == 6 && zone[0] is '+' or '-' && zone[3] == ':'
            && TryDigits(zone.Slice(1, 2), out var offsetHours) && TryDigits(zone.Slice(4, 2), out var offsetMinutes))
        {
            if (offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60)
                return false;
            offset = new TimeSpan(zone[0] == '-' ? -offsetHours : offsetHours, zone[0] == '-' ? -offsetMinutes : offsetMinutes, 0);
        }
        else if (zone is not ("" or "Z"))
        {
            return false;
        }
        value = new DateTimeOffset(year, month, day, hour, minute, second, offset);
        return true;
    }

    /// <summary>yyyy-MM-dd in ASCII digits naming a day of the calendar.</summary>
    private static bool TryIsoDate(ReadOnlySpan<char> text, out int year, out int month, out int day)
    {
        (month, day) = (0, 0);
        if (text.Length != 10 || text[4] != '-' || text[7] != '-'
            || !TryDigits(text[..4], out year) || !TryDigits(text.Slice(5, 2), out month) || !TryDigits(text.Slice(8, 2), out day))
        {
            year = 0;
            return false;
        }
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}

using System.Globalization;

namespace RetailFunctions.Pipeline.Pos;

/// <summary>Culture-invariant parsing shared by the POS readers; failures name the field.</summary>
internal static class PosValues
{
    private const NumberStyles DecimalStyle =
        NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static decimal Decimal(string text, string field) =>
        decimal.TryParse(text, DecimalStyle, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new PayloadException(field, $"'{text}' is not a decimal number");

    public static int Integer(string text, string field) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new PayloadException(field, $"'{text}' is not an integer");

    /// <summary>A business day: yyyy-MM-dd (a trailing time part, as some tills write, is ignored).</summary>
    public static DateOnly BusinessDay(string text, string field)
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
    public static DateTimeOffset Timestamp(string text, string field) =>
        DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new PayloadException(field, $"'{text}' is not an ISO 8601 timestamp");
}

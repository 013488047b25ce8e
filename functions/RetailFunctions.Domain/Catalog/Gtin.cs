namespace RetailFunctions.Domain.Catalog;

/// <summary>GTIN-8/12/13/14 barcodes: check digit and normal form (14 digits, zero-padded).</summary>
public static class Gtin
{
    /// <summary>The 14-digit form of a valid GTIN, or null when it is not one (wrong length, bad check digit).</summary>
    public static string? Normalize(string? barcode)
    {
        if (string.IsNullOrWhiteSpace(barcode)) return null;
        var digits = barcode.Trim();
        if (digits.Length is not (8 or 12 or 13 or 14) || !digits.All(char.IsAsciiDigit)) return null;
        var padded = digits.PadLeft(14, '0');
        return HasValidCheckDigit(padded) ? padded : null;
    }

    public static bool HasValidCheckDigit(string digits)
    {
        var sum = 0;
        // From the right, excluding the check digit, weights alternate 3,1,3,...
        var weight = 3;
        for (var i = digits.Length - 2; i >= 0; i--, weight = 4 - weight)
            sum += (digits[i] - '0') * weight;
        return (10 - sum % 10) % 10 == digits[^1] - '0';
    }

    /// <summary>Spreadsheets turn long barcodes into scientific notation (3.65275E+11): the digits are lost.</summary>
    public static bool LooksSpreadsheetMangled(string? barcode) =>
        barcode is not null && barcode.Contains('E', StringComparison.OrdinalIgnoreCase) && barcode.Contains('+');
}

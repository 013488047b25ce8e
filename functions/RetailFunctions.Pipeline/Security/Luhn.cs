namespace RetailFunctions.Pipeline.Security;

/// <summary>The Luhn (mod 10) check that every payment card number satisfies.</summary>
public static class Luhn
{
    /// <summary>True when <paramref name="digits"/> is all ASCII digits and passes the check.</summary>
    public static bool IsValid(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty)
            return false;
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if ((uint)d > 9)
                return false;
            sum += Weigh(d, doubleIt);
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    /// <summary>The check over digit values 0-9 (already extracted from text or UTF-8 bytes).</summary>
    internal static bool IsValidValues(ReadOnlySpan<byte> values)
    {
        if (values.IsEmpty)
            return false;
        var sum = 0;
        var doubleIt = false;
        for (var i = values.Length - 1; i >= 0; i--)
        {
            sum += Weigh(values[i], doubleIt);
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    private static int Weigh(int digit, bool doubleIt)
    {
        if (!doubleIt)
            return digit;
        var doubled = digit * 2;
        return doubled > 9 ? doubled - 9 : doubled;
    }
}

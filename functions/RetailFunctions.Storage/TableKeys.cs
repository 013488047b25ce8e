using System.Text;

namespace RetailFunctions.Storage;

/// <summary>
/// Table keys may not contain '/', '\', '#', '?' or control characters; SKUs and ids from other systems might.
/// Escaping is reversible and leaves ordinary keys readable.
/// </summary>
public static class TableKeys
{
    public static string Escape(string value)
    {
        if (!value.Any(NeedsEscape)) return value;
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (NeedsEscape(c)) builder.Append('%').Append(((int)c).ToString("X2"));
            else builder.Append(c);
        }
        return builder.ToString();
    }

    public static string Unescape(string value) => value.Contains('%') ? Uri.UnescapeDataString(value) : value;

    private static bool NeedsEscape(char c) => c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);
}

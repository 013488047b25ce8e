using System.Security.Cryptography;
using System.Text;

namespace RetailFunctions.Pipeline.Security;

/// <summary>
/// Verifies <c>X-Shopify-Hmac-Sha256</c>: base64(HMAC-SHA256(key = UTF-8 secret, message = raw body bytes)).
/// The raw bytes matter: a body parsed and re-serialised hashes differently.
/// </summary>
public static class ShopifyHmac
{
    private const int MacLength = 32;

    /// <summary>True when the header is the signature of the body under any of the secrets (two during rotation).</summary>
    public static bool IsValid(ReadOnlySpan<byte> rawBody, string? headerBase64, IReadOnlyList<string> secrets)
    {
        if (string.IsNullOrWhiteSpace(headerBase64) || secrets.Count == 0)
            return false;

        Span<byte> claimed = stackalloc byte[MacLength];
        // A header that is not base64 of exactly one SHA-256 MAC can never match: reject without throwing.
        if (!Convert.TryFromBase64String(headerBase64.Trim(), claimed, out var written) || written != MacLength)
            return false;

        Span<byte> expected = stackalloc byte[MacLength];
        var valid = false;
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
                continue;
            Compute(rawBody, secret, expected);
            // Check every secret, not stopping early, so timing does not reveal which secret matched.
            valid |= CryptographicOperations.FixedTimeEquals(expected, claimed);
        }
        return valid;
    }

    /// <summary>The header value Shopify would send for this body: for tests and simulators.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret)
    {
        Span<byte> mac = stackalloc byte[MacLength];
        Compute(body, secret, mac);
        return Convert.ToBase64String(mac);
    }

    private static void Compute(ReadOnlySpan<byte> body, string secret, Span<byte> destination) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, destination);
}

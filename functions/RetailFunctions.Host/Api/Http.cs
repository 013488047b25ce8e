using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace RetailFunctions.Host.Api;

/// <summary>Small helpers shared by the endpoints: bounded bodies and problem+json errors naming the field.</summary>
public static class Http
{
    public static IResult Problem(int status, string title, string detail, string? field = null) =>
        Results.Problem(
            title: title,
            detail: detail,
            statusCode: status,
            extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    public static IResult TooLarge(long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"the body exceeds the limit of {limit} bytes");

    public static IResult Overloaded(HttpContext context, string reason, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "Backlog too large, retry later", reason);
    }

    /// <summary>Reads the body whole, or returns null as soon as it passes the limit (declared or actual).</summary>
    public static async Task<MemoryStream?> ReadBoundedAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return null;
        var buffer = new MemoryStream(request.ContentLength is { } length ? (int)Math.Min(length, limit) : 4096);
        // A pooled chunk: a fresh 80 KiB array per request was most of what a webhook allocated.
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > limit) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        buffer.Position = 0;
        return buffer;
    }

    /// <summary>Constant-time comparison of a presented key with the configured one.</summary>
    public static bool KeyMatches(string? presented, string expected) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}

/// <summary>
/// Function keys, as the Functions host checks them: when Api:FunctionKey is set, every route but the webhook
/// (which has its own signature) and the health probe needs it in x-functions-key or ?code=.
/// </summary>
public sealed class FunctionKeyMiddleware(RequestDelegate next, string functionKey)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api/webhooks") || path.StartsWithSegments("/api/health") || ConsoleEndpoints.IsPublicAsset(path))
            return next(context);
        var presented = context.Request.Headers["x-functions-key"].FirstOrDefault() ?? context.Request.Query["code"].FirstOrDefault();
        if (Http.KeyMatches(presented, functionKey))
            return next(context);
        return Http.Problem(StatusCodes.Status401Unauthorized, "Function key required",
            "send the function key in the x-functions-key header or the code query parameter").ExecuteAsync(context);
    }
}

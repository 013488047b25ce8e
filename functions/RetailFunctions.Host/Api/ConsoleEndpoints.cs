using System.Reflection;

namespace RetailFunctions.Host.Api;

/// <summary>
/// The operator console: one static page, its stylesheet and script, embedded in this assembly and served under
/// <c>/console</c>. The page reads and acts only through the API, so the API's function key and role rules apply.
/// </summary>
public static class ConsoleEndpoints
{
    public const string Path = "/console";

    // The assets hold no data; the page itself stays behind the function key like the API.
    public static bool IsPublicAsset(PathString path) => path == $"{Path}/console.css" || path == $"{Path}/console.js";

    public static void MapConsole(this IEndpointRouteBuilder app, string routePrefix)
    {
        var page = Read("index.html").Replace("{{apiBase}}", $"/{routePrefix}", StringComparison.Ordinal);
        var css = Read("console.css");
        var js = Read("console.js");
        app.MapGet(Path, (HttpContext c) => Serve(c, page, "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapGet($"{Path}/console.css", (HttpContext c) => Serve(c, css, "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapGet($"{Path}/console.js", (HttpContext c) => Serve(c, js, "text/javascript; charset=utf-8")).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext context, string content, string contentType)
    {
        var headers = context.Response.Headers;
        // Nothing but this origin: no framework, font or script from elsewhere.
        headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        return Results.Text(content, contentType);
    }

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"console/{name}")
            ?? throw new InvalidOperationException($"console/{name} is not embedded in the runtime");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

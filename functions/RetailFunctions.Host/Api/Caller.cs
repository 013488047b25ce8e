using System.Text;
using System.Text.Json;

namespace RetailFunctions.Host.Api;

/// <summary>
/// Who is calling, and in which role. Locally (<c>Api:IdentitySource</c> = <c>header</c>, the default) the role and
/// the name are the <c>X-RetailFunctions-Role</c> and <c>X-RetailFunctions-User</c> headers. In Azure
/// (<c>Api:IdentitySource</c> = <c>entra</c>) they come from the principal App Service authentication puts in
/// <c>X-MS-CLIENT-PRINCIPAL</c> after validating the Entra ID token: its app roles and its name. There the role header
/// only chooses among the roles the principal holds, so a caller can never claim a role it was not given.
/// </summary>
public static class Caller
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    public const string IdentitySourceSetting = "Api:IdentitySource";
    public const string RoleHeaderName = InventoryEndpoints.RoleHeader;

    public static string? Role(HttpContext context)
    {
        var asked = context.Request.Headers[InventoryEndpoints.RoleHeader].FirstOrDefault();
        if (!UsesEntra(context)) return asked;
        var roles = Principal(context)?.Roles ?? [];
        return asked is not null ? roles.FirstOrDefault(r => string.Equals(r, asked, StringComparison.OrdinalIgnoreCase)) : roles.FirstOrDefault();
    }

    /// <summary>
    /// The role for the operations rules, where no role means a trusted tool holding the function key. With Entra ID
    /// every caller is a person or an app with roles, so a principal without one gets the empty role, which may do nothing.
    /// </summary>
    public static string? OperationsRole(HttpContext context) => Role(context) ?? (UsesEntra(context) ? "" : null);

    public static string? User(HttpContext context) =>
        UsesEntra(context)
            ? Principal(context)?.Name
            : context.Request.Headers[InventoryEndpoints.UserHeader].FirstOrDefault() is { Length: > 0 } user ? user : null;

    /// <summary>The name recorded in audit trails: the user, else the role, else "api".</summary>
    public static string Actor(HttpContext context) => User(context) ?? Role(context) ?? "api";

    private static bool UsesEntra(HttpContext context) =>
        string.Equals(context.RequestServices.GetRequiredService<IConfiguration>()[IdentitySourceSetting], "entra", StringComparison.OrdinalIgnoreCase);

    public sealed record ClientPrincipal(string? Name, IReadOnlyList<string> Roles);

    /// <summary>The principal's claims: base64 JSON {auth_typ, name_typ, role_typ, claims: [{typ, val}]}; null when absent or unreadable.</summary>
    public static ClientPrincipal? Principal(HttpContext context) =>
        context.Request.Headers[PrincipalHeader].FirstOrDefault() is { Length: > 0 } encoded ? Parse(encoded) : null;

    public static ClientPrincipal? Parse(string encoded)
    {
        try
        {
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
            var root = json.RootElement;
            var roleType = root.TryGetProperty("role_typ", out var r) && r.GetString() is { Length: > 0 } rt ? rt : "roles";
            var nameType = root.TryGetProperty("name_typ", out var n) && n.GetString() is { Length: > 0 } nt ? nt : "name";
            var claims = root.TryGetProperty("claims", out var c) && c.ValueKind == JsonValueKind.Array
                ? c.EnumerateArray().Select(x => (Type: x.GetProperty("typ").GetString(), Value: x.GetProperty("val").GetString())).ToList()
                : [];
            return new ClientPrincipal(
                claims.FirstOrDefault(x => x.Type == nameType).Value,
                [.. claims.Where(x => x.Type == roleType || x.Type == "roles").Select(x => x.Value).OfType<string>().Distinct()]);
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}

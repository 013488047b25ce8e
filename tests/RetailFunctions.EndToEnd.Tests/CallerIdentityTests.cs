using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A runtime configured as in Azure with Entra ID: roles come from the platform's validated principal.</summary>
public sealed class EntraIdentityFixture : RuntimeFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string> { ["Api__IdentitySource"] = "entra" };
}

public sealed class CallerIdentityTests(EntraIdentityFixture fixture) : IClassFixture<EntraIdentityFixture>
{
    /// <summary>What App Service authentication forwards after validating a token: base64 JSON of the claims.</summary>
    private static string Principal(string name, params string[] roles) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        auth_typ = "aad",
        name_typ = "name",
        role_typ = "roles",
        claims = roles.Select(r => new { typ = "roles", val = r }).Prepend(new { typ = "name", val = name }),
    })));

    private async Task<HttpResponseMessage> Damage(string sku, string? roleHeader, string? principal, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/movements")
        {
            Content = JsonContent.Create(new { sku, location = "STORE-E", kind = "damage", quantity = 1, reason = "crushed box", idempotencyKey = key }),
        };
        if (roleHeader is not null) request.Headers.Add("X-RetailFunctions-Role", roleHeader);
        if (principal is not null) request.Headers.Add("X-MS-CLIENT-PRINCIPAL", principal);
        return await fixture.Http.SendAsync(request);
    }

    [Fact]
    public async Task GivenEntraIdentity_ThenTheRoleHeaderAloneGrantsNothing_AndOnlyRolesThePrincipalHoldsCount()
    {
        await fixture.Http.PutJson("api/catalog/skus/MUG-E", new { title = "Mug" });

        var headerOnly = await Damage("MUG-E", "inventory-manager", principal: null, "e-1");
        Assert.Equal(HttpStatusCode.Forbidden, headerOnly.StatusCode);

        var claimedBeyondGrant = await Damage("MUG-E", "inventory-manager", Principal("sam@contoso.example", "store-associate"), "e-2");
        Assert.Equal(HttpStatusCode.Forbidden, claimedBeyondGrant.StatusCode);

        var granted = await Damage("MUG-E", roleHeader: null, Principal("ana@contoso.example", "store-manager"), "e-3");
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        var movements = await fixture.Http.GetJson("api/inventory/MUG-E/movements");
        Assert.Equal("ana@contoso.example", Assert.Single(movements.GetProperty("movements").EnumerateArray()).GetProperty("actor").GetString());

        var unreadable = await Damage("MUG-E", "store-manager", "not-base64!", "e-4");
        Assert.Equal(HttpStatusCode.Forbidden, unreadable.StatusCode);
    }

    [Fact]
    public async Task GivenEntraIdentity_ThenExceptionsAndDeadLettersNeedARoleThePrincipalHolds()
    {
        async Task<HttpStatusCode> Get(string path, string? principal)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (principal is not null) request.Headers.Add("X-MS-CLIENT-PRINCIPAL", principal);
            return (await fixture.Http.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await Get("api/exceptions", principal: null));
        Assert.Equal(HttpStatusCode.Forbidden, await Get("api/deadletters", principal: null));
        Assert.Equal(HttpStatusCode.OK, await Get("api/exceptions?owner=finance", Principal("fay@contoso.example", "finance")));
        Assert.Equal(HttpStatusCode.Forbidden, await Get("api/exceptions?owner=inventory", Principal("fay@contoso.example", "finance")));
        Assert.Equal(HttpStatusCode.Forbidden, await Get("api/deadletters", Principal("fay@contoso.example", "finance")));
        Assert.Equal(HttpStatusCode.OK, await Get("api/deadletters", Principal("olu@contoso.example", "operator")));
    }
}

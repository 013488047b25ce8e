using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RetailFunctions.Infra.Tests.Support;

namespace RetailFunctions.Infra.Tests;

/// <summary>No secret in the template or its parameters; data-plane access by identity only.</summary>
public sealed class SecurityTests
{
    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    [Fact]
    public void TheTemplates_CompileWithoutWarnings()
    {
        Assert.True(Infra.Diagnostics.Length == 0, $"bicep reported:\n{Infra.Diagnostics}");
    }

    [Theory]
    [InlineData("AccountKey=")]
    [InlineData("SharedAccessKey=")]
    [InlineData("SharedAccessSignature")]
    [InlineData("listKeys(")]
    [InlineData("listSecrets(")]
    [InlineData("listConnectionStrings(")]
    [InlineData("listAccountSas(")]
    [InlineData("listServiceSas(")]
    [InlineData("DefaultEndpointsProtocol")]
    public void TheCompiledTemplate_ContainsNoKeyOrKeyFetchingCall(string forbidden)
    {
        Assert.DoesNotContain(forbidden, Infra.Text, StringComparison.OrdinalIgnoreCase);
        foreach (var (name, parameters) in Infra.ParameterFiles)
            Assert.False(parameters.ToJsonString().Contains(forbidden, StringComparison.OrdinalIgnoreCase), $"{name} contains {forbidden}.");
    }

    [Fact]
    public void KeyVault_HoldsNoSecretCreatedByTheTemplate()
    {
        Assert.Empty(Infra.ResourcesOfType("Microsoft.KeyVault/vaults/secrets"));
    }

    [Fact]
    public void SecureParameters_HaveNoDefaults()
    {
        foreach (var template in Infra.Templates)
        {
            foreach (var (name, parameter) in template.Parameters)
            {
                var type = parameter?["type"]?.ToString() ?? "";
                if (type.StartsWith("secure", StringComparison.OrdinalIgnoreCase))
                    Assert.False(parameter!.AsObject().ContainsKey("defaultValue"), $"Secure parameter '{name}' of '{template.Name}' has a default.");
            }
        }
    }

    [Fact]
    public void ParameterDefaultsAndParameterFiles_HoldNothingThatLooksLikeASecret()
    {
        var values = new List<(string Where, string Value)>();
        foreach (var template in Infra.Templates)
        {
            foreach (var (name, parameter) in template.Parameters)
            {
                if (parameter?["defaultValue"] is { } defaultValue)
                    values.AddRange(StringsIn(defaultValue).Select(v => ($"{template.Name}.{name}", v)));
            }
        }
        foreach (var (file, parameters) in Infra.ParameterFiles)
            values.AddRange(StringsIn(parameters["parameters"]!).Select(v => (file, v)));

        Assert.NotEmpty(values);
        foreach (var (where, value) in values)
            Assert.False(LooksLikeASecret(value), $"{where} has a value that looks like a secret: {value}");
    }

    [Fact]
    public void StorageAccount_AllowsNoSharedKeyNoPublicBlobsAndTls12AtLeast()
    {
        var (_, storage) = Infra.Single("Microsoft.Storage/storageAccounts");

        Assert.False(storage.Properties["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.False(storage.Properties["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", storage.Properties["minimumTlsVersion"]!.GetValue<string>());
        Assert.True(storage.Properties["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        foreach (var (_, container) in Infra.ResourcesOfType("Microsoft.Storage/storageAccounts/blobServices/containers"))
            Assert.Equal("None", container.Properties["publicAccess"]!.GetValue<string>());
    }

    [Fact]
    public void ServiceBus_IsStandardWithLocalAuthenticationDisabled()
    {
        var (_, serviceBus) = Infra.Single("Microsoft.ServiceBus/namespaces");

        Assert.True(serviceBus.Properties["disableLocalAuth"]!.GetValue<bool>());
        Assert.Equal("Standard", serviceBus.Json["sku"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void KeyVault_UsesRbacWithSoftDeleteAndPurgeProtection()
    {
        var (_, vault) = Infra.Single("Microsoft.KeyVault/vaults");

        Assert.True(vault.Properties["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.True(vault.Properties["enableSoftDelete"]!.GetValue<bool>());
        Assert.True(vault.Properties["enablePurgeProtection"]!.GetValue<bool>());
        Assert.False(vault.Properties.ContainsKey("accessPolicies"), "RBAC vaults take no access policies.");
    }

    private static IEnumerable<string> StringsIn(JsonNode node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Value is null ? [] : StringsIn(p.Value)),
        JsonArray array => array.SelectMany(item => item is null ? [] : StringsIn(item)),
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        _ => [],
    };

    private static bool LooksLikeASecret(string value) =>
        !value.StartsWith('[') &&
        (Regex.IsMatch(value, "^[A-Za-z0-9+/]{30,}={0,2}$") ||
         Regex.IsMatch(value, "(password|pwd|sig|key|secret|token)=", RegexOptions.IgnoreCase) ||
         value.Contains("-----BEGIN", StringComparison.Ordinal) ||
         Regex.IsMatch(value, "^shpss_|^shpat_|^shpca_", RegexOptions.IgnoreCase));
}

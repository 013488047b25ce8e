using System.Text.Json.Nodes;
using RetailFunctions.Infra.Tests.Support;

namespace RetailFunctions.Infra.Tests;

/// <summary>The Function App: Flex Consumption, .NET 10 isolated, identity-based connections, Key Vault references.</summary>
public sealed class FunctionAppTests
{
    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    private static (ArmTemplate Template, ArmResource Site) Site => Infra.Single("Microsoft.Web/sites");

    /// <summary>The app settings object with every variable resolved that can be (values may stay expressions).</summary>
    private static JsonObject IdentitySettings()
    {
        var (template, _) = Site;
        return template.Resolve(JsonValue.Create("[variables('identitySettings')]"))!.AsObject();
    }

    [Fact]
    public void ThePlan_IsFlexConsumption()
    {
        var (_, plan) = Infra.Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", plan.Json["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("FlexConsumption", plan.Json["sku"]!["tier"]!.GetValue<string>());
        Assert.True(plan.Properties["reserved"]!.GetValue<bool>());
    }

    [Fact]
    public void TheApp_RunsDotnetIsolated10_FromADeploymentContainer_WithScaleLimits()
    {
        var (template, site) = Site;
        var config = site.Properties["functionAppConfig"]!;

        Assert.Equal("dotnet-isolated", config["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("10.0", config["runtime"]!["version"]!.GetValue<string>());
        Assert.Equal("blobContainer", config["deployment"]!["storage"]!["type"]!.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", config["deployment"]!["storage"]!["authentication"]!["type"]!.GetValue<string>());
        Assert.Equal(2048, template.Resolve(config["scaleAndConcurrency"]!["instanceMemoryMB"])!.GetValue<int>());
        Assert.Equal(100, template.Resolve(config["scaleAndConcurrency"]!["maximumInstanceCount"])!.GetValue<int>());
        Assert.True(site.Properties["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("functionapp,linux", site.Json["kind"]!.GetValue<string>());
    }

    [Fact]
    public void TheApp_RunsAsTheUserAssignedIdentity_AndResolvesKeyVaultReferencesWithIt()
    {
        var (template, site) = Site;

        Assert.Equal("UserAssigned", site.Json["identity"]!["type"]!.GetValue<string>());
        var identityId = template.Resolve(site.Properties["keyVaultReferenceIdentity"])!.ToString();
        Assert.StartsWith("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities'", identityId);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__accountName", "[reference('storage').outputs.name.value]")]
    [InlineData("AzureWebJobsStorage__credential", "managedidentity")]
    [InlineData("AzureWebJobsStorage__clientId", "[reference('identity').clientId]")]
    [InlineData("ServiceBus__fullyQualifiedNamespace", "[reference('serviceBus').outputs.fullyQualifiedNamespace.value]")]
    [InlineData("ServiceBus__clientId", "[reference('identity').clientId]")]
    [InlineData("Storage__blobServiceUri", "[reference('storage').outputs.blobEndpoint.value]")]
    [InlineData("Storage__queueServiceUri", "[reference('storage').outputs.queueEndpoint.value]")]
    [InlineData("Storage__tableServiceUri", "[reference('storage').outputs.tableEndpoint.value]")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING", "[reference('monitoring').outputs.appInsightsConnectionString.value]")]
    [InlineData("AZURE_CLIENT_ID", "[reference('identity').clientId]")]
    public void AppSettings_ConnectWithTheManagedIdentity(string setting, string expected)
    {
        var (template, _) = Site;
        var value = template.Resolve(IdentitySettings()[setting]);

        Assert.Equal(expected, value?.ToString());
    }

    [Fact]
    public void AppSettings_AreAppliedToTheApp()
    {
        var (template, config) = Infra.ResourcesOfType("Microsoft.Web/sites/config").Single(c => c.Resource.NameExpression.EndsWith("'appsettings')]", StringComparison.Ordinal));

        Assert.Equal("[variables('appSettings')]", config.Json["properties"]?.ToString());
        // Plain pipeline settings first, so an identity, secret or caller setting can never be overridden by one of them.
        Assert.Equal("[union(parameters('pipelineSettings'), variables('identitySettings'), variables('webhookSecretSettings'), variables('connectorSecretSettings'), variables('callerSettings'))]",
            template.Variables["appSettings"]?.ToString());
    }

    [Fact]
    public void EntraAuthentication_IsOnlyDeployedWithAClientId_AndLetsAnonymousWebhooksThrough()
    {
        var (template, auth) = Infra.ResourcesOfType("Microsoft.Web/sites/config").Single(c => c.Resource.NameExpression.EndsWith("'authsettingsV2')]", StringComparison.Ordinal));

        Assert.Equal("[not(empty(parameters('entraClientId')))]", auth.Json["condition"]?.ToString());
        Assert.Equal("AllowAnonymous", auth.Json["properties"]!["globalValidation"]!["unauthenticatedClientAction"]!.GetValue<string>());
        Assert.False(auth.Json["properties"]!["globalValidation"]!["requireAuthentication"]!.GetValue<bool>());
        Assert.Equal("[parameters('entraClientId')]", auth.Json["properties"]!["identityProviders"]!["azureActiveDirectory"]!["registration"]!["clientId"]!.ToString());
        // The API trusts the platform's principal (and ignores the local role header) only when the platform validates it.
        Assert.Contains("Api__IdentitySource", template.Variables["callerSettings"]!.ToString());
        Assert.Contains("empty(parameters('entraClientId'))", template.Variables["callerSettings"]!.ToString());
        Assert.Equal("", Infra.Main.Parameters["entraClientId"]!["defaultValue"]!.GetValue<string>());
    }

    [Fact]
    public void ShopifyWebhookSecrets_AreKeyVaultReferences_NamedByParameter()
    {
        var (template, _) = Site;
        var webhookSettings = template.Variables["webhookSecretSettings"]!.ToString();

        Assert.Contains("Shopify__WebhookSecrets__{0}", webhookSettings);
        Assert.Contains("@Microsoft.KeyVault(SecretUri={0}secrets/{1})", webhookSettings);
        Assert.Contains("parameters('shopifyWebhookSecretNames')", webhookSettings);
        Assert.Equal("[reference('keyVault').outputs.uri.value]", template.Resolve(JsonValue.Create("[parameters('keyVaultUri')]"))?.ToString());

        var defaults = Infra.Main.Parameters["shopifyWebhookSecretNames"]!;
        Assert.Equal(2, defaults["maxLength"]!.GetValue<int>());
        Assert.NotEmpty(defaults["defaultValue"]!.AsArray());
    }

    [Fact]
    public void ConnectorCredentials_AreKeyVaultReferences_NamedByParameter()
    {
        var (template, _) = Site;
        var connectorSettings = template.Variables["connectorSecretSettings"]!.ToString();

        Assert.Contains("@Microsoft.KeyVault(SecretUri={0}secrets/{1})", connectorSettings);
        Assert.Contains("parameters('connectorSecrets')", connectorSettings);
        foreach (var (file, parameters) in Infra.ParameterFiles)
        {
            var connectors = parameters["parameters"]?["connectorSecrets"]?["value"]?.AsArray() ?? [];
            foreach (var connector in connectors)
            {
                Assert.False(string.IsNullOrWhiteSpace(connector?["setting"]?.ToString()), $"{file}: a connector has no setting name.");
                Assert.Matches("^[0-9A-Za-z-]{1,127}$", connector?["secretName"]?.ToString() ?? "");
            }
        }
    }

    [Fact]
    public void NoSettingHoldsASecretValue()
    {
        foreach (var (name, value) in IdentitySettings())
            Assert.False(value?.ToString().Contains("InstrumentationKey=", StringComparison.Ordinal) == true, $"{name} embeds a key literal.");
    }
}

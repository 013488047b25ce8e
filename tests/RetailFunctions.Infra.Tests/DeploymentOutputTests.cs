using RetailFunctions.Infra.Tests.Support;

namespace RetailFunctions.Infra.Tests;

/// <summary>Outputs azd and operators read after a deployment, and the per-environment parameter files.</summary>
public sealed class DeploymentOutputTests
{
    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    [Theory]
    [InlineData("AZURE_FUNCTION_APP_NAME")]
    [InlineData("FUNCTION_APP_ENDPOINT")]
    [InlineData("SHOPIFY_WEBHOOK_URL")]
    [InlineData("POS_TRANSACTIONS_URL")]
    [InlineData("AZURE_CLIENT_ID")]
    [InlineData("AZURE_STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_SERVICEBUS_NAMESPACE")]
    [InlineData("SERVICEBUS_FULLY_QUALIFIED_NAMESPACE")]
    [InlineData("AZURE_KEY_VAULT_NAME")]
    [InlineData("APPLICATIONINSIGHTS_NAME")]
    public void TheTemplate_Outputs(string output)
    {
        Assert.True(Infra.Main.Outputs.ContainsKey(output), $"main.bicep does not output {output}.");
    }

    [Fact]
    public void ResourceNames_ComeFromAbbreviationsAndAStableToken()
    {
        Assert.Equal("[toLower(uniqueString(subscription().id, resourceGroup().id, parameters('environmentName')))]",
            Infra.Main.Variables["resourceToken"]?.ToString());
        Assert.Equal("[variables('$fxv#0')]", Infra.Main.Variables["abbrs"]?.ToString());
        Assert.Equal("st", Infra.Main.Resolve(System.Text.Json.Nodes.JsonValue.Create("[variables('abbrs').storageStorageAccounts]"))?.ToString());
    }

    [Theory]
    [InlineData("main.bicepparam", "dev")]
    [InlineData("main.prod.bicepparam", "prod")]
    public void EachEnvironment_HasAParameterFile(string file, string environmentName)
    {
        Assert.True(Infra.ParameterFiles.TryGetValue(file, out var parameters), $"infra/{file} is missing.");
        Assert.Equal(environmentName, parameters["parameters"]!["environmentName"]!["value"]!.GetValue<string>());
        Assert.Contains("@", parameters["parameters"]!["alertEmail"]!["value"]!.GetValue<string>());
    }
}

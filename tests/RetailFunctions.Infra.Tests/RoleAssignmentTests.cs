using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RetailFunctions.Infra.Tests.Support;

namespace RetailFunctions.Infra.Tests;

/// <summary>The Function App's managed identity holds every data-plane role it needs, scoped to its resource.</summary>
public sealed partial class RoleAssignmentTests
{
    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    [Theory]
    [InlineData("Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts")]
    [InlineData("Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts")]
    [InlineData("Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts")]
    [InlineData("Azure Service Bus Data Sender", "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", "Microsoft.ServiceBus/namespaces")]
    [InlineData("Azure Service Bus Data Receiver", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", "Microsoft.ServiceBus/namespaces")]
    [InlineData("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults")]
    [InlineData("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components")]
    public void TheManagedIdentity_HoldsTheRole(string role, string roleDefinitionGuid, string scopeType)
    {
        var assignments = Infra.ResourcesOfType("Microsoft.Authorization/roleAssignments")
            .Where(a => RoleGuidOf(a.Template, a.Resource) == roleDefinitionGuid)
            .ToList();
        Assert.True(assignments.Count == 1, $"Expected one assignment of {role} ({roleDefinitionGuid}), found {assignments.Count}.");
        var (template, assignment) = assignments[0];

        var principal = template.Resolve(assignment.Properties["principalId"])?.ToString();
        Assert.Equal("[reference('identity').principalId]", principal);
        Assert.Equal("Microsoft.ManagedIdentity/userAssignedIdentities", Infra.Main.Resources.Single(r => r.SymbolicName == "identity").Type);
        Assert.Equal("ServicePrincipal", assignment.Properties["principalType"]?.ToString());
        Assert.StartsWith($"[resourceId('{scopeType}'", assignment.Json["scope"]?.ToString());
    }

    [Fact]
    public void RoleGuids_AreNamedInOneList()
    {
        var roles = Infra.Templates.Select(t => t.Variables["roleDefinitionIds"]).OfType<JsonObject>().ToList();
        Assert.NotEmpty(roles);
        Assert.Equal(7, roles[0].Count);
        foreach (var (_, resource) in Infra.ResourcesOfType("Microsoft.Authorization/roleAssignments"))
            Assert.Contains("variables('roleDefinitionIds')", resource.Properties["roleDefinitionId"]?.ToString());
    }

    private static string? RoleGuidOf(ArmTemplate template, ArmResource assignment)
    {
        var roleDefinitionId = assignment.Properties["roleDefinitionId"]?.ToString() ?? "";
        var named = NamedRole().Match(roleDefinitionId);
        if (named.Success)
            return template.Resolve(JsonValue.Create($"[{named.Value}]"))?.ToString();
        var literal = Guid().Match(roleDefinitionId);
        return literal.Success ? literal.Value : null;
    }

    [GeneratedRegex(@"variables\('[^']+'\)\.\w+")]
    private static partial Regex NamedRole();

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Guid();
}

using System.Text.Json.Nodes;
using RetailFunctions.Infra.Tests.Support;

namespace RetailFunctions.Infra.Tests;

/// <summary>Diagnostics, alerts, the workbook and the lifecycle of the raw archive.</summary>
public sealed class MonitoringTests
{
    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    [Theory]
    [InlineData("Microsoft.Storage/storageAccounts/blobServices")]
    [InlineData("Microsoft.Storage/storageAccounts/queueServices")]
    [InlineData("Microsoft.Storage/storageAccounts/tableServices")]
    [InlineData("Microsoft.ServiceBus/namespaces")]
    [InlineData("Microsoft.KeyVault/vaults")]
    [InlineData("Microsoft.Web/sites")]
    public void DiagnosticSettings_SendLogsToTheWorkspace(string resourceType)
    {
        var settings = Infra.ResourcesOfType("Microsoft.Insights/diagnosticSettings")
            .Where(d => d.Resource.Json["scope"]?.ToString().StartsWith($"[resourceId('{resourceType}'", StringComparison.Ordinal) == true)
            .ToList();
        Assert.True(settings.Count == 1, $"Expected one diagnostic setting on {resourceType}, found {settings.Count}.");
        var (template, setting) = settings[0];

        Assert.Equal("[reference('monitoring').outputs.workspaceId.value]",
            template.Resolve(setting.Properties["workspaceId"])?.ToString());
        Assert.Contains(setting.Properties["logs"]!.AsArray(), log => log?["enabled"]?.GetValue<bool>() == true);
    }

    [Fact]
    public void ApplicationInsights_IsWorkspaceBased()
    {
        var (template, appInsights) = Infra.Single("Microsoft.Insights/components");

        Assert.Equal("[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]",
            template.Resolve(appInsights.Properties["WorkspaceResourceId"])?.ToString());
        Infra.Single("Microsoft.OperationalInsights/workspaces");
    }

    [Fact]
    public void DeadLetters_AlertAboveZero()
    {
        var (_, alert) = Infra.Single("Microsoft.Insights/metricAlerts");
        var criterion = alert.Properties["criteria"]!["allOf"]!.AsArray().Single()!;

        Assert.Equal("DeadletteredMessages", criterion["metricName"]!.GetValue<string>());
        Assert.Equal("Microsoft.ServiceBus/namespaces", criterion["metricNamespace"]!.GetValue<string>());
        Assert.Equal("GreaterThan", criterion["operator"]!.GetValue<string>());
        Assert.Equal(0, criterion["threshold"]!.GetValue<int>());
        Assert.NotEmpty(alert.Properties["actions"]!.AsArray());
    }

    [Theory]
    [InlineData("retail.exceptions.open", "owner")]
    [InlineData("retail.oversell.units", null)]
    [InlineData("retail.reconciliation.differences", null)]
    [InlineData("retail.queue.age_seconds", "queue")]
    [InlineData("requests", null)]
    public void LogAlerts_WatchTheBusinessMetrics(string source, string? splitBy)
    {
        var (template, rules) = Infra.Single("Microsoft.Insights/scheduledQueryRules");
        Assert.True(rules.IsLoop);
        Assert.Equal("[length(variables('logAlerts'))]", rules.Json["copy"]!["count"]!.ToString());
        var definitions = template.Resolve(JsonValue.Create("[variables('logAlerts')]"))!.AsArray();

        var rule = definitions.SingleOrDefault(d => d!["query"]!.ToString().Contains(
            source == "requests" ? "requests |" : $"name == \"{source}\"", StringComparison.Ordinal));
        Assert.True(rule is not null, $"No log alert queries {source}.");
        Assert.Equal(splitBy ?? "", rule["dimension"]!.GetValue<string>());
        if (splitBy is not null)
            Assert.Contains($"by {splitBy}", rule["query"]!.GetValue<string>());
        Assert.Equal("[variables('logAlerts')[copyIndex()].query]", rules.Properties["criteria"]!["allOf"]![0]!["query"]!.ToString());
        Assert.NotEmpty(rules.Properties["actions"]!["actionGroups"]!.AsArray());
    }

    [Fact]
    public void TheActionGroup_EmailsTheAlertAddress()
    {
        var (template, group) = Infra.Single("Microsoft.Insights/actionGroups");
        var receiver = group.Properties["emailReceivers"]!.AsArray().Single()!;

        Assert.Equal("[parameters('alertEmail')]", template.Resolve(receiver["emailAddress"])?.ToString());
    }

    [Fact]
    public void TheWorkbook_IsLoadedFromItsJsonFile()
    {
        var (template, workbook) = Infra.Single("Microsoft.Insights/workbooks");
        var serialized = template.Resolve(workbook.Properties["serializedData"])!.GetValue<string>();
        var fromFile = CompiledInfrastructure.ReadJsonFile(Path.Combine(RepositoryPaths.Infra, "workbooks", "pipeline-health.json"));

        Assert.True(JsonNode.DeepEquals(fromFile, JsonNode.Parse(serialized)));
        Assert.Equal("Notebook/1.0", fromFile["version"]!.GetValue<string>());
        foreach (var metric in new[] { "retail.queue.age_seconds", "retail.exceptions.open", "retail.oversell.units", "retail.reconciliation.differences" })
            Assert.Contains(metric, serialized);
    }

    [Fact]
    public void TheWorkbook_ShowsThePilotsOversellAndParcelsPerOrderByRegionAndStore_FilteredByARegionParameter()
    {
        var workbook = CompiledInfrastructure.ReadJsonFile(Path.Combine(RepositoryPaths.Infra, "workbooks", "pipeline-health.json"));
        var items = workbook["items"]!.AsArray();
        var parameters = items.Single(i => i!["name"]!.GetValue<string>() == "parameters")!["content"]!["parameters"]!.AsArray();
        Assert.Contains(parameters, p => p!["name"]!.GetValue<string>() == "Region");

        foreach (var (name, metric) in new[] { ("pilot-oversell", "retail.oversell.units"), ("pilot-fulfilment-cost", "retail.fulfillment.shipments") })
        {
            var query = items.Single(i => i!["name"]!.GetValue<string>() == name)!["content"]!["query"]!.GetValue<string>();
            Assert.Contains(metric, query);
            Assert.Contains("by region, location", query);
            Assert.Contains("{Region}", query);
        }
    }

    [Fact]
    public void TheRawArchive_CoolsAfter30Days_AndIsDeletedAfter400()
    {
        var (template, policy) = Infra.Single("Microsoft.Storage/storageAccounts/managementPolicies");
        var rule = policy.Properties["policy"]!["rules"]!.AsArray().Single()!;
        var baseBlob = rule["definition"]!["actions"]!["baseBlob"]!;

        Assert.Equal("[format('{0}/', parameters('rawArchiveContainerName'))]", rule["definition"]!["filters"]!["prefixMatch"]![0]!.ToString());
        Assert.Equal("raw-archive", template.Resolve(JsonValue.Create("[parameters('rawArchiveContainerName')]"))!.GetValue<string>());
        Assert.Equal(30, template.Resolve(baseBlob["tierToCool"]!["daysAfterModificationGreaterThan"])!.GetValue<int>());
        Assert.Equal(400, template.Resolve(baseBlob["delete"]!["daysAfterModificationGreaterThan"])!.GetValue<int>());
    }
}

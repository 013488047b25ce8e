using System.Text.Json;
using System.Text.RegularExpressions;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Host.Settings;
using RetailFunctions.Host.Workers;
using static RetailFunctions.Functions.Tests.Triggers.TriggerTesting;

namespace RetailFunctions.Functions.Tests;

/// <summary>
/// functions.metadata, which the worker SDK generates at build from the function attributes and which the Functions
/// host reads to create the triggers, checked against infra, host.json and the local runtime.
/// </summary>
public sealed class FunctionMetadataTests
{
    private sealed record Function(string Name, IReadOnlyList<JsonElement> Bindings)
    {
        public JsonElement Trigger => Bindings.Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

        public string TriggerType => Trigger.GetProperty("type").GetString()!;

        public string? Text(string property) => Trigger.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>The file as the build wrote it next to the app (copied here with the app's output).</summary>
    private static List<Function> Metadata()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: the worker SDK did not generate the function metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray()
            .Select(f => new Function(f.GetProperty("name").GetString()!, f.GetProperty("bindings").EnumerateArray().Select(b => b.Clone()).ToList()))
            .ToList();
    }

    private static JsonElement HostJsonExtension(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "host.json")));
        return document.RootElement.GetProperty("extensions").GetProperty(name).Clone();
    }

    private static string FunctionAppModule() => File.ReadAllText(Path.Combine(RepositoryRoot(), "infra", "modules", "functionapp.bicep"));

    [Fact]
    public void GivenTheGeneratedMetadata_WhenRead_ThenEveryConsumedQueueHasOneServiceBusTriggerOnTheConnectionInfraSets()
    {
        var triggers = Metadata().Where(f => f.TriggerType == "serviceBusTrigger").ToList();

        Assert.Equal(FunctionTriggers.ConsumedQueues.Order(), triggers.Select(t => t.Text("queueName")!).Order());
        Assert.All(triggers, t => Assert.Equal(FunctionTriggers.ServiceBusConnection, t.Text("connection")));
        Assert.All(triggers, t => Assert.Equal("One", t.Text("cardinality") ?? "One", StringComparer.OrdinalIgnoreCase));
        Assert.Contains($"{FunctionTriggers.ServiceBusConnection}__fullyQualifiedNamespace:", FunctionAppModule());
    }

    [Fact]
    public void GivenTheGeneratedMetadata_WhenRead_ThenTheWebhookAndHealthAreAnonymousAndEveryOtherRouteNeedsAFunctionKey()
    {
        var http = Metadata().Where(f => f.TriggerType == "httpTrigger").ToDictionary(f => f.Text("route")!, f => f.Text("authLevel"));

        Assert.Equal(HttpAreas.All.Concat([HttpAreas.Workflows, HttpAreas.WorkflowShipmentAction, HttpAreas.WorkflowCancel]).Order(), http.Keys.Order());
        Assert.Equal("Anonymous", http[HttpAreas.Webhooks]);
        Assert.Equal("Anonymous", http[HttpAreas.Health]);
        Assert.Equal("Anonymous", http[HttpAreas.ConsoleAssets]);
        Assert.All(http.Where(r => r.Key is not HttpAreas.Webhooks and not HttpAreas.Health and not HttpAreas.ConsoleAssets),
            r => Assert.Equal("Function", r.Value));
        Assert.Equal("api", HostJson().RoutePrefix);
    }

    [Fact]
    public void GivenTheGeneratedMetadata_WhenRead_ThenEveryTimerRunsOnTheScheduleHostJsonAndTheLocalRuntimeUse()
    {
        var timers = Metadata().Where(f => f.TriggerType == "timerTrigger").ToDictionary(f => f.Name, f => f.Text("schedule"));
        var hostJson = HostJson();

        Assert.Equal(FunctionTriggers.Timers.Select(t => t.Name).Order(), timers.Keys.Order());
        Assert.All(FunctionTriggers.Timers, t => Assert.Equal(hostJson.Schedule(t.Name, t.Schedule), timers[t.Name]));
        Assert.Equal(hostJson.Schedule(TimerWorkers.DedupCleanup, "none"), timers[TimerWorkers.DedupCleanup]);
    }

    [Fact]
    public void GivenTheGeneratedMetadata_WhenRead_ThenTheOrchestrationItsStepAndTheDurableClientsAreDeclared()
    {
        var functions = Metadata().ToDictionary(f => f.Name);

        Assert.Equal("orchestrationTrigger", functions[OrderOrchestration.Name].TriggerType);
        Assert.Equal("activityTrigger", functions[OrderOrchestration.StepActivity].TriggerType);
        var clients = functions.Values.Where(f => f.Bindings.Any(b => b.GetProperty("type").GetString() == "durableClient")).Select(f => f.Name).Order();
        Assert.Equal(["OrderEvents", "OrderWorkflowCancel", "OrderWorkflowShipmentAction", "OrderWorkflowStatus"], clients);
    }

    [Fact]
    public void GivenHostJsonsDurableSettings_WhenRead_ThenTheHubIsValidAndLivesInTheStorageAccountInfraGivesTheApp()
    {
        var durable = HostJsonExtension("durableTask");
        var provider = durable.GetProperty("storageProvider");
        var hub = durable.GetProperty("hubName").GetString()!;

        // Azure Storage task hub names: 3 to 45 letters and digits, starting with a letter.
        Assert.Matches(new Regex("^[A-Za-z][A-Za-z0-9]{2,44}$"), hub);
        Assert.Equal("AzureStorage", provider.GetProperty("type").GetString());
        var connection = provider.GetProperty("connectionName").GetString()!;
        Assert.Contains($"{connection}__accountName:", FunctionAppModule());
        Assert.Contains($"{connection}__clientId:", FunctionAppModule());
    }

    [Fact]
    public void GivenHostJsonsServiceBusSettings_WhenRead_ThenTheHostCompletesOnReturnAndRenewsLocksWhileAHandlerRuns()
    {
        var serviceBus = HostJsonExtension("serviceBus");

        Assert.True(serviceBus.GetProperty("autoCompleteMessages").GetBoolean());
        Assert.True(TimeSpan.Parse(serviceBus.GetProperty("maxAutoLockRenewalDuration").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            >= TimeSpan.FromMinutes(5));
    }
}

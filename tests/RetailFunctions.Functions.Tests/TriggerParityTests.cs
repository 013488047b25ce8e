using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Host.Modules;
using RetailFunctions.Host.Settings;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline;

namespace RetailFunctions.Functions.Tests;

/// <summary>Every trigger the local runtime has has its Functions twin, with the same name, schedule or route.</summary>
public sealed partial class TriggerParityTests
{
    /// <summary>The queues QueueWorkers routes itself; the modules add the rest as QueueRoute registrations.</summary>
    private static readonly string[] BuiltInQueues = [QueueNames.ShopifyWebhooks, QueueNames.PosBatches, QueueNames.ChannelAvailability, QueueNames.InventoryCommands];

    private static ServiceCollection LocalRuntimeModules()
    {
        // With an ERP configured, so that the finance module registers everything it can.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Erp:BaseUrl"] = "http://erp.test/" }).Build();
        var services = new ServiceCollection();
        services.AddOrders(configuration);
        services.AddCustomers(configuration);
        services.AddFinance(configuration);
        services.AddReconciliation(configuration);
        return services;
    }

    private static IEnumerable<T> Registered<T>(ServiceCollection services) =>
        services.Where(d => d.ServiceType == typeof(T) && d.ImplementationInstance is T).Select(d => (T)d.ImplementationInstance!);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (RetailFunctions.sln) not found above the test binaries");
    }

    [Fact]
    public void GivenTheLocalRuntimesModuleTimers_WhenCompared_ThenEachHasAFunctionsTimerWithTheSameSchedule()
    {
        var local = Registered<TimerJob>(LocalRuntimeModules()).Select(j => new TimerTrigger(j.Name, j.DefaultSchedule)).ToList();

        Assert.NotEmpty(local);
        foreach (var timer in local) Assert.Contains(timer, FunctionTriggers.Timers);
    }

    [Fact]
    public void GivenTheDedupCleanupTimer_WhenCompared_ThenItsNameAndHostJsonScheduleMatch()
    {
        var hostJson = HostJson.Read(Path.Combine(RepositoryRoot(), "host.json"));

        Assert.Equal(TimerWorkers.DedupCleanup, FunctionTriggers.DedupCleanup);
        Assert.Equal(FunctionTriggers.DedupCleanupSchedule, hostJson.Schedule(TimerWorkers.DedupCleanup, "none"));
    }

    [Fact]
    public void GivenTheFunctionsTimers_WhenCompared_ThenNoneIsMissingFromTheLocalRuntime()
    {
        var local = Registered<TimerJob>(LocalRuntimeModules()).Select(j => j.Name).Append(TimerWorkers.DedupCleanup).ToHashSet();

        Assert.Equal(local.Order(), FunctionTriggers.Timers.Select(t => t.Name).Order());
    }

    [Fact]
    public void GivenHostJsonTimerOverrides_WhenCompared_ThenTheyEqualTheFunctionsSchedules()
    {
        // Functions timers read their schedule from the attribute; an override in host.json would only change the local runtime.
        var hostJson = HostJson.Read(Path.Combine(RepositoryRoot(), "host.json"));

        foreach (var timer in FunctionTriggers.Timers)
            Assert.Equal(timer.Schedule, hostJson.Schedule(timer.Name, timer.Schedule));
    }

    [Fact]
    public void GivenTheLocalRuntimesQueueRoutes_WhenCompared_ThenEveryConsumedQueueHasAServiceBusTrigger()
    {
        var local = Registered<QueueRoute>(LocalRuntimeModules()).Select(r => r.Queue).Concat(BuiltInQueues).ToHashSet();

        Assert.Equal(local.Order(), FunctionTriggers.ConsumedQueues.Order());
    }

    [Fact]
    public void GivenResourceNames_WhenCompared_ThenEveryQueueIsConsumedExceptTheAlertsOutbox()
    {
        var expected = FunctionTriggers.ConsumedQueues.Append(QueueNames.InventoryAlerts).Order();

        Assert.Equal(ResourceNameList.Embedded.Queues.Order(), expected);
    }

    [Fact]
    public void GivenEveryRouteTheLocalRuntimeMaps_WhenCompared_ThenAnHttpFunctionCoversItsFirstSegment()
    {
        var api = Path.Combine(RepositoryRoot(), "functions", "RetailFunctions.Host");
        var routes = Directory.EnumerateFiles(api, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => MappedRoute().Matches(File.ReadAllText(f)).Select(m => m.Groups["route"].Value))
            .ToList();
        var areas = HttpAreas.All.Select(HttpAreas.FirstSegment).ToHashSet();

        Assert.True(routes.Count > 40, $"only {routes.Count} routes found");
        Assert.All(routes, route => Assert.Contains(route.TrimStart('/').Split('/')[0], areas));
    }

    [Fact]
    public void GivenHttpAreas_WhenCompared_ThenNoTwoShareAFirstSegment()
    {
        var segments = HttpAreas.All.Select(HttpAreas.FirstSegment).ToList();

        Assert.Equal(segments.Count, segments.Distinct().Count());
        Assert.DoesNotContain("workflows", segments);
    }

    [GeneratedRegex("""\.Map(?:Get|Post|Put|Delete|Patch|OpenApi)\("(?<route>/[^"]*)""")]
    private static partial Regex MappedRoute();
}

/// <summary>The settings the Functions app reads are the ones infra gives it.</summary>
public sealed class InfraSettingsTests
{
    private static string FunctionAppPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln")))
                return Path.Combine(dir.FullName, "infra", "modules", "functionapp.bicep");
        throw new InvalidOperationException("repository root not found");
    }

    private static string FunctionAppModule() => File.ReadAllText(FunctionAppPath());

    [Theory]
    [InlineData("__fullyQualifiedNamespace")]
    [InlineData("__clientId")]
    [InlineData("__credential")]
    public void GivenTheServiceBusConnectionName_WhenInfraSetsTheAppSettings_ThenTheyAreNamedAfterIt(string suffix)
    {
        Assert.Contains($"{FunctionTriggers.ServiceBusConnection}{suffix}:", FunctionAppModule());
    }

    [Fact]
    public void GivenHostJsonsDequeueCount_WhenInfraCreatesTheQueues_ThenTheBrokerDeadLettersAfterAsManyDeliveries()
    {
        // The trigger dead-letters a failing message itself on its last delivery (host.json); the broker's own limit must match.
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(FunctionAppPath())))!;
        var main = File.ReadAllText(Path.Combine(root, "infra", "main.bicep"));
        var hostJson = RetailFunctions.Host.Settings.HostJson.Read(Path.Combine(root, "host.json"));

        var infra = System.Text.RegularExpressions.Regex.Match(main, @"param maxDeliveryCount int = (\d+)");

        Assert.True(infra.Success, "infra/main.bicep declares no maxDeliveryCount default");
        Assert.Equal(hostJson.Queues.MaxDequeueCount, int.Parse(infra.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__accountName:")]
    [InlineData("AzureWebJobsStorage__clientId:")]
    [InlineData("name: 'dotnet-isolated'")]
    public void GivenTheStorageAndRuntimeTheAppExpects_WhenInfraDeploysIt_ThenTheyAreSet(string setting)
    {
        Assert.Contains(setting, FunctionAppModule());
    }
}

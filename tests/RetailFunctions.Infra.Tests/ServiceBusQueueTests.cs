using System.Text.Json.Nodes;
using System.Xml;
using RetailFunctions.Infra.Tests.Support;

namespace RetailFunctions.Infra.Tests;

/// <summary>Service Bus queues behave like the local runtime's storage queues configured in host.json.</summary>
public sealed class ServiceBusQueueTests
{
    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    private static (ArmTemplate Template, ArmResource Queues) Queues => Infra.Single("Microsoft.ServiceBus/namespaces/queues");

    private static JsonNode? Setting(string property)
    {
        var (template, queues) = Queues;
        return template.Resolve(queues.Properties[property]);
    }

    private static JsonNode HostJsonQueues()
    {
        Assert.True(File.Exists(RepositoryPaths.HostJson), $"{RepositoryPaths.HostJson} is missing; it sets extensions.queues.");
        return CompiledInfrastructure.ReadJsonFile(RepositoryPaths.HostJson)["extensions"]?["queues"]
            ?? throw new InvalidOperationException("host.json has no extensions.queues section.");
    }

    [Fact]
    public void MaxDeliveryCount_IsHostJsonMaxDequeueCount()
    {
        var maxDequeueCount = HostJsonQueues()["maxDequeueCount"]!.GetValue<int>();

        Assert.Equal(maxDequeueCount, Setting("maxDeliveryCount")!.GetValue<int>());
        Assert.Equal(maxDequeueCount, Infra.Main.Parameters["maxDeliveryCount"]!["defaultValue"]!.GetValue<int>());
    }

    [Fact]
    public void LockDuration_IsHostJsonVisibilityTimeout()
    {
        var visibilityTimeout = TimeSpan.Parse(HostJsonQueues()["visibilityTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(visibilityTimeout, XmlConvert.ToTimeSpan(Setting("lockDuration")!.GetValue<string>()));
        Assert.Equal(visibilityTimeout, XmlConvert.ToTimeSpan(Infra.Main.Parameters["lockDuration"]!["defaultValue"]!.GetValue<string>()));
    }

    [Fact]
    public void Queues_DetectDuplicatesForFourHours_AndDeadLetterExpiredMessages()
    {
        Assert.True(Setting("requiresDuplicateDetection")!.GetValue<bool>());
        Assert.Equal(TimeSpan.FromHours(4), XmlConvert.ToTimeSpan(Setting("duplicateDetectionHistoryTimeWindow")!.GetValue<string>()));
        Assert.True(Setting("deadLetteringOnMessageExpiration")!.GetValue<bool>());
    }

    [Fact]
    public void Sessions_AreOffByDefault_AndSwitchedPerQueueByAParameter()
    {
        var (_, queues) = Queues;

        Assert.Equal("[contains(parameters('sessionQueueNames'), parameters('queueNames')[copyIndex()])]",
            queues.Properties["requiresSession"]?.ToString());
        Assert.Empty(Infra.Main.Parameters["sessionQueueNames"]!["defaultValue"]!.AsArray());
        foreach (var (file, parameters) in Infra.ParameterFiles)
        {
            var sessions = parameters["parameters"]?["sessionQueueNames"]?["value"]?.AsArray();
            Assert.True(sessions is null || sessions.Count == 0, $"{file} turns sessions on.");
        }
    }
}

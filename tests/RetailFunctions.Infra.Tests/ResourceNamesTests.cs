using System.Reflection;
using System.Text.Json.Nodes;
using RetailFunctions.Infra.Tests.Support;

namespace RetailFunctions.Infra.Tests;

/// <summary>infra/resource-names.json is the one list of queue, table and container names: the code embeds it
/// and the template creates every name in it.</summary>
public sealed class ResourceNamesTests
{
    private static CompiledInfrastructure Infra => CompiledInfrastructure.Instance;

    private static JsonNode NamesFile => CompiledInfrastructure.ReadJsonFile(RepositoryPaths.ResourceNamesJson);

    private static IReadOnlyList<string> NamesIn(string list) =>
        NamesFile[list]?.AsArray().Select(n => n!.GetValue<string>()).ToList()
        ?? throw new InvalidOperationException($"resource-names.json has no '{list}' list.");

    [Fact]
    public void TheListEmbeddedInThePipelineAssembly_IsTheFileInInfra()
    {
        var pipeline = Assembly.Load(new AssemblyName("RetailFunctions.Pipeline"));
        using var stream = pipeline.GetManifestResourceStream("resource-names.json");
        Assert.True(stream is not null, "RetailFunctions.Pipeline does not embed the manifest resource 'resource-names.json'.");
        using var reader = new StreamReader(stream);
        var embedded = JsonNode.Parse(reader.ReadToEnd());

        Assert.True(JsonNode.DeepEquals(NamesFile, embedded),
            $"The names embedded in RetailFunctions.Pipeline differ from infra/resource-names.json:\n{embedded?.ToJsonString()}");
    }

    [Fact]
    public void TheTemplate_LoadsTheFileUnchanged()
    {
        var loaded = Infra.Main.Resolve(JsonValue.Create("[variables('resourceNames')]"));

        Assert.True(JsonNode.DeepEquals(NamesFile, loaded),
            $"main.bicep's resourceNames is not loadJsonContent('resource-names.json'): {loaded?.ToJsonString()}");
    }

    [Theory]
    [InlineData("Microsoft.ServiceBus/namespaces/queues", "queues")]
    [InlineData("Microsoft.Storage/storageAccounts/queueServices/queues", "queues")]
    [InlineData("Microsoft.Storage/storageAccounts/tableServices/tables", "tables")]
    [InlineData("Microsoft.Storage/storageAccounts/blobServices/containers", "containers")]
    public void EveryNameInTheList_IsCreatedByALoopOverTheList(string resourceType, string list)
    {
        var expected = NamesIn(list);
        Assert.NotEmpty(expected);

        var loops = Infra.ResourcesOfType(resourceType).Where(r => r.Resource.IsLoop).ToList();
        Assert.True(loops.Count == 1, $"Expected one loop creating {resourceType}, found {loops.Count}.");
        var (template, loop) = loops[0];
        var created = loop.ExpandLoopNames(template);

        Assert.Equal(expected, created);
    }

    [Fact]
    public void TheRawArchiveContainer_IsInTheList()
    {
        Assert.Contains("raw-archive", NamesIn("containers"));
    }

    [Fact]
    public void ListedNames_AreValidAzureNames()
    {
        foreach (var queue in NamesIn("queues"))
            Assert.Matches("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", queue);
        foreach (var table in NamesIn("tables"))
            Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,62}$", table);
        foreach (var container in NamesIn("containers"))
            Assert.Matches("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", container);
    }
}

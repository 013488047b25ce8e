using System.Xml.Linq;
using RetailFunctions.Domain.Inventory;

namespace RetailFunctions.Domain.Tests;

/// <summary>The domain is pure: it references nothing beyond the base class library, and dependencies point one way.</summary>
public sealed class DependencyRulesTests
{
    [Fact]
    public void DomainAssemblyReferencesOnlyTheBaseClassLibrary()
    {
        var references = typeof(StockLedger).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.True(name == "System" || name.StartsWith("System.", StringComparison.Ordinal) || name == "netstandard",
            $"the domain references {name}, which is not part of the base class library"));
    }

    [Fact]
    public void DomainProjectHasNoPackageOrProjectReferences()
    {
        var project = XDocument.Load(ProjectFile("RetailFunctions.Domain"));
        Assert.Empty(project.Descendants("PackageReference"));
        Assert.Empty(project.Descendants("ProjectReference"));
        Assert.Empty(project.Descendants("FrameworkReference"));
    }

    [Theory]
    [InlineData("RetailFunctions.Pipeline", new[] { "RetailFunctions.Domain" })]
    [InlineData("RetailFunctions.Storage", new[] { "RetailFunctions.Pipeline" })]
    [InlineData("RetailFunctions.Host", new[] { "RetailFunctions.Storage" })]
    public void DependenciesPointOneWay(string project, string[] allowed)
    {
        var references = XDocument.Load(ProjectFile(project)).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        Assert.Equal(allowed, references);
    }

    [Fact]
    public void PipelineUsesNoPackages() =>
        Assert.Empty(XDocument.Load(ProjectFile("RetailFunctions.Pipeline")).Descendants("PackageReference"));

    [Fact]
    public void EveryPipelineFileDeclaresTheNamespaceOfItsCapabilityFolder()
    {
        var root = ProjectDirectory("RetailFunctions.Pipeline");
        var misplaced = PipelineSources(root)
            .Where(file => !DeclaredNamespace(file.Text).Equals(ExpectedNamespace(root, file.Path), StringComparison.Ordinal))
            .Select(file => $"{Path.GetRelativePath(root, file.Path)} declares {DeclaredNamespace(file.Text)}")
            .ToList();
        Assert.Empty(misplaced);
        Assert.False(Directory.Exists(Path.Combine(root, "Handlers")), "handlers belong in their capability's folder");
    }

    [Fact]
    public void OnlyTheIngestionEdgesDependOnIngestion()
    {
        // Capabilities (inventory, orders, finance...) are driven by the ingestion edges, never the reverse.
        var root = ProjectDirectory("RetailFunctions.Pipeline");
        var offenders = PipelineSources(root)
            .Where(file => DeclaredNamespace(file.Text) != "RetailFunctions.Pipeline.Ingestion")
            .Where(file => file.Text.Contains("RetailFunctions.Pipeline.Ingestion", StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(root, file.Path))
            .ToList();
        Assert.Empty(offenders);
    }

    private static IEnumerable<(string Path, string Text)> PipelineSources(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(root, path))
            .Select(path => (path, File.ReadAllText(path)));

    private static bool IsBuildOutput(string root, string path)
    {
        var first = Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar)[0];
        return first is "obj" or "bin";
    }

    private static string DeclaredNamespace(string source) =>
        source.Split('\n').Select(line => line.Trim())
            .FirstOrDefault(line => line.StartsWith("namespace ", StringComparison.Ordinal))?["namespace ".Length..].TrimEnd(';')
        ?? "(none)";

    private static string ExpectedNamespace(string root, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetRelativePath(root, path))!;
        return folder.Length == 0 ? "RetailFunctions.Pipeline" : "RetailFunctions.Pipeline." + folder.Replace(Path.DirectorySeparatorChar, '.');
    }

    private static string ProjectDirectory(string name) => Path.GetDirectoryName(ProjectFile(name))!;

    private static string ProjectFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "functions", name, $"{name}.csproj");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{name}.csproj not found above {AppContext.BaseDirectory}");
    }
}

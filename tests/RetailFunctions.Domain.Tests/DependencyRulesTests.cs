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

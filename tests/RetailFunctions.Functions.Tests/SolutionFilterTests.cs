using System.Text.Json;
using System.Text.RegularExpressions;

namespace RetailFunctions.Functions.Tests;

/// <summary>
/// eng/test.sh builds RetailFunctions.Local.slnf: the solution minus the Azure Functions app. A project added to the
/// solution but not to the filter would silently go unbuilt and untested.
/// </summary>
public sealed partial class SolutionFilterTests
{
    private const string FunctionsApp = @"functions\RetailFunctions.Functions\RetailFunctions.Functions.csproj";

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    private static List<string> SolutionProjects() =>
        SolutionProject().Matches(File.ReadAllText(Path.Combine(Root(), "RetailFunctions.sln"))).Select(m => m.Groups["path"].Value).ToList();

    private static List<string> FilterProjects()
    {
        using var filter = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), "RetailFunctions.Local.slnf")));
        return filter.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray().Select(p => p.GetString()!).ToList();
    }

    [Fact]
    public void GivenTheSolution_WhenFiltered_ThenEveryProjectButTheFunctionsAppIsBuiltLocally()
    {
        var expected = SolutionProjects().Where(p => p != FunctionsApp).Order(StringComparer.Ordinal);

        Assert.Equal(expected, FilterProjects().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GivenTheSolution_WhenRead_ThenItHoldsTheFunctionsApp()
    {
        Assert.Contains(FunctionsApp, SolutionProjects());
        Assert.DoesNotContain(FunctionsApp, FilterProjects());
    }

    [GeneratedRegex("""Project\("\{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC\}"\) = "[^"]+", "(?<path>[^"]+\.csproj)""")]
    private static partial Regex SolutionProject();
}

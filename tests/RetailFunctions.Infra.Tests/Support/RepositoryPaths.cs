namespace RetailFunctions.Infra.Tests.Support;

/// <summary>Paths inside the repository the tests run from.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = LocateRoot();

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    public static string ResourceNamesJson => Path.Combine(Infra, "resource-names.json");

    public static string HostJson => Path.Combine(Root, "host.json");

    public static string BicepScript => Path.Combine(Root, "eng", "bicep.sh");

    private static string LocateRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException(
            $"RetailFunctions.sln was not found above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}

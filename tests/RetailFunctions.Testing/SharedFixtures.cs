namespace RetailFunctions.Testing;

/// <summary>
/// Locates the third-party sample files in ../shared/fixtures beside the repository. They are never copied into
/// the project; tests that need them skip with a clear message when the folder is absent.
/// </summary>
public static class SharedFixtures
{
    public const string MissingMessage =
        "../shared/fixtures is not beside the repository; third-party conformance samples are unavailable, test skipped.";

    /// <summary>The fixtures folder, or null when it is not there.</summary>
    public static string? Root { get; } = Locate();

    public static string PathOf(string relative) =>
        Path.Combine(Root ?? throw new InvalidOperationException(MissingMessage), relative);

    private static string? Locate()
    {
        var override_ = Environment.GetEnvironmentVariable("RETAILFUNCTIONS_SHARED_FIXTURES");
        if (!string.IsNullOrEmpty(override_))
            return Directory.Exists(override_) ? override_ : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }
}

using RetailFunctions.Testing;

namespace RetailFunctions.Cli.Tests;

/// <summary>Runs the CLI in process, as `retail ...` would run, and keeps what it printed.</summary>
public static class Cli
{
    public sealed record Run(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    public static async Task<Run> RunAsync(params string[] args) => await RunWithEnvironmentAsync(new Dictionary<string, string>(), args);

    public static async Task<Run> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Program.RunAsync(args, output, error, name => environment.TryGetValue(name, out var value) ? value : null);
        return new Run(exit, output.ToString(), error.ToString());
    }

    /// <summary>An address where nothing listens.</summary>
    public static string ClosedUrl() => $"http://127.0.0.1:{Azurite.FreePort()}";
}

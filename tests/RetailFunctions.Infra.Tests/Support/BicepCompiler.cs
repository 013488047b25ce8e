using System.Diagnostics;

namespace RetailFunctions.Infra.Tests.Support;

/// <summary>
/// Runs the real Bicep compiler. The binary is found the way eng/bicep.sh finds it (that script with --locate:
/// the Azure.Bicep.CommandLine.linux-x64 NuGet package, restored through eng/BicepTool when missing), or at
/// BICEP_PATH when that variable is set. A missing compiler is a failure, never a skip.
/// </summary>
public static class BicepCompiler
{
    private static readonly TimeSpan LocateTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CompileTimeout = TimeSpan.FromMinutes(2);

    public static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("BICEP_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            if (!File.Exists(fromEnvironment))
                throw new InvalidOperationException($"BICEP_PATH is set to '{fromEnvironment}', which does not exist.");
            return fromEnvironment;
        }

        if (!File.Exists(RepositoryPaths.BicepScript))
            throw new InvalidOperationException($"The Bicep compiler cannot be located: {RepositoryPaths.BicepScript} is missing.");

        var result = Run("bash", [RepositoryPaths.BicepScript, "--locate"], LocateTimeout);
        var path = result.StandardOutput.Trim().Split('\n').LastOrDefault()?.Trim();
        if (result.ExitCode != 0 || string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                "The Bicep compiler (NuGet package Azure.Bicep.CommandLine.linux-x64) could not be found or restored. " +
                "Run 'bash eng/bicep.sh --locate' to see why, or set BICEP_PATH to a bicep binary. " +
                $"Exit code {result.ExitCode}; output: {result.StandardOutput} {result.StandardError}");
        }
        return path;
    }

    /// <summary>Runs bicep with the arguments; returns the diagnostics it printed. Throws when it fails.</summary>
    public static string Run(string bicep, params string[] arguments)
    {
        var result = Run(bicep, arguments, CompileTimeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"bicep {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.StandardError}\n{result.StandardOutput}");
        }
        return (result.StandardError + result.StandardOutput).Trim();
    }

    private static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        startInfo.Environment["BICEP_TRACING_ENABLED"] = "false";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, standardOutput.Result, standardError.Result);
    }

    private sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
}

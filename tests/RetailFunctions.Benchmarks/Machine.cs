using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace RetailFunctions.Benchmarks;

/// <summary>What the figures were measured on.</summary>
public sealed record Machine(
    int Cores, string Cpu, string Os, string Architecture, string DotNet, string Gc, string Node, string Azurite)
{
    public static Machine Describe() => new(
        Environment.ProcessorCount,
        CpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString(),
        RuntimeInformation.FrameworkDescription,
        (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Interactive ? ", concurrent" : ""),
        NodeVersion(),
        AzuriteVersion());

    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine skews every figure.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string NodeVersion()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (node is null) return "unknown";
            var version = node.StandardOutput.ReadToEnd().Trim();
            node.WaitForExit(5000);
            return version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found";
        }
    }

    private static string AzuriteVersion()
    {
        try
        {
            var package = Path.Combine(Path.GetDirectoryName(RetailFunctions.Testing.Azurite.ScriptPath)!, "..", "..", "package.json");
            using var json = JsonDocument.Parse(File.ReadAllText(package));
            return json.RootElement.GetProperty("version").GetString() ?? "unknown";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or JsonException or KeyNotFoundException)
        {
            return "unknown";
        }
    }
}

using Xunit;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RetailFunctions.Testing;

/// <summary>
/// A real Azurite (the Azure Storage emulator, installed by the test command under eng/azurite) on free loopback
/// ports, in memory. Started per test class fixture and killed on dispose; its pid is also written to
/// RETAILFUNCTIONS_PID_DIR so the test command can stop it if the test process dies first.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    // The emulator's published development account: not a secret, it opens nothing but a local emulator.
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;
    private readonly List<string> _errors = [];
    private readonly int _blobPort = FreePort(), _queuePort = FreePort(), _tablePort = FreePort();

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_blobPort}/{DevAccount};QueueEndpoint=http://127.0.0.1:{_queuePort}/{DevAccount};" +
        $"TableEndpoint=http://127.0.0.1:{_tablePort}/{DevAccount};";

    /// <summary>The processor time the emulator has used so far (user and system), and its resident memory in bytes.</summary>
    public (TimeSpan ProcessorTime, long ResidentBytes) Usage
    {
        get
        {
            var process = _process ?? throw new InvalidOperationException("Azurite is not running");
            process.Refresh();
            return (process.TotalProcessorTime, process.WorkingSet64);
        }
    }

    /// <summary>
    /// Free ports are picked before the emulator binds them, so another process starting at the same moment may take
    /// one first; the emulator then exits at once, and it is started again on fresh ports.
    /// </summary>
    public static async Task<Azurite> StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var azurite = new Azurite();
            try
            {
                await azurite.StartProcessAsync();
                return azurite;
            }
            catch (ExitedBeforeListeningException) when (attempt < 3)
            {
                azurite.Kill();
            }
        }
    }

    private sealed class ExitedBeforeListeningException(int exitCode, string errors)
        : InvalidOperationException($"Azurite exited with code {exitCode} before listening: {errors}");

    public static string ScriptPath
    {
        get
        {
            var root = RepositoryRoot.Find();
            var script = Path.Combine(root, "eng", "azurite", "node_modules", "azurite", "dist", "src", "azurite.js");
            return File.Exists(script)
                ? script
                : throw new InvalidOperationException($"Azurite is not installed at {script}: run the test command (bash eng/test.sh), which installs it with npm.");
        }
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            ScriptPath, "--silent", "--disableTelemetry", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", _blobPort.ToString(), "--queuePort", _queuePort.ToString(), "--tablePort", _tablePort.ToString(),
        })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("node could not be started");
        _errors.Clear();
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line) lock (_errors) { if (_errors.Count < 20) _errors.Add(line); }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        PidFiles.Write("azurite", _process.Id);
        await WaitForPortsAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Kills and starts the emulator again on the same ports (all data is lost: it runs in memory).</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartProcessAsync();
    }

    private async Task WaitForPortsAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in new[] { _blobPort, _queuePort, _tablePort })
        {
            while (true)
            {
                if (_process!.HasExited)
                {
                    _process.WaitForExit();
                    lock (_errors) throw new ExitedBeforeListeningException(_process.ExitCode, string.Join(" | ", _errors));
                }
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }
    }

    private void Kill()
    {
        if (_process is null) return;
        try
        {
            // Azurite's first SIGTERM only closes its ports; tests need it gone.
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        PidFiles.Remove("azurite", _process.Id);
        _process.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Pid files of processes tests start, so the test command can clean up after a crashed test run.</summary>
public static class PidFiles
{
    private static string? Dir => Environment.GetEnvironmentVariable("RETAILFUNCTIONS_PID_DIR");

    public static void Write(string name, int pid)
    {
        if (Dir is { } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, $"{name}-{pid}.pid"), pid.ToString());
        }
    }

    public static void Remove(string name, int pid)
    {
        if (Dir is { } dir) File.Delete(Path.Combine(dir, $"{name}-{pid}.pid"));
    }
}

public static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"RetailFunctions.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>An xUnit class fixture owning one Azurite for the tests of a class.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public Azurite Azurite { get; private set; } = null!;
    public string ConnectionString => Azurite.ConnectionString;

    public async Task InitializeAsync() => Azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

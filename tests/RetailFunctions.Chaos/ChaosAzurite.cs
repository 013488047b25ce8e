using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RetailFunctions.Testing;

namespace RetailFunctions.Chaos;

/// <summary>
/// Azurite for a chaos run: like the tests' emulator on free loopback ports, but keeping its data in a folder
/// (--location) instead of in memory, so it can be stopped and started again on the same ports with every queue,
/// table and blob intact. A restart is a graceful stop: SIGINT makes Azurite close its three services, saving their
/// metadata (each prints "successfully closed"); node then lingers, so once all three have closed (or after 20 s) the
/// process is killed.
/// </summary>
public sealed class ChaosAzurite : IAsyncDisposable
{
    // The emulator's published development account: not a secret, it opens nothing but a local emulator.
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly int _blobPort = Azurite.FreePort(), _queuePort = Azurite.FreePort(), _tablePort = Azurite.FreePort();
    private readonly string _location = Path.Combine(Path.GetTempPath(), $"retailfunctions-chaos-azurite-{Guid.NewGuid():N}");
    private Process? _process;
    private int _closed;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_blobPort}/{DevAccount};QueueEndpoint=http://127.0.0.1:{_queuePort}/{DevAccount};" +
        $"TableEndpoint=http://127.0.0.1:{_tablePort}/{DevAccount};";

    public int Restarts { get; private set; }

    /// <summary>Stops in which all three services reported their data saved before the process was ended.</summary>
    public int GracefulStops { get; private set; }

    public static async Task<ChaosAzurite> StartAsync()
    {
        var azurite = new ChaosAzurite();
        Directory.CreateDirectory(azurite._location);
        await azurite.StartProcessAsync();
        return azurite;
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            Azurite.ScriptPath, "--silent", "--disableTelemetry", "--location", _location, "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", _blobPort.ToString(), "--queuePort", _queuePort.ToString(), "--tablePort", _tablePort.ToString(),
        })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("node could not be started");
        _closed = 0;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("successfully closed", StringComparison.Ordinal) == true) Interlocked.Increment(ref _closed);
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        PidFiles.Write("azurite", _process.Id);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        foreach (var port in new[] { _blobPort, _queuePort, _tablePort })
        {
            while (true)
            {
                if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before listening");
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

    /// <summary>Stops Azurite gracefully and starts it again on the same ports and folder; returns how long storage was down.</summary>
    public async Task<TimeSpan> RestartAsync(TimeSpan downtime)
    {
        var clock = Stopwatch.StartNew();
        await StopAsync(graceful: true);
        await Task.Delay(downtime);
        await StartProcessAsync();
        Restarts++;
        return clock.Elapsed;
    }

    private async Task StopAsync(bool graceful)
    {
        if (_process is null) return;
        try
        {
            if (graceful && !_process.HasExited)
            {
                using (var signal = Process.Start("kill", ["-INT", _process.Id.ToString()])) await signal.WaitForExitAsync();
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (!_process.HasExited && Volatile.Read(ref _closed) < 3 && DateTime.UtcNow < deadline)
                    await Task.Delay(100);
                GracefulStops += Volatile.Read(ref _closed) >= 3 ? 1 : 0;
            }
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync(graceful: false);
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace RetailFunctions.Testing;

/// <summary>
/// The local runtime as a real child process (the published RetailFunctions.Host.dll next to the tests), serving real
/// HTTP on a free loopback port. It can be killed mid-run and started again, as a crash would.
/// </summary>
public sealed class RuntimeProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _settings;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public RuntimeProcess(IReadOnlyDictionary<string, string> settings, int? port = null)
    {
        Port = port ?? Azurite.FreePort();
        _settings = new Dictionary<string, string>(settings) { ["Host__Urls"] = $"http://127.0.0.1:{Port}" };
    }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public string Output => string.Join('\n', _output);

    /// <summary>The processor time the runtime has used so far (user and system), which machine load does not inflate.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            var process = _process ?? throw new InvalidOperationException("the runtime is not running");
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    public async Task StartAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "RetailFunctions.Host.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in _settings) info.Environment[key] = value;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        _process = Process.Start(info) ?? throw new InvalidOperationException("the runtime could not be started");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        PidFiles.Write("runtime", _process.Id);

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the runtime exited with code {_process.ExitCode}:\n{Output}");
            try
            {
                var response = await http.GetAsync("api/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the runtime did not become healthy in 240 s:\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>Ends the process at once, with no chance to finish what it was doing.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        PidFiles.Remove("runtime", _process.Id);
        _process.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}

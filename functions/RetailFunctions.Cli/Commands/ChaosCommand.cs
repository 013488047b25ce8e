using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;

namespace RetailFunctions.Cli.Commands;

/// <summary>
/// retail chaos: runs the chaos harness (tests/RetailFunctions.Chaos) from the source tree with `dotnet run`, passing
/// the options through, and returns its verdict. The harness starts its own Azurite and runtimes; it needs the
/// repository, the .NET SDK and node (for Azurite).
/// </summary>
public static class ChaosCommand
{
    public const string HarnessProject = "tests/RetailFunctions.Chaos/RetailFunctions.Chaos.csproj";

    /// <summary>The harness's switches, each turning one fault off.</summary>
    public static readonly (string Name, string Description)[] Switches =
    [
        ("--no-duplicates", "Do not send webhooks, till batches and store actions twice"),
        ("--no-reorder", "Send the day in order"),
        ("--no-poison", "No poison webhooks and no malformed till transactions"),
        ("--no-kill", "Do not kill and restart a runtime mid-run"),
        ("--no-second-instance", "Run one runtime instead of two consuming the same queues"),
        ("--no-channel-faults", "The fake web store never answers 429/5xx"),
        ("--no-azurite-restart", "Do not stop and start Azurite during the store actions"),
        ("--no-faults", "Every fault off"),
    ];

    public static Command Create(Terminal terminal, Func<string?>? currentDirectory = null)
    {
        var seed = new Option<int?>("--seed") { Description = "Seed of the day (the harness's default is 1)", HelpName = "N" };
        var size = new Option<string?>("--size") { Description = "small (the CI size) or large (the documented long run)", HelpName = "SIZE" }
            .AcceptOnlyFromAmong("small", "large");
        var repo = new Option<string?>("--repo")
        {
            Description = "The RetailFunctions source tree (default: the first folder holding RetailFunctions.sln above the current directory or this tool)",
            HelpName = "PATH",
        };
        var print = new Option<bool>("--print") { Description = "Print the command that would run, and run nothing" };
        var quiet = new Option<bool>("--quiet") { Description = "Only the final report, not the harness's progress lines" };
        var command = new Command("chaos",
            "Run the chaos harness: a seeded retail day (web orders shipped, collected in store, returned in store, refunded; till sales " +
            "by known shoppers) sent to two real runtime processes on a real Azurite with faults injected (duplicates, reordering, poison, " +
            "a runtime killed and restarted, Azurite restarted, web-store 429/5xx), then stock, ledger movements, dead letters, order " +
            "statuses, loyalty balances and journal totals compared with the harness's own oracle. Runs " +
            $"`dotnet run -c Release --project {HarnessProject}` in the source tree (the same as `bash eng/chaos.sh`); it does not use --url. " +
            "Exit code 0 when the run found no differences, 1 otherwise.")
        {
            seed, size, repo, print, quiet,
        };
        var switches = Switches.Select(s => new Option<bool>(s.Name) { Description = s.Description }).ToList();
        foreach (var option in switches) command.Options.Add(option);

        command.SetAction(async (parse, ct) =>
        {
            var root = parse.GetValue(repo) is { Length: > 0 } given ? Path.GetFullPath(given) : FindRepository(currentDirectory?.Invoke() ?? Environment.CurrentDirectory);
            if (root is null || !File.Exists(Path.Combine(root, HarnessProject)))
            {
                CommandRunner.Error(terminal, $"error: the chaos harness ({HarnessProject}) was not found{(root is null ? " above the current directory" : $" in {root}")}.");
                CommandRunner.Error(terminal, "It runs from a clone of the RetailFunctions repository: cd into it and run `retail chaos`, pass --repo PATH, or run `bash eng/chaos.sh`.");
                return ExitCodes.Failed;
            }
            var arguments = new List<string> { "run", "-c", "Release", "--project", Path.Combine(root, HarnessProject), "--" };
            if (parse.GetValue(seed) is { } s) arguments.AddRange(["--seed", s.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (parse.GetValue(size) is { } z) arguments.AddRange(["--size", z]);
            arguments.AddRange(switches.Where(o => parse.GetValue(o)).Select(o => o.Name));
            if (parse.GetValue(quiet)) arguments.Add("--quiet");

            if (parse.GetValue(print))
            {
                terminal.RawOut.WriteLine($"(cd {root} && dotnet {string.Join(' ', arguments.Select(a => a.Contains(' ') ? $"'{a}'" : a))})");
                return ExitCodes.Ok;
            }
            return await RunHarnessAsync(root, arguments, terminal, ct);
        });
        return command;
    }

    private static async Task<int> RunHarnessAsync(string root, IReadOnlyList<string> arguments, Terminal terminal, CancellationToken ct)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("dotnet could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            CommandRunner.Error(terminal, $"error: cannot start dotnet ({e.Message}): the chaos harness needs the .NET SDK on PATH");
            return ExitCodes.Failed;
        }
        using (process)
        {
            var gate = new object();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) terminal.RawOut.WriteLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) terminal.Err.Write(new Text(e.Data + "\n", new Style(Color.Red))); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            process.WaitForExit();
            if (process.ExitCode == 0) return ExitCodes.Ok;
            CommandRunner.Error(terminal, process.ExitCode == 1
                ? "chaos run FAILED: the pipeline's end state differs from the oracle (see the differences above)"
                : $"chaos harness exited with code {process.ExitCode} (2 is a usage error; anything else is a build or start failure, see above)");
            return ExitCodes.Failed;
        }
    }

    /// <summary>The first folder holding RetailFunctions.sln at or above <paramref name="start"/>, then above this tool.</summary>
    public static string? FindRepository(string start)
    {
        foreach (var from in new[] { start, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "RetailFunctions.sln"))) return dir.FullName;
            }
        }
        return null;
    }
}

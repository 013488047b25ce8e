using System.CommandLine;
using RetailFunctions.Cli.Commands;

namespace RetailFunctions.Cli;

/// <summary>The command tree: one file per command group under Commands/.</summary>
public static class CliApp
{
    public static RootCommand Build(GlobalOptions globals, Terminal terminal, Func<string, string?>? environment = null)
    {
        var root = new RootCommand(
            "retail: operate a RetailFunctions runtime over its HTTP API (health, stock, POS batches, exceptions, dead letters, replays, reconciliation, pilot switches, catalog audit, an order's trace, a simulated day, the chaos run). " +
            $"Exit codes: {ExitCodes.Ok} success, {ExitCodes.Failed} the runtime answered with an error or is unhealthy, {ExitCodes.Unreachable} the runtime cannot be reached.");
        // The usage line names the tool, whatever process hosts it (dotnet run, tests).
        root.HelpName = "retail";
        root.Options.Add(globals.Url);
        root.Options.Add(globals.Key);
        root.Options.Add(globals.Json);
        root.Subcommands.Add(HealthCommand.Create(globals, terminal));
        foreach (var command in InventoryCommands.Create(globals, terminal)) root.Subcommands.Add(command);
        root.Subcommands.Add(BatchCommand.Create(globals, terminal));
        root.Subcommands.Add(ExceptionsCommands.Create(globals, terminal));
        root.Subcommands.Add(DeadLettersCommands.Create(globals, terminal));
        root.Subcommands.Add(ReplayCommands.Create(globals, terminal));
        root.Subcommands.Add(ReconcileCommands.Create(globals, terminal));
        root.Subcommands.Add(PilotCommands.Create(globals, terminal));
        root.Subcommands.Add(AuditCommands.Create(globals, terminal));
        root.Subcommands.Add(TraceCommand.Create(globals, terminal));
        root.Subcommands.Add(SimulateCommand.Create(globals, terminal, environment ?? Environment.GetEnvironmentVariable));
        root.Subcommands.Add(ChaosCommand.Create(terminal));
        return root;
    }
}

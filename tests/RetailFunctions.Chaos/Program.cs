using RetailFunctions.Chaos;

// Usage: chaos [--seed N] [--size small|large] [--no-duplicates] [--no-reorder] [--no-poison] [--no-kill]
//              [--no-second-instance] [--no-channel-faults] [--no-azurite-restart] [--no-faults] [--quiet]
// Exit code 0 only when the run found no differences; 2 for a usage error.
var options = new HarnessOptions { Log = Console.WriteLine };
var faults = Faults.All;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out var seed):
            options = options with { Seed = seed };
            i++;
            break;
        case "--size" when i + 1 < args.Length && Enum.TryParse<ScenarioSize>(args[i + 1], ignoreCase: true, out var size):
            options = options with { Size = size };
            i++;
            break;
        case "--no-duplicates": faults = faults with { Duplicates = false }; break;
        case "--no-reorder": faults = faults with { Reorder = false }; break;
        case "--no-poison": faults = faults with { Poison = false }; break;
        case "--no-kill": faults = faults with { Kill = false }; break;
        case "--no-second-instance": faults = faults with { TwoInstances = false }; break;
        case "--no-channel-faults": faults = faults with { ChannelFaults = false }; break;
        case "--no-azurite-restart": faults = faults with { AzuriteRestart = false }; break;
        case "--no-faults": faults = Faults.None; break;
        case "--quiet": options = options with { Log = _ => { } }; break;
        default:
            Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'");
            Console.Error.WriteLine("usage: chaos [--seed N] [--size small|large] [--no-duplicates] [--no-reorder] [--no-poison] [--no-kill] " +
                "[--no-second-instance] [--no-channel-faults] [--no-azurite-restart] [--no-faults] [--quiet]");
            return 2;
    }
}

var report = await Harness.RunAsync(options with { Faults = faults });
Console.WriteLine(report);
Console.WriteLine(report.Passed ? "PASS: the pipeline's end state matches the oracle" : $"FAIL: {report.Differences.Count} differences");
return report.Passed ? 0 : 1;

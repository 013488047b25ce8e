using System.CommandLine;
using RetailFunctions.Cli.Commands;

namespace RetailFunctions.Cli;

/// <summary>
/// retail: the operator's command line for the runtime. It speaks HTTP to the runtime's /api routes only; it never
/// touches storage.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable);

    /// <summary>Runs one command line with everything written to <paramref name="output"/> (errors too).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output) => RunAsync(args, output, output);

    /// <summary>
    /// Runs one command line. Results go to <paramref name="output"/>, errors and progress to <paramref name="error"/>;
    /// <paramref name="environment"/> supplies RETAILFUNCTIONS_URL and RETAILFUNCTIONS_FUNCTION_KEY (the process's by default).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var terminal = new Terminal(output, error);
        var root = CliApp.Build(new GlobalOptions(environment ?? Environment.GetEnvironmentVariable), terminal, environment);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}

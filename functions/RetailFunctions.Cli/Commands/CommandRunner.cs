using System.CommandLine;
using System.Text.Json;
using RetailFunctions.Cli.Formatting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Commands;

/// <summary>What a command's body works with: the API client, the consoles, and whether JSON was asked for.</summary>
public sealed class CliContext(RuntimeApi api, Terminal terminal, bool json)
{
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web);

    public RuntimeApi Api { get; } = api;
    public Terminal Terminal { get; } = terminal;
    public bool Json { get; } = json;

    public void Write(IRenderable renderable) => Terminal.Out.Write(renderable);

    public void WriteLine(IRenderable renderable)
    {
        Terminal.Out.Write(renderable);
        Terminal.Out.WriteLine();
    }

    /// <summary>JSON goes to the output writer untouched: no wrapping, no styling.</summary>
    public void WriteJson(JsonElement element) => Terminal.RawOut.WriteLine(element.GetRawText());

    public void WriteJson(object value) => Terminal.RawOut.WriteLine(JsonSerializer.Serialize(value, value.GetType(), JsonOutput));
}

/// <summary>Runs a command's body and turns failures into messages and exit codes, the same way for every command.</summary>
public static class CommandRunner
{
    public static void SetRuntimeAction(this Command command, GlobalOptions globals, Terminal terminal,
        Func<ParseResult, CliContext, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, ct) => RunAsync(parse, globals, terminal, body, ct));

    public static async Task<int> RunAsync(ParseResult parse, GlobalOptions globals, Terminal terminal,
        Func<ParseResult, CliContext, CancellationToken, Task<int>> body, CancellationToken ct)
    {
        try
        {
            var url = RuntimeApi.ParseBaseUrl(parse.GetValue(globals.Url) ?? GlobalOptions.DefaultUrl);
            using var api = new RuntimeApi(url, globals.FunctionKey(parse));
            return await body(parse, new CliContext(api, terminal, parse.GetValue(globals.Json)), ct);
        }
        catch (RuntimeUnreachableException e)
        {
            Error(terminal, e.Message);
            return ExitCodes.Unreachable;
        }
        catch (RuntimeProblemException e)
        {
            foreach (var line in ProblemView.Lines(e.Problem)) Error(terminal, line);
            return ExitCodes.Failed;
        }
        catch (UsageException e)
        {
            Error(terminal, $"error: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    public static void Error(Terminal terminal, string line) =>
        terminal.Err.Write(new Text(line + "\n", new Style(Color.Red)));
}

using Spectre.Console;

namespace RetailFunctions.Cli;

/// <summary>
/// Where a run writes: Spectre consoles over the output and error writers (colours only on a real terminal), and the
/// raw output writer for JSON, which must never be wrapped or styled.
/// </summary>
public sealed class Terminal(TextWriter output, TextWriter error)
{
    public TextWriter RawOut { get; } = output;
    public IAnsiConsole Out { get; } = CreateConsole(output, ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);
    public IAnsiConsole Err { get; } = CreateConsole(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);

    /// <summary>A console over any writer; plain text and a fixed width unless it is an interactive terminal.</summary>
    public static IAnsiConsole CreateConsole(TextWriter writer, bool terminal = false, int width = 200)
    {
        if (terminal)
            return AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        return console;
    }
}

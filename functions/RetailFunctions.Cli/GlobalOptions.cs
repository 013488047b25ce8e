using System.CommandLine;

namespace RetailFunctions.Cli;

/// <summary>The options every command accepts: where the runtime is, its function key, and JSON output.</summary>
public sealed class GlobalOptions
{
    public const string UrlVariable = "RETAILFUNCTIONS_URL";
    public const string KeyVariable = "RETAILFUNCTIONS_FUNCTION_KEY";
    public const string DefaultUrl = "http://127.0.0.1:7071";

    public GlobalOptions(Func<string, string?> environment)
    {
        Url = new Option<string>("--url")
        {
            Description = $"The runtime's base address (default: ${UrlVariable}, else {DefaultUrl})",
            HelpName = "URL",
            Recursive = true,
            DefaultValueFactory = _ => NonEmpty(environment(UrlVariable)) ?? DefaultUrl,
        };
        Key = new Option<string?>("--key")
        {
            Description = $"The function key, sent as x-functions-key (default: ${KeyVariable})",
            HelpName = "KEY",
            Recursive = true,
        };
        // Not a DefaultValueFactory: help prints defaults, and a key must never appear there.
        _environmentKey = () => NonEmpty(environment(KeyVariable));
        Json = new Option<bool>("--json")
        {
            Description = "Print the runtime's JSON instead of tables",
            Recursive = true,
        };
    }

    public Option<string> Url { get; }
    public Option<string?> Key { get; }
    public Option<bool> Json { get; }

    private readonly Func<string?> _environmentKey;

    /// <summary>The function key from --key, else from the environment, else none.</summary>
    public string? FunctionKey(ParseResult parse) => NonEmpty(parse.GetValue(Key)) ?? _environmentKey();

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

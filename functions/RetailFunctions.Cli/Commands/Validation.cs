using System.CommandLine;

namespace RetailFunctions.Cli.Commands;

internal static class Validation
{
    /// <summary>Refuses a value below the minimum at parse time, naming the option.</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < minimum)
                result.AddError($"{option.Name} must be at least {minimum} (got {value})");
        });
        return option;
    }
}

namespace RetailFunctions.Cli;

/// <summary>What the process returns: scripts can tell "the runtime said no" from "the runtime is not there".</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked and the runtime agreed.</summary>
    public const int Ok = 0;

    /// <summary>The runtime answered with an error (4xx/5xx), reported itself unhealthy, or the command was refused.</summary>
    public const int Failed = 1;

    /// <summary>The runtime could not be reached at all.</summary>
    public const int Unreachable = 2;
}

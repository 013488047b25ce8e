namespace RetailFunctions.Domain.Customers;

/// <summary>Why a command was refused, which decides how an edge answers it.</summary>
public enum RefusalKind
{
    /// <summary>The command itself is wrong (a missing or malformed field): 400.</summary>
    Invalid,
    /// <summary>The caller's role may not do this: 403.</summary>
    Forbidden,
    /// <summary>The command is valid but the current state does not allow it (not enough points, wrong status): 409.</summary>
    Conflict,
    /// <summary>The command names something that does not exist: 404.</summary>
    NotFound,
}

/// <summary>
/// A decider's refusal: nothing is written. It names the field a caller can correct and never carries personal data,
/// so it may be logged and returned as it is.
/// </summary>
public sealed class Refused(RefusalKind kind, string field, string reason) : Exception(reason)
{
    public RefusalKind Kind { get; } = kind;
    public string Field { get; } = field;
    public string Reason { get; } = reason;

    public static Refused Invalid(string field, string reason) => new(RefusalKind.Invalid, field, reason);
    public static Refused Forbidden(string field, string reason) => new(RefusalKind.Forbidden, field, reason);
    public static Refused Conflict(string field, string reason) => new(RefusalKind.Conflict, field, reason);
    public static Refused NotFound(string field, string reason) => new(RefusalKind.NotFound, field, reason);
}

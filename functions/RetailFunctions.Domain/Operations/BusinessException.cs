namespace RetailFunctions.Domain.Operations;

/// <summary>Who must act on a business exception.</summary>
public static class Owners
{
    public const string Inventory = "inventory";
    public const string Finance = "finance";
    public const string Crm = "crm";
    public const string Ops = "ops";
}

public static class ExceptionReasons
{
    public const string UnmappedSku = "unmapped-sku";
    public const string UnmappedLocation = "unmapped-location";
    public const string InvalidMasterData = "invalid-master-data";
    public const string NegativeStock = "negative-stock";
    /// <summary>A web order line the ledger could not reserve without overselling.</summary>
    public const string Backorder = "backorder";
    /// <summary>A channel reported stock that disagrees with the ledger.</summary>
    public const string ChannelStockConflict = "channel-stock-conflict";
}

/// <summary>
/// Something the pipeline accepted but could not apply without a person: it is kept with its source payload,
/// never dropped. The id is derived from the source so a redelivered event raises the same exception once.
/// </summary>
public sealed record BusinessException(
    string Id,
    string Owner,
    string Reason,
    string Detail,
    string SourceMessageId,
    string? PayloadReference,
    IReadOnlyDictionary<string, string> BusinessKeys,
    string Status,
    DateTimeOffset RaisedAt,
    IReadOnlyList<ExceptionAudit>? History = null);

/// <summary>One step of an exception's life: who did what, when, and why.</summary>
public sealed record ExceptionAudit(DateTimeOffset At, string By, string Action, string? Note);

public static class ExceptionStatuses
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";
}

/// <summary>open → acknowledged → resolved; open may be resolved directly; a resolved exception stays resolved.</summary>
public static class ExceptionLifecycle
{
    public const string Acknowledge = "acknowledge";
    public const string Resolve = "resolve";

    /// <summary>The status an action leads to, or why it is not allowed from the current one.</summary>
    public static (string? Next, string? Refusal) Apply(string status, string action) => (status, action) switch
    {
        (ExceptionStatuses.Open, Acknowledge) => (ExceptionStatuses.Acknowledged, null),
        (ExceptionStatuses.Open or ExceptionStatuses.Acknowledged, Resolve) => (ExceptionStatuses.Resolved, null),
        (_, not (Acknowledge or Resolve)) => (null, $"unknown action '{action}': {Acknowledge} or {Resolve}"),
        _ => (null, $"an exception that is {status} cannot be {(action == Acknowledge ? "acknowledged" : "resolved")}"),
    };
}

using RetailFunctions.Domain.Finance;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>
/// The finance settings: the chart of accounts, the rounding tolerance, the posting mode (per store if wanted), how
/// long a recorded entry may wait before its posting is queued again, how many business days the timers look back,
/// and how long after a business day ends its summary is closed.
/// </summary>
public sealed record FinanceOptions(
    ChartOfAccounts Chart,
    JournalRules Rules,
    PostingMode Mode,
    IReadOnlyDictionary<string, PostingMode> ModeByStore,
    TimeSpan RequeueAfter,
    int LookbackDays,
    TimeSpan SummaryCloseAfter)
{
    public static FinanceOptions Default { get; } = new(
        ChartOfAccounts.Default, JournalRules.Default, PostingMode.PerTransaction, new Dictionary<string, PostingMode>(),
        TimeSpan.FromMinutes(15), 7, TimeSpan.FromHours(6));

    public PostingMode ModeFor(string store) => ModeByStore.TryGetValue(store, out var mode) ? mode : Mode;

    /// <summary>
    /// False while no ERP is configured: entries are recorded but not queued, so no queue grows without a consumer
    /// (and trips the edges' backpressure); once an ERP is set, the requeue timer sends everything never queued.
    /// </summary>
    public bool PostToErp { get; init; } = true;

    /// <summary>"transaction" (the default) or "summary"; anything else is a configuration error.</summary>
    public static PostingMode ParseMode(string? value, string setting) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "transaction" or "per-transaction" => PostingMode.PerTransaction,
        "summary" or "summarised" or "summarized" => PostingMode.Summarised,
        _ => throw new InvalidOperationException($"{setting} is '{value}': it must be 'transaction' or 'summary'"),
    };
}

using System.Globalization;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Pipeline.Settlements;

namespace RetailFunctions.Pipeline.Reconciliation;

/// <summary>
/// Settings of a run. At most <see cref="MaxExceptionsPerRun"/> differences become exceptions (the rest are in the
/// report, and one exception says how many were not raised), so a day whose settlement file is missing does not bury
/// every other exception.
/// </summary>
public sealed record ReconciliationRunOptions(ReconciliationOptions Engine, int MaxExceptionsPerRun = 1000, int SummaryDifferences = 20)
{
    public static ReconciliationRunOptions Default { get; } = new(ReconciliationOptions.Default);
}

/// <summary>The sides of a run, each behind its own port.</summary>
public sealed record ReconciliationSources(
    ITillRecordSource Tills,
    ICapturedPaymentSource CapturedPayments,
    ISettlementStore Settlements,
    IJournalTotalSource Journal,
    IErpAcknowledgementSource Acknowledgements,
    IStockCountSource StockCounts,
    ITillTakingsSource? TillTakings = null);

/// <summary>
/// Runs the reconciliation of one business day: opens each side's stream, runs the pure engine, stores every
/// difference as it comes and raises it as an exception for its owner, keeps carried items (closing an earlier
/// day's exception when its item cleared), resolves the exceptions a previous run of the same day found and this one
/// no longer does, and stores the report. Running a day again gives the same differences and the same report.
/// </summary>
public sealed class ReconciliationRunner(ReconciliationSources sources, IReconciliationStore store, IExceptionStore exceptions,
    PilotGate pilot, ReconciliationRunOptions options, TimeProvider clock)
{
    public const string Actor = "reconciliation";
    public const string ReasonPrefix = "reconciliation-";

    public async Task<ReconciliationReport> RunAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var runId = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        await store.ForgetCarriedFromAsync(ReconciliationArea.Settlements, day, cancellationToken);
        await store.ForgetCarriedFromAsync(ReconciliationArea.Postings, day, cancellationToken);

        var inputs = new ReconciliationInputs(
            sources.Tills.TillRecordsAsync(day, cancellationToken),
            sources.CapturedPayments.CapturedPaymentsAsync(day, cancellationToken),
            sources.Settlements.PaymentsAsync(day, cancellationToken),
            store.CarriedAsync(ReconciliationArea.Settlements, day, cancellationToken),
            sources.Journal.JournalTotalsAsync(day, cancellationToken),
            sources.Acknowledgements.AcknowledgementsAsync(day, cancellationToken),
            store.CarriedAsync(ReconciliationArea.Postings, day, cancellationToken),
            sources.StockCounts.CountsAsync(day, cancellationToken),
            sources.TillTakings?.TillTakingsAsync(day, cancellationToken));
        var sink = new StoringSink(store, exceptions, pilot, options, clock, day, runId);
        var summary = await ReconciliationEngine.RunAsync(day, inputs, sink, options.Engine, cancellationToken);
        await sink.FlushAsync(cancellationToken);

        await foreach (var stale in store.DifferencesAsync(day, cancellationToken))
        {
            if (stale.RunId == runId) continue;
            await exceptions.TransitionAsync(stale.Difference.Owner, ExceptionId(stale.Difference), ExceptionLifecycle.Resolve, Actor,
                "no longer found when the day was reconciled again", clock.GetUtcNow(), cancellationToken);
            await store.DeleteDifferenceAsync(stale.Difference, cancellationToken);
        }
        if (sink.NotRaised > 0) await RaiseOverflowAsync(day, sink.NotRaised, cancellationToken);

        foreach (var area in summary.Areas.Where(a => a.Differences > 0))
            ReconciliationTelemetry.Differences.Add(area.Differences, new("area", area.Area.Name()), new("store", area.Store));

        var first = new List<ReconciliationDifference>();
        await foreach (var stored in store.DifferencesAsync(day, cancellationToken))
        {
            first.Add(stored.Difference);
            if (first.Count >= options.SummaryDifferences) break;
        }
        var report = new ReconciliationReport(day, runId, clock.GetUtcNow(), summary, sink.Raised, sink.NotRaised, ReconciliationText.Render(summary, first));
        await store.SaveReportAsync(report, cancellationToken);
        return report;
    }

    /// <summary>The exception a difference raises: its id is derived from the difference, so a re-run raises it once.</summary>
    public static string ExceptionId(ReconciliationDifference difference) => "recon:" + Clean(difference.Id);

    public static BusinessException ToException(ReconciliationDifference d, DateTimeOffset at) => new(
        ExceptionId(d),
        d.Owner,
        ReasonPrefix + d.Cause.Name(),
        d.Detail,
        $"reconciliation:{d.BusinessDay:yyyy-MM-dd}",
        $"reconciliation/{d.BusinessDay:yyyy-MM-dd}",
        new Dictionary<string, string>
        {
            ["businessDay"] = d.BusinessDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["area"] = d.Area.Name(),
            ["store"] = d.Store,
            ["key"] = d.Key,
            ["amount"] = d.Amount.ToString(CultureInfo.InvariantCulture),
            ["unit"] = d.Unit,
        },
        ExceptionStatuses.Open,
        at);

    private static string Clean(string id) =>
        string.Concat(id.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c));

    private Task RaiseOverflowAsync(DateOnly day, long notRaised, CancellationToken ct) => exceptions.RaiseAsync(new BusinessException(
        $"recon:{day:yyyyMMdd}:more", Owners.Finance, ReasonPrefix + "overflow",
        $"{notRaised} more difference(s) of {day:yyyy-MM-dd} were not raised one by one (over {options.MaxExceptionsPerRun}); see GET /api/reconciliation/{day:yyyy-MM-dd}",
        $"reconciliation:{day:yyyy-MM-dd}", $"reconciliation/{day:yyyy-MM-dd}",
        new Dictionary<string, string> { ["businessDay"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
        ExceptionStatuses.Open, clock.GetUtcNow()), ct);

    private sealed class StoringSink(IReconciliationStore store, IExceptionStore exceptions, PilotGate pilot, ReconciliationRunOptions options,
        TimeProvider clock, DateOnly day, string runId) : IReconciliationSink
    {
        private const int BatchSize = 100;
        private readonly List<ReconciliationDifference> _differences = new(BatchSize);
        private readonly List<CarriedChange> _carried = new(BatchSize);
        public long Raised, NotRaised;

        public async ValueTask DifferenceAsync(ReconciliationDifference difference, CancellationToken ct)
        {
            // A pilot store not yet reconciled is left out; one in shadow is reported without raising exceptions.
            var mode = await pilot.ModeAsync(PilotFlow.Reconciliation, difference.Store, ct);
            if (mode == FlowMode.Off) return;
            if (mode == FlowMode.On && Raised < options.MaxExceptionsPerRun)
            {
                await exceptions.RaiseAsync(ToException(difference, clock.GetUtcNow()), ct);
                Raised++;
            }
            else if (mode == FlowMode.On) NotRaised++;
            _differences.Add(difference);
            if (_differences.Count >= BatchSize) await FlushDifferencesAsync(ct);
        }

        public async ValueTask CarriedAsync(CarriedChange change, CancellationToken ct)
        {
            if (change.Outcome != CarriedOutcome.Carried)
            {
                // The earlier day's timing exception is settled either way: cleared, or replaced by a missing transaction.
                var timing = new ReconciliationDifference(change.Item.Day, change.Area, change.Item.Store, change.Item.Key, DifferenceCause.Timing,
                    0m, change.Item.Currency, null, null, Owners.Finance, "");
                var note = change.Outcome == CarriedOutcome.Cleared
                    ? $"matched on {day:yyyy-MM-dd}"
                    : $"not matched by {day:yyyy-MM-dd}: raised again as a missing transaction";
                await exceptions.TransitionAsync(Owners.Finance, ExceptionId(timing), ExceptionLifecycle.Resolve, Actor, note,
                    clock.GetUtcNow(), ct);
            }
            _carried.Add(change);
            if (_carried.Count >= BatchSize) await FlushCarriedAsync(ct);
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            await FlushDifferencesAsync(ct);
            await FlushCarriedAsync(ct);
        }

        private async Task FlushDifferencesAsync(CancellationToken ct)
        {
            if (_differences.Count == 0) return;
            await store.SaveDifferencesAsync(runId, _differences, ct);
            _differences.Clear();
        }

        private async Task FlushCarriedAsync(CancellationToken ct)
        {
            if (_carried.Count == 0) return;
            await store.SaveCarriedAsync(_carried, ct);
            _carried.Clear();
        }
    }
}

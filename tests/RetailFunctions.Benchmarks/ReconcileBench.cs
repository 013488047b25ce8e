using System.Diagnostics;
using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// The nightly reconciliation engine over generated, sorted streams: N captured payments against N settlement lines
/// (plus N till receipts), with differences planted at known positions. Reports seconds and the peak managed heap,
/// sampled while it runs, at two sizes: a bounded merge keeps the peak flat as N grows tenfold.
/// </summary>
public static class ReconcileBench
{
    private static readonly DateOnly Day = new(2026, 11, 20);

    public static async Task RunAsync(Config config, Report report, CancellationToken ct)
    {
        var large = config.Quick ? 200_000 : 1_000_000;
        var small = large / 10;
        Console.WriteLine();
        Console.WriteLine($"[reconcile] engine over sorted streams: {small:N0} then {large:N0} payments (captured + settled) and as many till receipts");
        await MeasureAsync(small, report, ct, record: false);
        var figures = await MeasureAsync(large, report, ct, record: true);
        report.Result("reconcile", figures);
    }

    private sealed class CountingSink : IReconciliationSink
    {
        public long Differences;
        public readonly Dictionary<DifferenceCause, long> ByCause = [];

        public ValueTask DifferenceAsync(ReconciliationDifference difference, CancellationToken cancellationToken)
        {
            Differences++;
            ByCause[difference.Cause] = ByCause.GetValueOrDefault(difference.Cause) + 1;
            return ValueTask.CompletedTask;
        }

        public ValueTask CarriedAsync(CarriedChange change, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static async Task<object> MeasureAsync(int payments, Report report, CancellationToken ct, bool record)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long peakHeap = heapBefore;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                try { await Task.Delay(5, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        var sink = new CountingSink();
        var inputs = new ReconciliationInputs(
            Tills(payments), Captured(payments), Settled(payments), Empty<MatchItem>(), Empty<MatchItem>(), Empty<MatchItem>(), Empty<MatchItem>(),
            Empty<StockCount>());
        var clock = Stopwatch.StartNew();
        var summary = await ReconciliationEngine.RunAsync(Day, inputs, sink, ReconciliationOptions.Default, ct);
        clock.Stop();
        await sampling.CancelAsync();
        await sampler;

        var planted = Planted(payments);
        var transactions = 3L * payments;
        var seconds = clock.Elapsed.TotalSeconds;
        var peakMiB = (peakHeap - heapBefore) / 1024.0 / 1024.0;
        var workingSetMiB = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
        report.Row($"reconcile {payments:N0} payments + {payments:N0} settlements + {payments:N0} till receipts",
            $"{seconds:0.00} s", $"{transactions / seconds:N0} records/s, peak managed heap +{peakMiB:0.0} MiB over the start, process peak working set {workingSetMiB:0} MiB, {sink.Differences:N0} differences");
        if (sink.Differences != planted)
            report.Fail($"reconcile {payments:N0}: {sink.Differences} differences found, {planted} planted ({string.Join(", ", sink.ByCause.Select(kv => $"{kv.Key}={kv.Value}"))})");
        if (record) report.Figure("reconcileRecordsPerSecond", transactions / seconds);
        return new
        {
            payments,
            transactions,
            seconds = Math.Round(seconds, 3),
            peakManagedHeapMiB = Math.Round(peakMiB, 1),
            peakWorkingSetMiB = Math.Round(workingSetMiB, 0),
            differences = sink.Differences,
            planted,
            summary.Cleared,
        };
    }

    // Two planted differences every 10,000 payments: one cycling through fee mismatch, amount mismatch, not settled
    // (timing) and settled twice (duplicate), and one settled without a capture (missing). Plus every tenth till short.
    private static long Planted(int payments) => 2L * (payments / 10_000) + Tills_;

    private const int TillCount = 50;
    private const int Tills_ = TillCount / 10;

    private static string Key(int i) => $"pay-{i:D9}";

    private static async IAsyncEnumerable<MatchItem> Captured(int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (i % 10_000 == 4_999 + 4) continue; // settled without capture: the capture is missing
            yield return new MatchItem(Key(i), "web", "capture", 10m + i % 90, 0.59m, "USD", Day);
        }
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<MatchItem> Settled(int n)
    {
        for (var i = 0; i < n; i++)
        {
            var amount = 10m + i % 90;
            var planted = i % 10_000 == 4_999 ? (i / 10_000) % 4 : -1;
            switch (planted)
            {
                case 0:
                    yield return new MatchItem(Key(i), "web", "charge", amount, 0.69m, "USD", Day, $"bt-{i}");
                    break;
                case 1:
                    yield return new MatchItem(Key(i), "web", "charge", amount - 1m, 0.59m, "USD", Day, $"bt-{i}");
                    break;
                case 2:
                    break; // not settled yet: timing
                case 3:
                    yield return new MatchItem(Key(i), "web", "charge", amount, 0.59m, "USD", Day, $"bt-{i}");
                    yield return new MatchItem(Key(i), "web", "charge", amount, 0.59m, "USD", Day, $"bt-{i}-again");
                    break;
                default:
                    yield return new MatchItem(Key(i), "web", "charge", amount, 0.59m, "USD", Day, $"bt-{i}");
                    break;
            }
        }
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<TillRecord> Tills(int n)
    {
        // Receipts sorted by key: till by till, each closing with the totals of what it sold, every tenth till short by 5.00.
        var perTill = n / TillCount;
        for (var t = 0; t < TillCount; t++)
        {
            var ws = $"{t:D3}";
            decimal cash = 0m, card = 0m;
            for (var s = 0; s < perTill; s++)
            {
                var amount = 1m + s % 50;
                var isCash = s % 3 == 0;
                if (isCash) cash += amount; else card += amount;
                yield return new TillRecord($"S1|{ws}|{s:D9}", "S1", ws, TillRecordKind.Sale, "USD", [new TenderAmount(isCash ? "Cash" : "Card", amount)]);
            }
            yield return new TillRecord($"S1|{ws}|{perTill:D9}", "S1", ws, TillRecordKind.TillClose, "USD",
                [new TenderAmount("Cash", cash + (t % 10 == 0 ? 5m : 0m)), new TenderAmount("Card", card)]);
        }
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<T> Empty<T>()
    {
        await Task.CompletedTask;
        yield break;
    }
}

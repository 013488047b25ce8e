using System.Diagnostics;
using System.Runtime.InteropServices;
using RetailFunctions.Benchmarks;

// Figures of the ingestion path on this machine, each next to the baseline it is compared with, measured in the
// same run: raw Azurite enqueues vs signed webhooks through the real runtime, a bare XmlReader pass vs the POSLog
// reader; and the stock ledger's guarantees under load: checkouts racing for the last units (on one runtime and on
// two), and how soon a till sale reaches the web store's figure; and order workflows driven to Closed per second
// next to the raw Table write rate. A broken invariant makes the run exit with 1.
// Run it with: bash eng/bench.sh [--quick]

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("usage: bash eng/bench.sh [--quick]   (or dotnet run -c Release --project tests/RetailFunctions.Benchmarks -- [--quick])");
    Console.WriteLine("  --quick   small sizes, about four minutes on a quiet 2-core machine; the default run takes longer");
    Console.WriteLine("  --only S  run only the scenarios whose name contains S: storage, webhook (edge: its edge alone), oversell (with the ETag baseline), freshness, burst (freshness while a web-order burst drains), till, poslog, mask, reconcile, loyalty, orders, azurite-depth (only when asked)");
    return 0;
}
var onlyIndex = Array.IndexOf(args, "--only");
var only = onlyIndex >= 0 && onlyIndex + 1 < args.Length ? args[onlyIndex + 1] : null;
bool Runs(string scenario) => only is null || scenario.Contains(only, StringComparison.OrdinalIgnoreCase);
var unknown = args.Where((a, i) => a != "--quick" && !(onlyIndex >= 0 && (i == onlyIndex || i == onlyIndex + 1))).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown option(s): {string.Join(' ', unknown)}; try --help");
    return 2;
}

var config = Config.For(quick: args.Contains("--quick"));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.Error.WriteLine("stopping: cancelling and shutting down what was started");
    stop.Cancel();
};
// SIGTERM: unwind through the finally blocks instead of exiting on the spot.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
AppDomain.CurrentDomain.ProcessExit += (_, _) => Started.StopAll();

var machine = Machine.Describe();
var started = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
Console.WriteLine($"RetailFunctions benchmarks ({(config.Quick ? "quick" : "default")} run)");
Console.WriteLine($"machine: {machine.Cores} cores, {machine.Cpu}, {machine.Os} {machine.Architecture}, {machine.DotNet}, GC {machine.Gc}, Node {machine.Node}, Azurite {machine.Azurite}");
Console.WriteLine($"note: load generator, runtime and Azurite all share these cores; load average at start {Machine.LoadAverage()}");

var report = new Report();
report.Ratio("webhook edge / raw enqueue 1 KiB", "webhookEdge", "rawEnqueue1KiB", "signed webhooks acknowledged per second (workers off) per raw 1 KiB enqueue");
report.Ratio("webhook edge / raw enqueue 5 KiB", "webhookEdge", "rawEnqueue5KiB", "the same against enqueues as big as the envelope the edge writes");
report.Ratio("webhook edge, workers on / off", "webhookEndToEndEdge", "webhookEdge", "edge throughput while the worker drains vs with workers off");
report.Ratio("end-to-end processed / raw enqueue 1 KiB", "webhookEndToEndProcessed", "rawEnqueue1KiB", "orders fully processed per second (first request to empty queue) per raw enqueue");
report.Ratio("oversell race, 2 runtimes / 1", "oversellRaceTwoInstances", "oversellRace", "reservation decisions per second on two runtimes sharing storage vs one");
report.Ratio("oversell race / single-writer ETag update", "oversellRace", "singleWriterEtag", "reservation decisions per second on one SKU per ETag-checked update of one entity by one writer");
report.Ratio("oversell race, 2 runtimes / single-writer ETag update", "oversellRaceTwoInstances", "singleWriterEtag", "the same with two runtimes sharing storage");
report.Ratio("PosLogReader.Read / bare XmlReader", "posLogReader", "posLogBare", "POSLog parsing to transactions vs only reading the XML");
report.Ratio("MaskPosLogXml / bare XmlReader", "posLogMask", "posLogBare", "the edge's POSLog masking copy vs only reading the XML");
report.Ratio("order workflows / raw table upsert", "orderWorkflows", "rawTableUpsert", "orders placed and driven to Closed per second per raw single-entity Table upsert");
report.Ratio("order workflow table ops / raw table upsert", "orderWorkflowTableOps", "rawTableUpsert", "Table round trips per second the order workflows drive (orders/s x round trips per order) per raw upsert");
var loadAtStart = Machine.LoadAverage();
// Where a run's time goes, so the run's length can be kept within its budget.
var scenarioSeconds = new Dictionary<string, double>();
async Task Timed(string scenario, Func<Task> run)
{
    var began = clock.Elapsed;
    await run();
    var took = Math.Round((clock.Elapsed - began).TotalSeconds, 1);
    scenarioSeconds[scenario] = scenarioSeconds.GetValueOrDefault(scenario) + took;
    Console.WriteLine($"    ({scenario}: {took} s)");
}
try
{
    if (Runs("storage webhook")) await Timed("raw enqueue", () => StorageBench.RawEnqueueAsync(config, report, stop.Token));
    if (Runs("webhook edge")) await Timed("webhook edge", () => WebhookBench.EdgeOnlyAsync(config, report, stop.Token));
    if (Runs("webhook")) await Timed("webhooks end to end", () => WebhookBench.EndToEndAsync(config, report, stop.Token));
    if (Runs("oversell")) await Timed("ETag baseline", () => InventoryBench.SingleWriterEtagAsync(config, report, stop.Token));
    if (Runs("oversell")) await Timed("oversell race", () => InventoryBench.OversellRaceAsync(config, report, instances: 1, stop.Token));
    if (Runs("oversell")) await Timed("oversell race, 2 runtimes", () => InventoryBench.OversellRaceAsync(config, report, instances: 2, stop.Token));
    if (Runs("freshness")) await Timed("freshness", () => InventoryBench.FreshnessAsync(config, report, stop.Token));
    if (Runs("freshness burst")) await Timed("freshness during a burst", () => InventoryBench.FreshnessAsync(config, report, stop.Token, burst: config.EndToEndRequests));
    if (Runs("till")) await Timed("till", () => TillBench.RunAsync(config, report, stop.Token));
    if (Runs("poslog")) await Timed("poslog", () => { CpuBench.PosLog(config, report, stop.Token); return Task.CompletedTask; });
    if (Runs("mask")) await Timed("mask", () => { CpuBench.ShopifyMaskFastPath(config, report, stop.Token); return Task.CompletedTask; });
    if (Runs("reconcile")) await Timed("reconcile", () => ReconcileBench.RunAsync(config, report, stop.Token));
    if (Runs("loyalty")) await Timed("loyalty", () => LoyaltyBench.RunAsync(config, report, stop.Token));
    if (Runs("orders")) await Timed("orders", () => OrderBench.RunAsync(config, report, stop.Token));
    if (only is not null && Runs("azurite-depth")) await AzuriteDepthBench.RunAsync(config, report, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled; figures so far follow");
    report.PrintTable(machine, config, started, clock.Elapsed);
    return 130;
}
finally
{
    Started.StopAll();
}

report.Result("loadAverage", new { start = loadAtStart, end = Machine.LoadAverage() });
report.Result("scenarioSeconds", scenarioSeconds);
report.PrintTable(machine, config, started, clock.Elapsed);
Console.WriteLine($"load average (1, 5, 15 min) at start {loadAtStart}, at end {Machine.LoadAverage()}");
report.PrintJson(machine, config, started, clock.Elapsed);
if (report.Failures.Count > 0)
{
    Console.WriteLine();
    foreach (var failure in report.Failures) Console.WriteLine($"FAILED: {failure}");
    Console.WriteLine($"FAILED: {report.Failures.Count} invariant(s) broken");
    return 1;
}
return 0;

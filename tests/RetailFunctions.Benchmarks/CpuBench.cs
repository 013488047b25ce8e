using System.Diagnostics;
using System.Text;
using System.Xml;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// Single-threaded CPU figures: a warm-up pass, then several timed repetitions, reporting the median. POSLog rates are
/// per second of the process's CPU time, not of the wall clock: on a machine shared with other builds a pass can wait
/// for a core for longer than it runs, and that waiting says nothing about the code (the wall time is shown beside).
/// </summary>
public static class CpuBench
{
    private const double MiB = 1024 * 1024;

    public static void PosLog(Config config, Report report, CancellationToken ct)
    {
        Console.WriteLine();
        Console.WriteLine($"[3] POSLog parsing: ~{config.PosLogMegabytes} MiB document in memory, median of {config.Repetitions} passes each");
        var (xml, generated) = PosLogDocument.Generate(config.PosLogMegabytes * 1024L * 1024L);
        var mib = xml.Length / MiB;
        Console.WriteLine($"    {xml.Length:N0} bytes, {generated:N0} transactions (4 sale lines with line tax, 1 tax, 2 tenders each)");

        var bare = Time(config.Repetitions, ct, () =>
        {
            using var stream = new MemoryStream(xml, writable: false);
            using var reader = XmlReader.Create(stream, PosLogReader.Secure);
            long nodes = 0;
            while (reader.Read()) nodes++;
            return nodes;
        });

        var parsed = 0;
        var malformed = 0;
        var read = Time(config.Repetitions, ct, () =>
        {
            using var stream = new MemoryStream(xml, writable: false);
            int ok = 0, bad = 0;
            foreach (var result in PosLogReader.Read(stream))
            {
                if (result is PosParseResult.Parsed) ok++;
                else bad++;
            }
            parsed = ok;
            malformed = bad;
            return ok + bad;
        });

        using var output = new MemoryStream(xml.Length + 1024 * 1024);
        PosMaskReport? maskReport = null;
        var mask = Time(config.Repetitions, ct, () =>
        {
            using var input = new MemoryStream(xml, writable: false);
            output.SetLength(0);
            maskReport = PanMasker.MaskPosLogXml(input, output);
            return maskReport.Transactions;
        });
        var maskedCopyBytes = output.Length;
        output.SetLength(0);

        var bareRate = mib / bare.CpuMedian;
        var readRate = mib / read.CpuMedian;
        var maskRate = mib / mask.CpuMedian;
        report.Row("POSLog bare XmlReader pass (baseline)", $"{Report.Fmt(bareRate, "N1")} MiB/s", $"{PerPass(bare)}, {bare.Count:N0} nodes");
        report.Row("POSLog PosLogReader.Read", $"{Report.Fmt(readRate, "N1")} MiB/s",
            $"{PerPass(read)}, {Report.Fmt(generated / read.CpuMedian)} transactions/s; parsed {parsed:N0}, malformed {malformed}");
        report.Row("POSLog PanMasker.MaskPosLogXml", $"{Report.Fmt(maskRate, "N1")} MiB/s",
            $"{PerPass(mask)}; {maskReport?.Transactions:N0} transactions, {maskReport?.Masked} masked, copy {maskedCopyBytes:N0} bytes");
        report.Figure("posLogBare", bareRate);
        report.Figure("posLogReader", readRate);
        report.Figure("posLogMask", maskRate);
        report.Result("posLog", new
        {
            bytes = xml.Length,
            transactions = generated,
            repetitions = config.Repetitions,
            bareXmlReaderMiBps = Report.Round(bareRate),
            bareXmlReaderSeconds = bare.Passes.Select(s => Report.Round(s, 4)),
            bareXmlReaderCpuSeconds = bare.CpuPasses.Select(s => Report.Round(s, 4)),
            posLogReaderMiBps = Report.Round(readRate),
            posLogReaderSeconds = read.Passes.Select(s => Report.Round(s, 4)),
            posLogReaderCpuSeconds = read.CpuPasses.Select(s => Report.Round(s, 4)),
            posLogReaderTransactionsPerSecond = Report.Round(generated / read.CpuMedian),
            parsed,
            malformed,
            maskPosLogXmlMiBps = Report.Round(maskRate),
            maskPosLogXmlSeconds = mask.Passes.Select(s => Report.Round(s, 4)),
            maskPosLogXmlCpuSeconds = mask.CpuPasses.Select(s => Report.Round(s, 4)),
            maskedPans = maskReport?.Masked,
            maskedCopyBytes,
        });
    }

    public static void ShopifyMaskFastPath(Config config, Report report, CancellationToken ct)
    {
        Console.WriteLine();
        Console.WriteLine($"[4] PanMasker.MaskShopifyJson on an order body without card numbers, {config.Repetitions} x {config.MicroSecondsPerRepetition:0.0} s");
        var text = ShopifyBodies.Order(42, 100);
        while (Encoding.UTF8.GetByteCount(text) < 4096)
            text = text.Replace("\"note\": \"", "\"note\": \"Leave it at the back door, thank you. ", StringComparison.Ordinal);
        var body = Encoding.UTF8.GetBytes(text).AsMemory();
        var fastPath = !PanMasker.ContainsPan(body.Span);
        var check = PanMasker.MaskShopifyJson(body);
        if (check.Masked != 0) throw new InvalidOperationException("the benchmark body unexpectedly holds a card number");

        // Warm-up for a second, then count calls in fixed time slices.
        var rates = new List<double>();
        long sink = 0;
        for (var rep = -1; rep < config.Repetitions; rep++)
        {
            ct.ThrowIfCancellationRequested();
            var seconds = rep < 0 ? 1.0 : config.MicroSecondsPerRepetition;
            var calls = 0L;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                for (var i = 0; i < 256; i++)
                    sink += PanMasker.MaskShopifyJson(body).Body.Length;
                calls += 256;
            }
            clock.Stop();
            if (rep >= 0) rates.Add(calls / clock.Elapsed.TotalSeconds);
        }
        GC.KeepAlive(sink);
        var opsPerSecond = Median.Of(rates);
        var bytesPerSecond = opsPerSecond * body.Length / MiB;
        report.Row("MaskShopifyJson, 4 KiB order, no PAN", $"{Report.Fmt(opsPerSecond)} ops/s",
            $"{1e9 / opsPerSecond:0} ns per call, {Report.Fmt(bytesPerSecond, "N0")} MiB/s; body {body.Length} B; fast path (no parse) {(fastPath ? "yes" : "no")}");
        report.Result("maskShopifyJsonFastPath", new
        {
            bodyBytes = body.Length,
            fastPath,
            repetitions = config.Repetitions,
            secondsPerRepetition = config.MicroSecondsPerRepetition,
            opsPerSecond = Report.Round(opsPerSecond, 0),
            nanosecondsPerCall = Report.Round(1e9 / opsPerSecond),
            mibPerSecond = Report.Round(bytesPerSecond),
            rates = rates.Select(r => Report.Round(r, 0)),
        });
    }

    private sealed record Timing(double Median, IReadOnlyList<double> Passes, double CpuMedian, IReadOnlyList<double> CpuPasses, long Count);

    private static string PerPass(Timing timing) => $"{timing.CpuMedian * 1000:0} ms CPU per pass ({timing.Median * 1000:0} ms wall)";

    /// <summary>
    /// Warm-up passes for at least a second of wall time and of CPU time and at least ten passes, then until the passes
    /// stop getting faster (the last three each within 15% of the fastest), so tiered compilation, dynamic PGO's
    /// instrumented tier included, has moved the hot code to its final optimized code even when the machine is busy and
    /// the compiler's background thread waits for a core (capped at 15 s); then <paramref name="repetitions"/> timed
    /// ones (seconds each).
    /// </summary>
    private static Timing Time(int repetitions, CancellationToken ct, Func<long> pass)
    {
        long count;
        var warmup = Stopwatch.StartNew();
        var warmupCpu = Environment.CpuUsage.TotalTime;
        var warmupPasses = new List<double>();
        do
        {
            ct.ThrowIfCancellationRequested();
            var cpu = Environment.CpuUsage.TotalTime;
            count = pass();
            warmupPasses.Add((Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
        }
        while (warmup.Elapsed.TotalSeconds < 15.0
            && (warmup.Elapsed.TotalSeconds < 1.0 || (Environment.CpuUsage.TotalTime - warmupCpu).TotalSeconds < 1.0
                || !Settled(warmupPasses)));
        var passes = new List<double>();
        var cpuPasses = new List<double>();
        for (var i = 0; i < repetitions; i++)
        {
            ct.ThrowIfCancellationRequested();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var cpu = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            count = pass();
            passes.Add(clock.Elapsed.TotalSeconds);
            cpuPasses.Add((Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
        }
        return new Timing(Median.Of(passes), passes, Median.Of(cpuPasses), cpuPasses, count);
    }

    private static bool Settled(List<double> cpuPasses) =>
        cpuPasses.Count >= 10 && cpuPasses.TakeLast(3).All(cpu => cpu <= cpuPasses.Min() * 1.15);
}

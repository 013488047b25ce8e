namespace RetailFunctions.Benchmarks;

/// <summary>Sizes of one run. The quick run is for a smoke check of the figures; the default one for reporting.</summary>
public sealed record Config(
    bool Quick,
    int Concurrency,
    int EnqueueMessages,
    int EnqueueWarmup,
    int WebhookRequests,
    int WebhookWarmup,
    int EndToEndRequests,
    int SkuCount,
    int DrainTimeoutSeconds,
    int PosLogMegabytes,
    int Repetitions,
    double MicroSecondsPerRepetition,
    int RaceStock,
    int RaceCheckouts,
    int RaceConcurrency,
    int RaceWarmup,
    int FreshnessSkus,
    int FreshnessSales,
    int FreshnessIntervalMs,
    int FreshnessReceipt,
    double FreshnessTargetMs)
{
    public static Config For(bool quick) => quick
        ? new Config(true, Concurrency: 32, EnqueueMessages: 2_000, EnqueueWarmup: 200, WebhookRequests: 2_000, WebhookWarmup: 300,
            EndToEndRequests: 500, SkuCount: 100, DrainTimeoutSeconds: 120, PosLogMegabytes: 10, Repetitions: 3, MicroSecondsPerRepetition: 0.3,
            RaceStock: 100, RaceCheckouts: 1_000, RaceConcurrency: 64, RaceWarmup: 200,
            FreshnessSkus: 20, FreshnessSales: 100, FreshnessIntervalMs: 50, FreshnessReceipt: 1_000, FreshnessTargetMs: 1_000)
        : new Config(false, Concurrency: 32, EnqueueMessages: 10_000, EnqueueWarmup: 500, WebhookRequests: 10_000, WebhookWarmup: 1_000,
            EndToEndRequests: 2_000, SkuCount: 300, DrainTimeoutSeconds: 300, PosLogMegabytes: 50, Repetitions: 5, MicroSecondsPerRepetition: 1.0,
            RaceStock: 100, RaceCheckouts: 5_000, RaceConcurrency: 64, RaceWarmup: 500,
            FreshnessSkus: 20, FreshnessSales: 400, FreshnessIntervalMs: 50, FreshnessReceipt: 1_000, FreshnessTargetMs: 1_000);
}

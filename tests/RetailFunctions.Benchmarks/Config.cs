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
    double MicroSecondsPerRepetition)
{
    public static Config For(bool quick) => quick
        ? new Config(true, Concurrency: 32, EnqueueMessages: 2_000, EnqueueWarmup: 200, WebhookRequests: 2_000, WebhookWarmup: 300,
            EndToEndRequests: 500, SkuCount: 100, DrainTimeoutSeconds: 120, PosLogMegabytes: 10, Repetitions: 3, MicroSecondsPerRepetition: 0.3)
        : new Config(false, Concurrency: 32, EnqueueMessages: 10_000, EnqueueWarmup: 500, WebhookRequests: 10_000, WebhookWarmup: 1_000,
            EndToEndRequests: 2_000, SkuCount: 300, DrainTimeoutSeconds: 300, PosLogMegabytes: 50, Repetitions: 5, MicroSecondsPerRepetition: 1.0);
}

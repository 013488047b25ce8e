using RetailFunctions.Storage;

namespace RetailFunctions.Host.Workers;

/// <summary>A queue trigger a module adds to the runtime: the queue and the handler its messages go to.</summary>
public sealed record QueueRoute(string Queue, Func<IServiceProvider, MessageHandler> Handler);

/// <summary>
/// A timer trigger a module adds: its name in host.json's retailFunctions.timers, the CRON schedule used when
/// host.json names none, and the job, which returns a one-line summary for the log.
/// </summary>
public sealed record TimerJob(string Name, string DefaultSchedule, Func<IServiceProvider, CancellationToken, Task<string>> Run);

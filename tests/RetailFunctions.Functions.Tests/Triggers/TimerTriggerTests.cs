using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Timers;
using RetailFunctions.Host.Settings;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Functions.Tests.Triggers;

/// <summary>The timer functions called as the Timer extension calls them, with a TimerInfo.</summary>
public sealed class TimerTriggerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
    private readonly Mock<IDeliveryLog> deliveries = new();
    private readonly List<string> ran = [];

    private TimerFunctions Functions(params string[] jobs)
    {
        var services = new ServiceCollection();
        foreach (var name in jobs)
            services.AddSingleton(new TimerJob(name, "0 * * * * *", (_, _) =>
            {
                ran.Add(name);
                return Task.FromResult("ran");
            }));
        var settings = RuntimeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Dedup:RetentionHours"] = "24",
        }).Build());
        return new TimerFunctions(services.BuildServiceProvider(), deliveries.Object, settings, new FakeTimeProvider(Now), NullLogger<TimerFunctions>.Instance);
    }

    private static TimerInfo Tick(bool pastDue = false) => new()
    {
        IsPastDue = pastDue,
        ScheduleStatus = new ScheduleStatus { Last = Now.UtcDateTime.AddHours(-1), Next = Now.UtcDateTime.AddHours(1), LastUpdated = Now.UtcDateTime },
    };

    [Fact]
    public async Task GivenTheDedupCleanupTimer_WhenItFires_ThenDeliveriesOlderThanTheRetentionAreForgotten()
    {
        await Functions().DedupCleanup(Tick(), CancellationToken.None);

        deliveries.Verify(d => d.PurgeAsync(Now.AddHours(-24), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task GivenEveryModuleTimer_WhenEachFires_ThenItRunsTheJobOfItsName()
    {
        var functions = Functions(FunctionTriggers.OrderOutboxSweep, FunctionTriggers.LoyaltyExpiry, FunctionTriggers.JournalSummaries,
            FunctionTriggers.JournalRequeue, FunctionTriggers.Reconciliation);

        await functions.OrderOutboxSweep(Tick(), CancellationToken.None);
        await functions.LoyaltyExpiry(Tick(), CancellationToken.None);
        await functions.JournalSummaries(Tick(), CancellationToken.None);
        await functions.JournalRequeue(Tick(pastDue: true), CancellationToken.None);
        await functions.Reconciliation(Tick(), CancellationToken.None);

        Assert.Equal([FunctionTriggers.OrderOutboxSweep, FunctionTriggers.LoyaltyExpiry, FunctionTriggers.JournalSummaries,
            FunctionTriggers.JournalRequeue, FunctionTriggers.Reconciliation], ran);
    }

    [Fact]
    public async Task GivenAJobThisAppDoesNotConfigure_WhenItsTimerFires_ThenNothingRunsAndNothingFails()
    {
        await Functions(FunctionTriggers.OrderOutboxSweep).JournalRequeue(Tick(), CancellationToken.None);

        Assert.Empty(ran);
    }
}

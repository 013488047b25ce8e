using RetailFunctions.Chaos;
using Xunit.Abstractions;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// A seeded retail day sent to two real runtime processes on a real Azurite with every fault on (duplicates,
/// reordering, poison, a kill and restart, web-store throttling), compared with the scenario's own oracle.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ASmallDayWithEveryFaultEndsExactlyAsTheOracleSays()
    {
        var report = await Harness.RunAsync(new HarnessOptions
        {
            Seed = 20261121,
            Size = ScenarioSize.Small,
            Faults = Faults.All,
            DrainTimeout = TimeSpan.FromSeconds(75),
            Log = output.WriteLine,
        });
        output.WriteLine(report.ToString());

        Assert.True(report.Kills >= 1 && report.Instances == 2, "the run must kill and restart a runtime while a second one consumes the same queues");
        Assert.True(report.WebhookDuplicates > 0 && report.UploadDuplicates > 0 && report.ArrivedBeforeCreate > 0,
            "the seed must produce duplicates and out-of-order deliveries, or the run proves nothing about them");
        Assert.True(report.PoisonWebhooks > 0 && report.MalformedTransactions > 0, "the seed must produce poison");
        Assert.Equal(report.PoisonWebhooks, report.PoisonDeadLettered);
        Assert.Equal(report.MalformedTransactions, report.MalformedReported);
        Assert.Equal(0, report.AppliedTwice);
        Assert.True(report.Passed, report.ToString());
    }
}

using RetailFunctions.Chaos;
using Xunit.Abstractions;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// A seeded retail day sent to two real runtime processes on a real Azurite with every fault on (duplicates,
/// reordering, poison, a kill and restart, web-store throttling, Azurite restarted during the store actions),
/// compared with the scenario's own oracle: stock, ledger movements, dead letters, order statuses, loyalty balances
/// and journal totals.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int Seed = 20261121;

    [Fact]
    public async Task ASmallDayWithEveryFaultEndsExactlyAsTheOracleSays()
    {
        var scenario = Scenario.Generate(Seed, ScenarioSize.Small);
        Assert.True(scenario.Orders.Any(o => o.Pickup == PickupFate.Collected) && scenario.Orders.Any(o => o.Return is not null)
            && scenario.Orders.Any(o => o.Goodwill is not null) && scenario.Uploads.SelectMany(u => u.Transactions).Any(t => t.Shopper is not null),
            "the seed must produce collected pickups, returns in store, goodwill refunds and till sales by known shoppers");

        var report = await Harness.RunAsync(new HarnessOptions
        {
            Seed = Seed,
            Size = ScenarioSize.Small,
            Faults = Faults.All,
            DrainTimeout = TimeSpan.FromMinutes(4),
            Log = output.WriteLine,
        });
        output.WriteLine(report.ToString());

        Assert.True(report.Kills >= 1 && report.Instances == 2, "the run must kill and restart a runtime while a second one consumes the same queues");
        Assert.Equal(1, report.AzuriteRestarts);
        Assert.True(report.WebhookDuplicates > 0 && report.UploadDuplicates > 0 && report.ArrivedBeforeCreate > 0,
            "the seed must produce duplicates and out-of-order deliveries, or the run proves nothing about them");
        Assert.True(report.PoisonWebhooks > 0 && report.MalformedTransactions > 0, "the seed must produce poison");
        Assert.True(report.StoreActions > 0 && report.OrdersCompared > 0 && report.ShoppersCompared > 0 && report.JournalGroupsCompared > 0,
            "store actions must be sent and orders, points and journal totals compared");
        Assert.Equal(report.PoisonWebhooks, report.PoisonDeadLettered);
        Assert.Equal(report.MalformedTransactions, report.MalformedReported);
        Assert.Equal(0, report.AppliedTwice);
        Assert.True(report.Passed, report.ToString());
    }
}

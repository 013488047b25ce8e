using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// Concurrent redemptions against one points balance on Azurite: more redemptions than the balance can pay, from many
/// clients at once, through one ledger store (writers of one customer queue in-process) and through two stores
/// sharing the table (two runtime instances: the balance row's ETag decides). Every affordable redemption must
/// pass, every other be refused, and no ledger line may ever show a negative balance.
/// </summary>
public static class LoyaltyBench
{
    private const long PointsPerRedemption = 50;

    public static async Task RunAsync(Config config, Report report, CancellationToken ct)
    {
        var redemptions = config.Quick ? 1_000 : 4_000;
        var concurrency = 32;
        var balance = redemptions / 2 * PointsPerRedemption; // half of them are affordable
        Console.WriteLine();
        Console.WriteLine($"[loyalty] {redemptions} concurrent redemptions of {PointsPerRedemption} points from {concurrency} clients against one balance of {balance}");
        var azurite = await Started.AzuriteAsync();
        try
        {
            var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
            await account.ProvisionAsync(ct);
            var program = LoyaltyProgram.Default;
            // Warm-up: JIT and first connections are not part of the race.
            var warm = Ledger(new TableLoyaltyStore(account), program);
            await RaceAsync(warm, warm, "warmup", 4_000, 200, concurrency, ct);

            foreach (var instances in new[] { 1, 2 })
            {
                var first = new TableLoyaltyStore(account);
                var second = instances == 1 ? first : new TableLoyaltyStore(account);
                var customer = $"bench-{instances}-{Guid.NewGuid():N}";
                var firstLedger = Ledger(first, program);
                var secondLedger = instances == 1 ? firstLedger : Ledger(second, program);
                var (result, applied) = await RaceAsync(firstLedger, secondLedger, customer, balance, redemptions, concurrency, ct);
                var after = await first.GetAccountAsync(customer, ct);
                var entries = await first.GetEntriesAsync(customer, redemptions + 10, ct);
                var lowest = entries.Min(e => e.BalanceAfter);
                var redeemedInLedger = entries.Where(e => e.Kind == "redemption").Sum(e => -e.Points);

                var label = instances == 1 ? "Loyalty redemptions, 1 instance" : "Loyalty redemptions, 2 instances";
                var broken = new List<string>();
                var affordable = (int)(balance / PointsPerRedemption);
                if (applied != affordable) broken.Add($"{applied} redemptions passed, expected {affordable}");
                if (result.Count("refused") != redemptions - affordable) broken.Add($"{result.Count("refused")} refused, expected {redemptions - affordable}");
                if (after.Balance != balance - applied * PointsPerRedemption) broken.Add($"balance {after.Balance}, expected {balance - applied * PointsPerRedemption}");
                if (after.Balance < 0 || lowest < 0) broken.Add($"overdrawn: balance {after.Balance}, lowest ledger balance {lowest}");
                if (redeemedInLedger != applied * PointsPerRedemption) broken.Add($"the ledger holds {redeemedInLedger} redeemed points, expected {applied * PointsPerRedemption}");
                foreach (var reason in broken) report.Fail($"{label}: {reason}");

                report.Row(label, $"{Report.Fmt(result.PerSecond)} decisions/s",
                    $"{redemptions} redemptions of {PointsPerRedemption} against {balance} points, {concurrency} clients{(instances == 2 ? " alternating between two stores" : "")}, " +
                    $"{result.Elapsed.TotalSeconds:0.00} s; passed {applied}, refused {result.Count("refused")}, other {redemptions - applied - result.Count("refused")}; " +
                    $"balance after {after.Balance}, lowest ledger balance {lowest}; latency {result.Latency}; {(broken.Count == 0 ? "no overdraw, invariants held" : "INVARIANTS BROKEN")}");
                report.Figure(instances == 1 ? "loyaltyRedemptions" : "loyaltyRedemptionsTwoInstances", result.PerSecond);
                report.Result(instances == 1 ? "loyaltyRedemptions" : "loyaltyRedemptionsTwoInstances", new
                {
                    redemptions, concurrency, balance, passed = applied, refused = result.Count("refused"), balanceAfter = after.Balance, lowest,
                    decisionsPerSecond = Report.Round(result.PerSecond), p50Ms = result.Latency.P50Ms, p99Ms = result.Latency.P99Ms,
                });
            }
        }
        finally
        {
            await Started.StopAsync(azurite);
        }
    }

    /// <summary>The ledger as the runtime runs it: the store driven by the aggregate runner (one per runtime instance).</summary>
    private static LoyaltyService Ledger(TableLoyaltyStore store, LoyaltyProgram program) =>
        new(store, new CustomerOptions("DE", new Dictionary<string, string>(), program), TimeProvider.System);

    private static async Task<(LoadResult Result, int Applied)> RaceAsync(LoyaltyService first, LoyaltyService second, string customer, long balance,
        int redemptions, int concurrency, CancellationToken ct)
    {
        await first.ExecuteAsync(new LoyaltyCommand.Adjust(customer, balance, "benchmark balance", LoyaltyRoles.Crm, "bench", $"seed:{customer}", DateTimeOffset.UtcNow), ct);
        var applied = 0;
        var result = await Load.RunAsync(redemptions, concurrency, async (i, token) =>
        {
            try
            {
                var outcome = await (i % 2 == 0 ? first : second).ExecuteAsync(
                    new LoyaltyCommand.Redeem(customer, $"tender-{i:D6}", PointsPerRedemption, Channels.Web, null, DateTimeOffset.UtcNow), token);
                if (outcome.Outcome == CommandOutcome.Applied) Interlocked.Increment(ref applied);
                if (outcome.Outcome == CommandOutcome.Refused) return "refused";
                return outcome.Outcome.ToString().ToLowerInvariant();
            }
            catch (Refused)
            {
                return "refused";
            }
        }, ct);
        return (result, applied);
    }
}

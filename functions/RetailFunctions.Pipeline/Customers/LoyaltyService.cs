using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// The points ledger's edge inside the pipeline: runs commands against the store with the configured program,
/// moves points between profiles for merges, sweeps expired points, and summarizes an account for the views.
/// </summary>
public sealed class LoyaltyService(ILoyaltyStore store, CustomerOptions options, TimeProvider clock)
{
    public LoyaltyProgram Program => options.Program;

    /// <summary>Runs a command; a refusal comes back in the result (nothing written), never as a failure.</summary>
    public async Task<LoyaltyResult> ExecuteAsync(LoyaltyCommand command, CancellationToken ct)
    {
        try
        {
            return await store.ExecuteAsync(command, options.Program, ct);
        }
        catch (Refused refused)
        {
            return new LoyaltyResult(CommandOutcome.Refused, [], await store.GetAccountAsync(command.CustomerId, ct), refused);
        }
    }

    /// <summary>
    /// Moves up to maxPoints (all when null) of one account's unexpired points to another with their expiry; returns
    /// how many moved. Both halves are idempotent under the transfer id, so a retry finishes a half-done transfer.
    /// </summary>
    /// <summary>
    /// Moves points (at most maxPoints) and spend (the given entries, or all) between profiles; a repeat under the same
    /// transfer id moves nothing again and answers what the first moved.
    /// </summary>
    public async Task<LoyaltyTransfer> TransferAsync(string from, string to, string transferId, long? maxPoints, DateTimeOffset at, CancellationToken ct,
        IReadOnlyList<SpendEntry>? spend = null)
    {
        var result = await store.ExecuteAsync(new LoyaltyCommand.TransferOut(from, transferId, to, maxPoints, at, spend), options.Program, ct);
        var moved = result.Events.OfType<LoyaltyEvent.TransferredOut>().ToList();
        var lots = moved.SelectMany(e => e.Lots).ToList();
        var spent = moved.SelectMany(e => e.Spend ?? []).ToList();
        if (lots.Count > 0 || spent.Count > 0)
            await store.ExecuteAsync(new LoyaltyCommand.TransferIn(to, transferId, from, lots, at, spent), options.Program, ct);
        return new LoyaltyTransfer(lots.Sum(l => l.Remaining), spent);
    }

    /// <summary>What an order earned on a profile's own ledger, if it earned there.</summary>
    public Task<OrderAccrual?> AccrualAsync(string customerId, string orderId, CancellationToken ct) => store.GetOrderAsync(customerId, orderId, ct);

    /// <summary>Expires the points of every account holding expired lots; returns a line for the timer's log.</summary>
    public async Task<string> ExpireDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await store.DueForExpiryAsync(now, 1000, ct);
        long points = 0;
        foreach (var customerId in due)
            points -= (await ExecuteAsync(new LoyaltyCommand.Expire(customerId, now), ct)).Events.Sum(e => e.Delta);
        return $"{points} points expired on {due.Count} accounts";
    }

    public async Task<LoyaltySummary> SummaryAsync(string customerId, CancellationToken ct, int entries = 50)
    {
        var account = await store.GetAccountAsync(customerId, ct);
        var now = clock.GetUtcNow();
        var spend = account.RollingSpend(now, options.Program.SpendWindowDays);
        var spendable = LoyaltyDecider.Spendable(account, now);
        return new LoyaltySummary(account.Balance, spendable, options.Program.TierFor(spend), spend,
            options.Program.ValueOf(spendable).Amount, options.Program.Currency, await store.GetEntriesAsync(customerId, entries, ct));
    }
}

/// <summary>What a transfer between profiles moved: the points, and the spend that counts toward tiers.</summary>
public sealed record LoyaltyTransfer(long Points, IReadOnlyList<SpendEntry> Spend);

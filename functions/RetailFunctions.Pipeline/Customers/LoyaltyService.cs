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
    public async Task<long> TransferAsync(string from, string to, string transferId, long? maxPoints, DateTimeOffset at, CancellationToken ct)
    {
        var result = await store.ExecuteAsync(new LoyaltyCommand.TransferOut(from, transferId, to, maxPoints, at), options.Program, ct);
        var lots = result.Events.OfType<LoyaltyEvent.TransferredOut>().SelectMany(e => e.Lots).ToList();
        if (lots.Count > 0) await store.ExecuteAsync(new LoyaltyCommand.TransferIn(to, transferId, from, lots, at), options.Program, ct);
        return lots.Sum(l => l.Remaining);
    }

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

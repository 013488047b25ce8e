using System.Collections.Concurrent;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Aggregates;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// The points ledger's edge inside the pipeline: runs commands against the store with the configured program,
/// moves points between profiles for merges, sweeps expired points, and summarizes an account for the views.
/// </summary>
public sealed class LoyaltyService(ILoyaltyStore store, CustomerOptions options, TimeProvider clock)
{
    private readonly AggregateRunner<LoyaltyKey, LoyaltyRows, LoyaltyChange> _accounts = new(store, maxAttempts: 64, serialize: true);

    /// <summary>
    /// Each account as this process last wrote or read it, with its tag. A returning shopper's next accrual decides on
    /// it instead of reading the account again; a change made elsewhere since fails the write's tag check, and the
    /// runner reads and decides again. Bounded: cleared when full, which costs each account one read.
    /// </summary>
    private readonly ConcurrentDictionary<string, LoyaltyRows> _kept = new(StringComparer.Ordinal);
    private const int MaxKept = 4096;

    public LoyaltyProgram Program => options.Program;

    /// <summary>
    /// Runs a command; a refusal comes back in the result (nothing written) with the account as it was read for the
    /// decision, never as a failure.
    /// <para>
    /// A purchase's accrual names an order the ledger has not seen and a key not yet applied, nearly always: it is
    /// decided on the account alone (not read at all when <paramref name="newAccount"/>: a profile just created has
    /// none; nor when this process holds the account as it last stood), and its write, which adds the order's row and
    /// the key's and checks the account's tag, proves that. When a row is there or the account moved, the write fails
    /// and the runner reads all three rows and decides again, so a repeat is still recognised.
    /// </para>
    /// </summary>
    public async Task<LoyaltyResult> ExecuteAsync(LoyaltyCommand command, CancellationToken ct, bool newAccount = false)
    {
        var key = new LoyaltyKey(command.CustomerId, command.IdempotencyKey, OrderOf(command));
        var assumed = command is not LoyaltyCommand.Accrue ? null
            : newAccount ? LoyaltyRows.AccountOnly(LoyaltyAccount.Open(command.CustomerId), null)
            : _kept.TryGetValue(command.CustomerId, out var kept) ? kept
            : await store.LoadAccountAsync(command.CustomerId, ct);
        var ran = await _accounts.RunAsync(command.CustomerId, key, rows => Decide(command, rows, options.Program), ct, assumed);
        Keep(command.CustomerId, LoyaltyRows.AccountOnly(ran.Slice.Account, ran.Slice.AccountTag));
        return ran.Result;
    }

    /// <summary>
    /// The runner answers the account as written or as read, so it is current. Two runs for one account end in
    /// either order here; the one further along the ledger is kept, so a late answer does not replace a newer one.
    /// </summary>
    private void Keep(string customerId, LoyaltyRows account)
    {
        if (_kept.Count >= MaxKept) _kept.Clear();
        _kept.AddOrUpdate(customerId, account, (_, held) => held.Account.Sequence > account.Account.Sequence ? held : account);
    }

    /// <summary>
    /// Decides a command on the account (and the order it names) and saves its events, the new balance and the
    /// command's key in one write; a repeated key answers AlreadyApplied with the events first written. Throws
    /// <see cref="Refused"/> when the rules refuse.
    /// </summary>
    private async Task<LoyaltyResult> RunAsync(LoyaltyCommand command, CancellationToken ct)
    {
        var result = await ExecuteAsync(command, ct);
        return result.Refusal is { } refused ? throw refused : result;
    }

    private static Decision<LoyaltyChange, LoyaltyResult> Decide(LoyaltyCommand command, LoyaltyRows rows, LoyaltyProgram program)
    {
        if (rows.Applied is { } applied) return Decision.Nothing<LoyaltyChange, LoyaltyResult>(new(CommandOutcome.AlreadyApplied, applied, rows.Account));
        var slice = new LoyaltySlice(rows.Account, rows.Order);
        IReadOnlyList<LoyaltyEvent> events;
        try
        {
            events = LoyaltyDecider.Decide(command, slice, program);
        }
        catch (Refused refused)
        {
            return Decision.Nothing<LoyaltyChange, LoyaltyResult>(new(CommandOutcome.Refused, [], rows.Account, refused));
        }
        if (events.Count == 0) return Decision.Nothing<LoyaltyChange, LoyaltyResult>(new(CommandOutcome.NoOp, [], rows.Account));
        var after = LoyaltyDecider.Evolve(slice, events);
        var compacted = LoyaltyDecider.Compact(after.Account, command.At, program.SpendWindowDays);
        var entries = new List<LoyaltyEntry>();
        var balance = rows.Account.Balance;
        for (var i = 0; i < events.Count; i++)
        {
            balance += events[i].Delta;
            entries.Add(LoyaltyEntries.From(events[i], rows.Account.Sequence + i + 1, balance));
        }
        var order = after.Order is { } changed && !Equals(changed, rows.Order) ? changed : null;
        return Decision.Write(new LoyaltyChange(command.IdempotencyKey, command.At, events, compacted, order, entries),
            new LoyaltyResult(CommandOutcome.Applied, events, compacted));
    }

    private static string? OrderOf(LoyaltyCommand command) => command switch
    {
        LoyaltyCommand.Accrue c => c.OrderId,
        LoyaltyCommand.Reverse c => c.OrderId,
        _ => null,
    };

    /// <summary>
    /// Moves points (at most maxPoints) and spend (the given entries, or all) between profiles; a repeat under the same
    /// transfer id moves nothing again and answers what the first moved.
    /// </summary>
    public async Task<LoyaltyTransfer> TransferAsync(string from, string to, string transferId, long? maxPoints, DateTimeOffset at, CancellationToken ct,
        IReadOnlyList<SpendEntry>? spend = null)
    {
        var result = await RunAsync(new LoyaltyCommand.TransferOut(from, transferId, to, maxPoints, at, spend), ct);
        var moved = result.Events.OfType<LoyaltyEvent.TransferredOut>().ToList();
        var lots = moved.SelectMany(e => e.Lots).ToList();
        var spent = moved.SelectMany(e => e.Spend ?? []).ToList();
        if (lots.Count > 0 || spent.Count > 0)
            await RunAsync(new LoyaltyCommand.TransferIn(to, transferId, from, lots, at, spent), ct);
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

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;

namespace RetailFunctions.Domain.Loyalty;

/// <summary>Points earned together, spent oldest first and expiring together.</summary>
public sealed record PointLot(string Source, long Remaining, DateTimeOffset EarnedAt, DateTimeOffset ExpiresAt);

/// <summary>Spend counted towards tiers (negative for returns).</summary>
public sealed record SpendEntry(DateTimeOffset At, decimal Amount);

/// <summary>
/// A customer's points: the balance (negative only when a return took back points already spent), the lots that make
/// up a positive balance, and the spend of the rolling window. Sequence counts the ledger's entries.
/// </summary>
public sealed record LoyaltyAccount(string CustomerId, long Balance, IReadOnlyList<PointLot> Lots, IReadOnlyList<SpendEntry> Spend, long Sequence)
{
    public static LoyaltyAccount Open(string customerId) => new(customerId, 0, [], [], 0);

    public decimal RollingSpend(DateTimeOffset at, int windowDays) =>
        Math.Max(0m, Spend.Where(s => s.At > at.AddDays(-windowDays) && s.At <= at).Sum(s => s.Amount));
}

/// <summary>What one order earned and how much of it has come back.</summary>
public sealed record OrderAccrual(string OrderId, string Channel, decimal Net, long Points, decimal ReturnedNet, long ReversedPoints, bool Accrued, DateTimeOffset At);

/// <summary>The rows a command reads: the account, and the order it names, if any.</summary>
public sealed record LoyaltySlice(LoyaltyAccount Account, OrderAccrual? Order);

public abstract record LoyaltyCommand(string CustomerId, string IdempotencyKey, DateTimeOffset At)
{
    /// <summary>Earn on a purchase. Net is the paid amount excluding tax and gift cards.</summary>
    public sealed record Accrue(string CustomerId, string OrderId, string Channel, Money Net, string IdempotencyKey, DateTimeOffset At)
        : LoyaltyCommand(CustomerId, IdempotencyKey, At);

    /// <summary>
    /// Give back the points of returned lines, in proportion to the returned net amount. Inherited is what the order
    /// earned on a profile since merged into this one (its accrual stayed with that profile's ledger).
    /// </summary>
    public sealed record Reverse(string CustomerId, string OrderId, string ReturnId, Money ReturnedNet, string IdempotencyKey, DateTimeOffset At,
        OrderAccrual? Inherited = null)
        : LoyaltyCommand(CustomerId, IdempotencyKey, At);

    /// <summary>Spend points as a tender; refused when the balance is short.</summary>
    public sealed record Redeem(string CustomerId, string RedemptionId, long Points, string Channel, string? OrderReference, DateTimeOffset At)
        : LoyaltyCommand(CustomerId, $"redeem:{RedemptionId}", At);

    public sealed record Expire(string CustomerId, DateTimeOffset At)
        : LoyaltyCommand(CustomerId, $"expire:{At.UtcDateTime:yyyyMMddHH}", At);

    public sealed record Adjust(string CustomerId, long Points, string Reason, string? Role, string Actor, string IdempotencyKey, DateTimeOffset At)
        : LoyaltyCommand(CustomerId, IdempotencyKey, At);

    /// <summary>
    /// A merge moves the absorbed profile's points (its lots, with their expiry) and its spend (which counts toward the
    /// survivor's tier) to the survivor, or back. Spend names the entries to move; null moves all of the account's.
    /// </summary>
    public sealed record TransferOut(string CustomerId, string TransferId, string To, long? MaxPoints, DateTimeOffset At,
        IReadOnlyList<SpendEntry>? Spend = null)
        : LoyaltyCommand(CustomerId, $"transfer:{TransferId}:out", At);

    public sealed record TransferIn(string CustomerId, string TransferId, string From, IReadOnlyList<PointLot> Lots, DateTimeOffset At,
        IReadOnlyList<SpendEntry>? Spend = null)
        : LoyaltyCommand(CustomerId, $"transfer:{TransferId}:in", At);
}

/// <summary>What happened to a ledger; Delta is the signed change of the balance.</summary>
public abstract record LoyaltyEvent(long Delta, DateTimeOffset At)
{
    public sealed record Accrued(string OrderId, string Channel, Money Net, string Tier, decimal Rate, long Points, DateTimeOffset ExpiresAt, DateTimeOffset At) : LoyaltyEvent(Points, At);
    /// <summary>A return that arrived before its purchase: kept, and applied when the purchase arrives.</summary>
    public sealed record ReturnHeld(string OrderId, string ReturnId, Money ReturnedNet, DateTimeOffset At) : LoyaltyEvent(0, At);
    /// <summary>Points taken back for a return; Inherited is the accrual it reversed against when that came with a merge.</summary>
    public sealed record Reversed(string OrderId, string ReturnId, Money ReturnedNet, long Points, DateTimeOffset At, OrderAccrual? Inherited = null)
        : LoyaltyEvent(-Points, At);
    public sealed record Redeemed(string RedemptionId, long Points, Money Value, string Channel, string? OrderReference, DateTimeOffset At) : LoyaltyEvent(-Points, At);
    public sealed record Expired(long Points, DateTimeOffset At) : LoyaltyEvent(-Points, At);
    public sealed record Adjusted(long Points, string Reason, string Role, string Actor, DateTimeOffset ExpiresAt, DateTimeOffset At) : LoyaltyEvent(Points, At);
    public sealed record TransferredOut(string TransferId, string To, IReadOnlyList<PointLot> Lots, DateTimeOffset At, IReadOnlyList<SpendEntry>? Spend = null)
        : LoyaltyEvent(-Lots.Sum(l => l.Remaining), At);
    public sealed record TransferredIn(string TransferId, string From, IReadOnlyList<PointLot> Lots, DateTimeOffset At, IReadOnlyList<SpendEntry>? Spend = null)
        : LoyaltyEvent(Lots.Sum(l => l.Remaining), At);
    public sealed record TierChanged(string From, string To, DateTimeOffset At) : LoyaltyEvent(0, At);
}

/// <summary>
/// The points ledger's rules as pure functions. The ledger is append-only: every change is an event with its signed
/// points; the account is their sum. Storage writes a decision's events, the new account and the command's
/// idempotency key in one atomic, ETag-checked write, so concurrent redemptions are decided one after the other and
/// never overdraw.
/// </summary>
public static class LoyaltyDecider
{
    public static IReadOnlyList<LoyaltyEvent> Decide(LoyaltyCommand command, LoyaltySlice slice, LoyaltyProgram program) => command switch
    {
        LoyaltyCommand.Accrue c => Accrue(c, slice, program),
        LoyaltyCommand.Reverse c => Reverse(c, slice, program),
        LoyaltyCommand.Redeem c => Redeem(c, slice.Account, program),
        LoyaltyCommand.Expire c => ExpiredLots(slice.Account, c.At) is { Count: > 0 } lots ? [new LoyaltyEvent.Expired(lots.Sum(l => l.Remaining), c.At)] : [],
        LoyaltyCommand.Adjust c => Adjust(c, slice.Account, program),
        LoyaltyCommand.TransferOut c => TransferOut(c, slice.Account),
        LoyaltyCommand.TransferIn c => c.Lots.Sum(l => l.Remaining) > 0 || c.Spend is { Count: > 0 }
            ? [new LoyaltyEvent.TransferredIn(c.TransferId, c.From, c.Lots, c.At, c.Spend)]
            : [],
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown loyalty command"),
    };

    /// <summary>
    /// Why a purchase or a return moves no points whatever the account holds (no order id, another currency), or null:
    /// known before the account is read.
    /// </summary>
    public static Refused? RefusalOf(LoyaltyCommand command, LoyaltyProgram program) => command switch
    {
        LoyaltyCommand.Accrue c when string.IsNullOrWhiteSpace(c.OrderId) => Refused.Invalid("orderId", "an accrual needs the order id"),
        LoyaltyCommand.Accrue c when c.Net.Currency != program.Currency =>
            Refused.Invalid("currency", $"purchases in {c.Net.Currency} earn no points; the program runs in {program.Currency}"),
        LoyaltyCommand.Reverse c when string.IsNullOrWhiteSpace(c.OrderId) =>
            Refused.Invalid("originalOrderId", "a return needs the original order id"),
        LoyaltyCommand.Reverse c when c.ReturnedNet.Currency != program.Currency =>
            Refused.Invalid("currency", $"returns in {c.ReturnedNet.Currency} reverse no points; the program runs in {program.Currency}"),
        _ => null,
    };

    private static IReadOnlyList<LoyaltyEvent> Accrue(LoyaltyCommand.Accrue c, LoyaltySlice slice, LoyaltyProgram program)
    {
        if (RefusalOf(c, program) is { } refused) throw refused;
        if (slice.Order is { Accrued: true } || c.Net.Amount <= 0m) return [];
        var account = slice.Account;
        var tier = program.TierFor(account.RollingSpend(c.At, program.SpendWindowDays));
        var rate = program.RateFor(c.Channel, tier);
        var points = (long)Math.Floor(c.Net.Amount * rate);
        var events = new List<LoyaltyEvent> { new LoyaltyEvent.Accrued(c.OrderId, c.Channel, c.Net, tier, rate, points, c.At.AddDays(program.ExpiryDays), c.At) };
        var order = new OrderAccrual(c.OrderId, c.Channel, c.Net.Amount, points, slice.Order?.ReturnedNet ?? 0m, 0, true, c.At);
        // Returns that arrived first are reversed now, as if they had come after.
        if (order.ReturnedNet > 0m && ReversalPoints(order, order.ReturnedNet) is > 0 and var held)
            events.Add(new LoyaltyEvent.Reversed(c.OrderId, "held-returns", new Money(order.ReturnedNet, program.Currency), held, c.At));
        var after = Evolve(slice, events).Account;
        var newTier = program.TierFor(after.RollingSpend(c.At, program.SpendWindowDays));
        if (newTier != tier) events.Add(new LoyaltyEvent.TierChanged(tier, newTier, c.At));
        return events;
    }

    private static IReadOnlyList<LoyaltyEvent> Reverse(LoyaltyCommand.Reverse c, LoyaltySlice slice, LoyaltyProgram program)
    {
        if (RefusalOf(c, program) is { } refused) throw refused;
        if (c.ReturnedNet.Amount <= 0m) return [];
        // An order bought on a profile since merged into this one earned its points there: its accrual comes along,
        // with any return this ledger held for want of it.
        var inherited = slice.Order is { Accrued: true } || c.Inherited is not { Accrued: true } bought ? null
            : bought with { ReturnedNet = bought.ReturnedNet + (slice.Order?.ReturnedNet ?? 0m) };
        if ((inherited ?? slice.Order) is not { Accrued: true } order) return [new LoyaltyEvent.ReturnHeld(c.OrderId, c.ReturnId, c.ReturnedNet, c.At)];
        var points = ReversalPoints(order, order.ReturnedNet + c.ReturnedNet.Amount);
        var tier = program.TierFor(slice.Account.RollingSpend(c.At, program.SpendWindowDays));
        var events = new List<LoyaltyEvent> { new LoyaltyEvent.Reversed(c.OrderId, c.ReturnId, c.ReturnedNet, points, c.At, inherited) };
        var after = Evolve(slice, events).Account;
        var newTier = program.TierFor(after.RollingSpend(c.At, program.SpendWindowDays));
        if (newTier != tier) events.Add(new LoyaltyEvent.TierChanged(tier, newTier, c.At));
        return events;
    }

    /// <summary>
    /// The points to take back so that, in all, <c>floor(points × returned / net)</c> have been reversed (capped at the
    /// whole order): rounding never drifts across several partial returns, and a full return reverses exactly what was earned.
    /// </summary>
    public static long ReversalPoints(OrderAccrual order, decimal returnedNetInAll)
    {
        if (order.Net <= 0m) return 0;
        // Multiply before dividing, so that a third of 99 points is 33, not 32.999...
        var target = (long)Math.Floor(order.Points * Math.Min(returnedNetInAll, order.Net) / order.Net);
        return Math.Max(0, target - order.ReversedPoints);
    }

    private static IReadOnlyList<LoyaltyEvent> Redeem(LoyaltyCommand.Redeem c, LoyaltyAccount account, LoyaltyProgram program)
    {
        if (string.IsNullOrWhiteSpace(c.RedemptionId)) throw Refused.Invalid("redemptionId", "a redemption needs its id");
        if (c.Points <= 0) throw Refused.Invalid("points", "a redemption needs a positive number of points");
        var spendable = Spendable(account, c.At);
        if (spendable < c.Points)
            throw Refused.Conflict("points", $"the balance is {spendable} points; {c.Points} cannot be redeemed");
        return [new LoyaltyEvent.Redeemed(c.RedemptionId, c.Points, program.ValueOf(c.Points), c.Channel, c.OrderReference, c.At)];
    }

    /// <summary>Points that can be spent now: the balance less lots that have expired but not been swept yet.</summary>
    public static long Spendable(LoyaltyAccount account, DateTimeOffset at) =>
        Math.Max(0, account.Balance - ExpiredLots(account, at).Sum(l => l.Remaining));

    private static IReadOnlyList<LoyaltyEvent> Adjust(LoyaltyCommand.Adjust c, LoyaltyAccount account, LoyaltyProgram program)
    {
        if (string.IsNullOrEmpty(c.Role) || !LoyaltyRoles.MayAdjust.Contains(c.Role))
            throw Refused.Forbidden("role", $"role '{c.Role}' may not adjust points; allowed: {string.Join(", ", LoyaltyRoles.MayAdjust)}");
        if (c.Points == 0) throw Refused.Invalid("points", "an adjustment of zero changes nothing");
        if (string.IsNullOrWhiteSpace(c.Reason)) throw Refused.Invalid("reason", "an adjustment needs a reason");
        if (c.Role == LoyaltyRoles.StoreManager && Math.Abs(c.Points) > program.StoreManagerAdjustmentLimit)
            throw Refused.Forbidden("points", $"a store manager may adjust at most {program.StoreManagerAdjustmentLimit} points; ask the CRM team");
        if (c.Points < 0 && Spendable(account, c.At) < -c.Points)
            throw Refused.Conflict("points", $"the balance is {Spendable(account, c.At)} points; an adjustment cannot take {-c.Points}");
        return [new LoyaltyEvent.Adjusted(c.Points, c.Reason.Trim(), c.Role, c.Actor, c.At.AddDays(program.ExpiryDays), c.At)];
    }

    private static IReadOnlyList<LoyaltyEvent> TransferOut(LoyaltyCommand.TransferOut c, LoyaltyAccount account)
    {
        var live = account.Lots.Where(l => l.ExpiresAt > c.At && l.Remaining > 0).OrderBy(l => l.ExpiresAt).ToList();
        var budget = Math.Min(c.MaxPoints ?? long.MaxValue, Math.Max(0, account.Balance));
        var moved = new List<PointLot>();
        foreach (var lot in live)
        {
            if (budget <= 0) break;
            var take = Math.Min(lot.Remaining, budget);
            moved.Add(lot with { Remaining = take });
            budget -= take;
        }
        var spend = c.Spend is null ? account.Spend.ToList() : Present(account.Spend, c.Spend);
        return moved.Count == 0 && spend.Count == 0 ? [] : [new LoyaltyEvent.TransferredOut(c.TransferId, c.To, moved, c.At, spend)];
    }

    /// <summary>The wanted entries the spend still holds, each at most as often as it is there.</summary>
    private static List<SpendEntry> Present(IReadOnlyList<SpendEntry> held, IReadOnlyList<SpendEntry> wanted)
    {
        var left = held.ToList();
        var found = new List<SpendEntry>();
        foreach (var entry in wanted)
            if (left.Remove(entry)) found.Add(entry);
        return found;
    }

    private static List<PointLot> ExpiredLots(LoyaltyAccount account, DateTimeOffset at) =>
        account.Lots.Where(l => l.ExpiresAt <= at && l.Remaining > 0).ToList();

    public static LoyaltySlice Evolve(LoyaltySlice slice, IEnumerable<LoyaltyEvent> events) => events.Aggregate(slice, Evolve);

    public static LoyaltySlice Evolve(LoyaltySlice slice, LoyaltyEvent @event)
    {
        var account = slice.Account with { Sequence = slice.Account.Sequence + 1 };
        var order = slice.Order;
        switch (@event)
        {
            case LoyaltyEvent.Accrued e:
                account = Add(account, e.Points, new PointLot($"order:{e.OrderId}", e.Points, e.At, e.ExpiresAt));
                account = account with { Spend = [.. account.Spend, new SpendEntry(e.At, e.Net.Amount)] };
                order = new OrderAccrual(e.OrderId, e.Channel, e.Net.Amount, e.Points, order?.ReturnedNet ?? 0m, order?.ReversedPoints ?? 0, true, e.At);
                break;
            case LoyaltyEvent.ReturnHeld e:
                order = (order ?? new OrderAccrual(e.OrderId, "", 0m, 0, 0m, 0, false, e.At)) with { ReturnedNet = (order?.ReturnedNet ?? 0m) + e.ReturnedNet.Amount };
                break;
            case LoyaltyEvent.Reversed e:
                order = e.Inherited ?? order;
                account = Remove(account, e.Points, $"order:{e.OrderId}");
                var held = e.ReturnId == "held-returns";
                if (!held) account = account with { Spend = [.. account.Spend, new SpendEntry(e.At, -e.ReturnedNet.Amount)] };
                else account = account with { Spend = [.. account.Spend, new SpendEntry(e.At, -Math.Min(order!.ReturnedNet, order.Net))] };
                order = order! with
                {
                    ReturnedNet = held ? order.ReturnedNet : order.ReturnedNet + e.ReturnedNet.Amount,
                    ReversedPoints = order.ReversedPoints + e.Points,
                };
                break;
            case LoyaltyEvent.Redeemed e:
                account = Remove(account, e.Points, null);
                break;
            case LoyaltyEvent.Expired e:
                account = account with
                {
                    Balance = account.Balance - e.Points,
                    Lots = account.Lots.Where(l => l.ExpiresAt > e.At && l.Remaining > 0).ToList(),
                };
                break;
            case LoyaltyEvent.Adjusted e when e.Points > 0:
                account = Add(account, e.Points, new PointLot($"adjustment:{account.Sequence}", e.Points, e.At, e.ExpiresAt));
                break;
            case LoyaltyEvent.Adjusted e:
                account = Remove(account, -e.Points, null);
                break;
            case LoyaltyEvent.TransferredOut e:
                foreach (var lot in e.Lots) account = Remove(account, lot.Remaining, lot.Source);
                account = account with { Spend = Without(account.Spend, e.Spend ?? []) };
                break;
            case LoyaltyEvent.TransferredIn e:
                foreach (var lot in e.Lots) account = Add(account, lot.Remaining, lot);
                account = account with { Spend = [.. account.Spend, .. e.Spend ?? []] };
                break;
            case LoyaltyEvent.TierChanged:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "unknown loyalty event");
        }
        return new LoyaltySlice(account, order);
    }

    /// <summary>Adds points as a lot; while the balance is negative, they first pay back what is owed.</summary>
    private static LoyaltyAccount Add(LoyaltyAccount account, long points, PointLot lot)
    {
        var owed = Math.Max(0, -account.Balance);
        var kept = Math.Max(0, points - owed);
        var lots = kept > 0 ? [.. account.Lots, lot with { Remaining = kept }] : account.Lots;
        return account with { Balance = account.Balance + points, Lots = lots };
    }

    /// <summary>Takes points from the named lot first, then the lots expiring soonest; what lots cannot cover is owed.</summary>
    private static LoyaltyAccount Remove(LoyaltyAccount account, long points, string? preferredSource)
    {
        var lots = account.Lots.ToList();
        var order = lots.Select((lot, index) => (lot, index))
            .OrderBy(x => x.lot.Source == preferredSource ? 0 : 1).ThenBy(x => x.lot.ExpiresAt).ThenBy(x => x.index)
            .Select(x => x.index).ToList();
        var left = points;
        foreach (var i in order)
        {
            if (left == 0) break;
            var take = Math.Min(lots[i].Remaining, left);
            lots[i] = lots[i] with { Remaining = lots[i].Remaining - take };
            left -= take;
        }
        return account with { Balance = account.Balance - points, Lots = lots.Where(l => l.Remaining > 0).ToList() };
    }

    private static List<SpendEntry> Without(IReadOnlyList<SpendEntry> held, IReadOnlyList<SpendEntry> moved)
    {
        var left = held.ToList();
        foreach (var entry in moved) left.Remove(entry);
        return left;
    }

    /// <summary>Drops spend that has left the rolling window, so an account's row stays small.</summary>
    public static LoyaltyAccount Compact(LoyaltyAccount account, DateTimeOffset at, int windowDays) =>
        account with { Spend = account.Spend.Where(s => s.At > at.AddDays(-windowDays)).ToList() };
}

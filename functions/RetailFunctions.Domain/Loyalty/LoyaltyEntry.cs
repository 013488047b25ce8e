namespace RetailFunctions.Domain.Loyalty;

/// <summary>One line of the append-only ledger as stored: what happened, its signed points, and the balance after it.</summary>
public sealed record LoyaltyEntry(long Sequence, string Kind, long Points, long BalanceAfter, string? Reference, string? Detail, DateTimeOffset At);

/// <summary>A customer's loyalty as the views show it.</summary>
public sealed record LoyaltySummary(long Balance, long Spendable, string Tier, decimal RollingSpend, decimal Value, string Currency, IReadOnlyList<LoyaltyEntry> Entries);

public static class LoyaltyEntries
{
    /// <summary>The ledger line an event becomes (the idempotency key of its command is its reference when it has no better one).</summary>
    public static LoyaltyEntry From(LoyaltyEvent e, long sequence, long balanceAfter) => e switch
    {
        LoyaltyEvent.Accrued a => new(sequence, "accrual", a.Delta, balanceAfter, a.OrderId, $"{a.Channel}, {a.Net}, tier {a.Tier}, rate {a.Rate}", a.At),
        LoyaltyEvent.ReturnHeld h => new(sequence, "return-held", 0, balanceAfter, h.OrderId, $"return {h.ReturnId} of {h.ReturnedNet} before its purchase", h.At),
        LoyaltyEvent.Reversed r => new(sequence, "reversal", r.Delta, balanceAfter, r.OrderId, $"return {r.ReturnId} of {r.ReturnedNet}", r.At),
        LoyaltyEvent.Redeemed r => new(sequence, "redemption", r.Delta, balanceAfter, r.RedemptionId, $"{r.Channel}, worth {r.Value}{(r.OrderReference is null ? "" : $", order {r.OrderReference}")}", r.At),
        LoyaltyEvent.Expired x => new(sequence, "expiry", x.Delta, balanceAfter, null, null, x.At),
        LoyaltyEvent.Adjusted a => new(sequence, "adjustment", a.Delta, balanceAfter, a.Actor, $"{a.Reason} (by {a.Role})", a.At),
        LoyaltyEvent.TransferredOut t => new(sequence, "transfer-out", t.Delta, balanceAfter, t.To, $"transfer {t.TransferId}", t.At),
        LoyaltyEvent.TransferredIn t => new(sequence, "transfer-in", t.Delta, balanceAfter, t.From, $"transfer {t.TransferId}", t.At),
        LoyaltyEvent.TierChanged t => new(sequence, "tier", 0, balanceAfter, t.To, $"{t.From} -> {t.To}", t.At),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown loyalty event"),
    };
}

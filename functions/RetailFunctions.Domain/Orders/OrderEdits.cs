namespace RetailFunctions.Domain.Orders;

/// <summary>
/// Order edits: units added to or removed from an order's lines after it was placed. The edited draft replaces the
/// order's (an <see cref="OrderEvent.OrderRevised"/>), so holds follow it (a cut line's hold is released and what it
/// still needs routed again) and later captures book the edited order's revenue.
/// </summary>
public static class OrderEdits
{
    public static OrderDecision Apply(OrderCommand.ApplyChannelEdit c, Order order)
    {
        // Unknown yet, or a snapshot taken at or after the edit already holds it: the newest snapshot decides.
        if (order.Draft is not { } draft || order.Version >= c.Version) return OrderDecision.NoOp;
        var lines = draft.Lines.Select(line =>
            Resized(line, line.Quantity + c.Added.GetValueOrDefault(line.LineId) - c.Removed.GetValueOrDefault(line.LineId), draft.Currency)).ToList();
        var edited = draft with { Lines = lines };
        // The document's stated total no longer describes the edited parts; what it was off by stays (no new exception).
        edited = edited with { StatedTotal = draft.StatedTotal is null ? null : edited.ComputedTotal + draft.Mismatch };
        return new OrderDecision.Accept([new OrderEvent.OrderRevised(c.At, edited, c.Version)]);
    }

    /// <summary>
    /// A line at another quantity: its discount and tax scale with it in the currency's minor unit (a line cut to
    /// nothing keeps nothing). The channel's next snapshot states the exact figures.
    /// </summary>
    public static OrderLine Resized(OrderLine line, decimal quantity, string currency)
    {
        quantity = Math.Max(0m, quantity);
        if (quantity == line.Quantity) return line;
        if (line.Quantity <= 0m) return line with { Quantity = quantity };
        return line with
        {
            Quantity = quantity,
            Discount = RefundMath.Minor(line.Discount * quantity / line.Quantity, currency),
            Tax = RefundMath.Minor(line.Tax * quantity / line.Quantity, currency),
            Amount = line.Amount is { } amount ? RefundMath.Minor(amount * quantity / line.Quantity, currency) : null,
        };
    }
}

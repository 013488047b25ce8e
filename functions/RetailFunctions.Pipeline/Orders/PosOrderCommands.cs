using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using Tender = RetailFunctions.Domain.Orders.Tender;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// A till sale as an order: carried out at the till (the till already moved the stock), paid by its tenders, found
/// by its receipt. The money is the till's, reckoned as the journal books it, so the order's total is the receipt's
/// and its captures cover it: a till sale never waits for a capture. Pure; the SKUs and the canonical store arrive resolved.
/// </summary>
public static class PosOrderCommands
{
    public static bool IsOrder(PosTransaction transaction) =>
        transaction.Kind == PosTransactionKind.Sale && transaction.Lines.Any(l => !l.Voided && l.Kind == PosLineKind.Sale && l.Quantity > 0m);

    public static IReadOnlyList<OrderCommand> Record(PosTransaction transaction, string? store, IReadOnlyDictionary<int, string?> skuByPosition,
        string sourceReference, DateTimeOffset now)
    {
        var receipt = transaction.Receipt;
        var reckoning = TillReceipts.Reckon(transaction);
        var at = transaction.EndDateTime ?? new DateTimeOffset(receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var described = transaction.Lines.ToDictionary(l => l.Position, l => l.Description ?? l.ItemId);
        var lines = reckoning.Sold
            .Select(l => l.Position == 0
                ? new OrderLine("adjustment", null, "till adjustment", 0m, 0m, l.Discount, l.Tax, Amount: l.Gross)
                : new OrderLine($"{l.Position}", skuByPosition.GetValueOrDefault(l.Position), described.GetValueOrDefault(l.Position, l.ItemId), l.Quantity,
                    l.Quantity == 0m ? 0m : Currencies.Round(l.Gross / l.Quantity, transaction.Currency), l.Discount, l.Tax, IsGiftCard: l.GiftCard,
                    ChannelItem: l.ItemId, Amount: l.Gross))
            .ToList();
        var customer = transaction.LoyaltyId is null && transaction.CustomerEmail is null && transaction.CustomerPhone is null
            ? null
            : new CustomerReference(null, transaction.CustomerEmail, transaction.CustomerPhone, transaction.LoyaltyId);
        var draft = new OrderDraft(Channels.Pos, References(receipt), transaction.Currency, at, customer, FulfilmentMethod.CarryOut, store,
            ShipTo: null, PlacedAtLocation: store, lines, Shipping: 0m, ShippingTax: 0m, reckoning.TaxIncluded, receipt.BusinessDay, sourceReference);
        var actor = $"pos:{receipt.StoreId}:operator:{transaction.OperatorId ?? "unknown"}";
        var commands = new List<OrderCommand>
        {
            new OrderCommand.RecordOrder($"pos:{receipt}:sale", actor, now, draft, at, null, null, new Dictionary<string, decimal>()),
        };
        var paid = Captures(transaction, reckoning);
        for (var i = 0; i < paid.Count; i++)
        {
            var (t, amount) = paid[i];
            var tender = new Tender($"T{i + 1}", MethodOf(t.TenderType), t.CardType, Token: t.AuthorizationCode is null ? null : $"auth:{t.AuthorizationCode}",
                Last4(t.MaskedAccount), null);
            commands.Add(new OrderCommand.RecordPayment($"pos:{receipt}:tender:{i + 1}", actor, now, tender,
                new PaymentTransaction($"pos:{receipt}:tender:{i + 1}:capture", tender.PaymentId, PaymentKind.Capture, amount, at)));
        }
        return commands;
    }

    /// <summary>
    /// What each tender paid for the goods sold: change, cash back and refunds come off the tender of their own kind
    /// first, then the largest. Goods returned in an exchange paid for their share, and a till's cash rounding down
    /// makes up the rest, so the captures add up to the sold goods.
    /// </summary>
    private static List<(PosTender Tender, decimal Amount)> Captures(PosTransaction transaction, TillReckoning reckoning)
    {
        var signed = transaction.Tenders.Zip(TillTenderMoneyOf(transaction)).ToList();
        var paid = signed.Where(x => x.Second > 0m).Select(x => (Tender: x.First, Amount: x.Second)).ToList();
        foreach (var (tender, amount) in signed.Where(x => x.Second < 0m))
        {
            var owed = -amount;
            foreach (var i in Enumerable.Range(0, paid.Count).OrderByDescending(i => MethodOf(paid[i].Tender.TenderType) == MethodOf(tender.TenderType))
                         .ThenByDescending(i => paid[i].Amount).ToList())
            {
                var taken = Math.Min(owed, paid[i].Amount);
                paid[i] = (paid[i].Tender, paid[i].Amount - taken);
                owed -= taken;
            }
        }
        var sold = reckoning.Sold.Sum(l => l.Due(reckoning.TaxIncluded));
        var short_ = sold - paid.Sum(p => p.Amount);
        if (reckoning.Returned.Any() && short_ > 0m)
            paid.Add((new PosTender(TillReceipts.ExchangeMethod, 0m, false, null, null, null), Math.Min(short_, reckoning.ReturnedAmount)));
        short_ = sold - paid.Sum(p => p.Amount);
        if (short_ > 0m && short_ <= 5 * Currencies.MinorUnit(transaction.Currency))
            paid.Add((new PosTender("cash-rounding", 0m, false, null, null, null), short_));
        return [.. paid.Where(p => p.Amount > 0m)];
    }

    /// <summary>Each tender signed as it moves the drawer, in the till's order (one per tender, zero kept).</summary>
    private static IEnumerable<decimal> TillTenderMoneyOf(PosTransaction transaction) =>
        transaction.Tenders.Select(t => Currencies.Round(t.IsChange || t.IsRefund ? -Math.Abs(t.Amount) : t.Amount, transaction.Currency));

    /// <summary>The prefix of a till return's id on its original order: its money is journalled from the till, not from the order.</summary>
    public const string TillReturnPrefix = "pos:";

    /// <summary>
    /// The returns a till transaction makes against earlier receipts, one per original receipt (named in full, or by its
    /// printed number only): its returned items with the till's money for them and the original line each gives back
    /// when the till names it, and what the till paid out (an exchange pays with the new goods).
    /// </summary>
    public static IReadOnlyList<(TillReturnTarget Original, OrderCommand.RecordTillReturn Command)> Returns(PosTransaction transaction, string? store)
    {
        if (transaction.Kind is not (PosTransactionKind.Sale or PosTransactionKind.Return)) return [];
        if (PostVoidWithoutLines(transaction, store) is { } voided) return [voided];
        var linked = transaction.Lines.Where(l => !l.Voided && l.Kind == PosLineKind.Return && (l.OriginalReceipt is not null || l.OriginalReceiptNumber is not null))
            .GroupBy(l => new TillReturnTarget(l.OriginalReceipt, l.OriginalReceipt is { } key ? $"{key.StoreId}-{key.SequenceNumber}" : l.OriginalReceiptNumber!))
            .ToList();
        if (linked.Count == 0) return [];
        var reckoning = TillReceipts.Reckon(transaction);
        var money = reckoning.Returned.Where(l => l.Position != 0).ToDictionary(l => l.Position);
        var outflows = new Queue<TillTenderMoney>(reckoning.Sold.Any()
            ? [new TillTenderMoney(TillReceipts.ExchangeMethod, reckoning.ReturnedAmount)]
            : reckoning.Tenders.Where(t => t.Amount < 0m).Select(t => t with { Amount = -t.Amount }));
        var actor = $"pos:{transaction.Receipt.StoreId}:operator:{transaction.OperatorId ?? "unknown"}";
        var at = transaction.EndDateTime ?? new DateTimeOffset(transaction.Receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var result = new List<(TillReturnTarget, OrderCommand.RecordTillReturn)>();
        foreach (var group in linked)
        {
            var lines = group.Where(l => money.ContainsKey(l.Position)).Select(l => (Line: l, Money: money[l.Position]))
                .Select(x => new TillReturnLine(x.Money.ItemId, x.Money.Quantity, x.Money.Gross - x.Money.Discount - (reckoning.TaxIncluded ? x.Money.Tax : 0m),
                    x.Money.Tax, x.Line.OriginalLineNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .ToList();
            var due = lines.Sum(l => l.Amount + l.Tax);
            var refunds = new List<TillRefundTender>();
            while (due > 0m && outflows.Count > 0)
            {
                var next = outflows.Dequeue();
                var taken = Math.Min(due, next.Amount);
                refunds.Add(new TillRefundTender(next.Method, taken));
                due -= taken;
                if (next.Amount > taken) outflows = new Queue<TillTenderMoney>([next with { Amount = next.Amount - taken }, .. outflows]);
            }
            var returnId = $"{TillReturnPrefix}{transaction.Receipt}:return";
            result.Add((group.Key, new OrderCommand.RecordTillReturn($"{returnId}:{group.Key}", actor, at, returnId, store ?? transaction.Receipt.StoreId,
                lines, refunds)));
        }
        return result;
    }

    /// <summary>The prefix of a post-void's refund on the voided order: the order books its money, as the till repeated none.</summary>
    public const string PostVoidPrefix = "post-void:";

    /// <summary>
    /// A post-void that names the voided receipt but repeats none of its lines: the voided order gives back everything it
    /// still can, from its own captures, and books it (the order knows the lines, the till's document does not).
    /// </summary>
    private static (TillReturnTarget, OrderCommand.RecordTillReturn)? PostVoidWithoutLines(PosTransaction transaction, string? store)
    {
        if (transaction.VoidsReceipt is not { } voided || transaction.Lines.Any(l => !l.Voided && l.Quantity != 0m)) return null;
        var at = transaction.EndDateTime ?? new DateTimeOffset(transaction.Receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var returnId = $"{PostVoidPrefix}{transaction.Receipt}";
        return (new TillReturnTarget(voided, $"{voided.StoreId}-{voided.SequenceNumber}"),
            new OrderCommand.RecordTillReturn(returnId, $"pos:{transaction.Receipt.StoreId}:operator:{transaction.OperatorId ?? "unknown"}", at, returnId,
                store ?? transaction.Receipt.StoreId, [new TillReturnLine(TillReturnLine.Everything, 0m, 0m, 0m)], []));
    }

    /// <summary>The receipt-number reference of a till sale's order: the store and sequence printed on the receipt.</summary>
    public const string ReceiptNumberKind = "receipt-number";

    /// <summary>The full receipt key, and the store and sequence an associate reads off a printed receipt.</summary>
    public static IReadOnlyList<ChannelReference> References(ReceiptKey receipt) =>
    [
        new(SourceSystems.Pos, "receipt", receipt.ToString()),
        new(SourceSystems.Pos, ReceiptNumberKind, $"{receipt.StoreId}-{receipt.SequenceNumber}"),
    ];

    private static string MethodOf(string tenderType) => tenderType.Trim().ToLowerInvariant() switch
    {
        "cash" => "cash",
        "creditdebit" or "credit" or "debit" or "card" or "creditcard" or "debitcard" => "card",
        "giftcard" or "gift_card" or "gift card" or "giftcertificate" => "gift_card",
        "storecredit" or "store_credit" or "voucher" => "store_credit",
        var other => other,
    };

    /// <summary>Only the last four digits of a masked account are kept.</summary>
    private static string? Last4(string? masked)
    {
        if (masked is null) return null;
        var digits = new string(masked.Where(char.IsAsciiDigit).ToArray());
        return digits.Length >= 4 ? digits[^4..] : null;
    }
}

/// <summary>The sale a till return gives back: its full receipt when the till names it, always its printed receipt number.</summary>
public sealed record TillReturnTarget(ReceiptKey? Receipt, string ReceiptNumber)
{
    public override string ToString() => Receipt?.ToString() ?? ReceiptNumber;
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// A till sale as an order: carried out at the till (the till already moved the stock), paid by its tenders, found
/// by its receipt. Pure; the SKUs and the canonical store arrive resolved.
/// </summary>
public static class PosOrderCommands
{
    public static bool IsOrder(PosTransaction transaction) =>
        transaction.Kind == PosTransactionKind.Sale && transaction.Lines.Any(l => !l.Voided && l.Kind == PosLineKind.Sale && l.Quantity > 0m);

    public static IReadOnlyList<OrderCommand> Record(PosTransaction transaction, string? store, IReadOnlyDictionary<int, string?> skuByPosition,
        string sourceReference, DateTimeOffset now)
    {
        var receipt = transaction.Receipt;
        var at = transaction.EndDateTime ?? new DateTimeOffset(receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var lines = transaction.Lines.Where(l => !l.Voided && l.Kind == PosLineKind.Sale && l.Quantity > 0m)
            .Select(l => new OrderLine($"{l.Position}", skuByPosition.GetValueOrDefault(l.Position), l.Description ?? l.ItemId, l.Quantity, l.UnitPrice,
                l.DiscountAmount, l.TaxAmount, ChannelItem: l.ItemId))
            .ToList();
        var customer = transaction.LoyaltyId is null && transaction.CustomerEmail is null && transaction.CustomerPhone is null
            ? null
            : new CustomerReference(null, transaction.CustomerEmail, transaction.CustomerPhone, transaction.LoyaltyId);
        var draft = new OrderDraft(Channels.Pos, References(receipt), transaction.Currency, at, customer, FulfilmentMethod.CarryOut, store,
            ShipTo: null, PlacedAtLocation: store, lines, Shipping: 0m, ShippingTax: 0m, TaxesIncluded: false, receipt.BusinessDay, sourceReference);
        var actor = $"pos:{receipt.StoreId}:operator:{transaction.OperatorId ?? "unknown"}";
        var commands = new List<OrderCommand>
        {
            new OrderCommand.RecordOrder($"pos:{receipt}:sale", actor, now, draft, at, null, null, new Dictionary<string, decimal>()),
        };
        var tenders = transaction.Tenders.Where(t => !t.IsChange && t.Amount > 0m).ToList();
        var change = transaction.Tenders.Where(t => t.IsChange).Sum(t => Math.Abs(t.Amount));
        for (var i = 0; i < tenders.Count; i++)
        {
            var t = tenders[i];
            var method = MethodOf(t.TenderType);
            // Change is given in cash: it reduces what the cash tender took.
            var amount = method == "cash" ? Math.Max(0m, t.Amount - change) : t.Amount;
            if (method == "cash") change = Math.Max(0m, change - t.Amount);
            if (amount <= 0m) continue;
            var tender = new Tender($"T{i + 1}", method, t.CardType, Token: t.AuthorizationCode is null ? null : $"auth:{t.AuthorizationCode}", Last4(t.MaskedAccount), null);
            commands.Add(new OrderCommand.RecordPayment($"pos:{receipt}:tender:{i + 1}", actor, now, tender,
                new PaymentTransaction($"pos:{receipt}:tender:{i + 1}:capture", tender.PaymentId, PaymentKind.Capture, amount, at)));
        }
        return commands;
    }

    /// <summary>The full receipt key, and the store and sequence an associate reads off a printed receipt.</summary>
    public static IReadOnlyList<ChannelReference> References(ReceiptKey receipt) =>
    [
        new(SourceSystems.Pos, "receipt", receipt.ToString()),
        new(SourceSystems.Pos, "receipt-number", $"{receipt.StoreId}-{receipt.SequenceNumber}"),
    ];

    private static string MethodOf(string tenderType) => tenderType.Trim().ToLowerInvariant() switch
    {
        "cash" => "cash",
        "creditdebit" or "credit" or "debit" or "card" or "creditcard" or "debitcard" => "card",
        "giftcard" or "gift_card" or "gift card" or "giftcertificate" => "gift_card",
        "storecredit" or "store_credit" => "store_credit",
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

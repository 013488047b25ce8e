using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Pos;

namespace RetailFunctions.Pipeline.Reconciliation;

/// <summary>What the reconciliation reads from a till transaction (POSLog or JSON batch), and the order it reads it in.</summary>
public static class TillRecords
{
    /// <summary>The receipt key the stream is sorted by: store|workstation|sequence (the POS's own store id).</summary>
    public static string Key(ReceiptKey receipt) => $"{receipt.StoreId}|{receipt.WorkstationId}|{receipt.SequenceNumber}";

    /// <summary>
    /// A sale or return with its tenders net of change, signed as they affect the drawer (a return's refund
    /// negative); a till close with its declared totals per tender. Voids and control transactions move no money: null.
    /// </summary>
    public static TillRecord? From(PosTransaction transaction, string store)
    {
        var kind = transaction.Kind switch
        {
            PosTransactionKind.Sale => TillRecordKind.Sale,
            PosTransactionKind.Return => TillRecordKind.Return,
            PosTransactionKind.TillClose => TillRecordKind.TillClose,
            _ => (TillRecordKind?)null,
        };
        if (kind is not { } k) return null;
        IReadOnlyList<TenderAmount> tenders = k == TillRecordKind.TillClose
            ? transaction.TillTotals.Select(t => new TenderAmount(t.TenderType, t.Amount)).ToList()
            : transaction.Tenders
                .GroupBy(t => t.TenderType, StringComparer.Ordinal)
                .Select(g => new TenderAmount(g.Key, g.Sum(t => Drawer(t, k))))
                .OrderBy(t => t.TenderType, StringComparer.Ordinal)
                .ToList();
        var r = transaction.Receipt;
        decimal? due = k != TillRecordKind.TillClose && TillReceipts.MovesMoney(transaction) ? TillReceipts.Reckon(transaction).Due : null;
        return new TillRecord(Key(r), store, r.WorkstationId, k, transaction.Currency, tenders, due);
    }

    /// <summary>A tender as it moves the drawer: change, cash back, refunds and every tender of a return go out.</summary>
    private static decimal Drawer(PosTender tender, TillRecordKind kind) =>
        tender.IsChange || tender.IsRefund || kind == TillRecordKind.Return ? -Math.Abs(tender.Amount) : tender.Amount;

    /// <summary>The transactions of an uploaded batch, by the format its blob name ends with; unreadable ones are skipped.</summary>
    public static IEnumerable<PosTransaction> Read(string blobName, Stream content)
    {
        var results = blobName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? PosLogReader.Read(content) : PosJsonBatchReader.Read(content);
        using var e = results.GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext()) yield break;
            }
            catch (PayloadException)
            {
                // The batch stopped being readable here; what came before was processed, and is reconciled.
                yield break;
            }
            if (e.Current is PosParseResult.Parsed parsed) yield return parsed.Transaction;
        }
    }
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>What the journal made of one till transaction: the receipt's reckoning (none for a till close) and each fact's outcome.</summary>
public sealed record TillJournalResult(TillReckoning? Reckoning, IReadOnlyList<JournalRecordResult> Facts);

/// <summary>
/// Till receipts feed the journal straight from the till's document, which is what the customer paid: every sale
/// and return is journalled, or the journal's refusal raises a finance exception saying why. A receipt whose own
/// total differs from our arithmetic is booked at the till's figure and raises an <c>amount-mismatch</c>.
/// </summary>
public sealed class TillJournal(JournalService journal, IExceptionStore exceptions, ICatalogStore catalog, TimeProvider clock)
{
    public async Task<TillJournalResult?> RecordAsync(PosTransaction transaction, ExceptionSource source, CancellationToken ct)
    {
        var receipt = transaction.Receipt;
        if (transaction.Kind == PosTransactionKind.TillClose)
        {
            var location = await catalog.ResolveLocationAsync(SourceSystems.Pos, receipt.StoreId, ct) ?? receipt.StoreId;
            var closedAt = transaction.EndDateTime ?? new DateTimeOffset(receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return TillReceipts.CashCount(transaction, location, closedAt) is { } count
                ? new TillJournalResult(null, [await journal.RecordAsync(count, ct, source.MessageId)])
                : null;
        }
        if (!TillReceipts.MovesMoney(transaction)) return null;
        var reckoning = TillReceipts.Reckon(transaction);
        var store = await catalog.ResolveLocationAsync(SourceSystems.Pos, receipt.StoreId, ct) ?? receipt.StoreId;
        if (!reckoning.Reproduced && await journal.ModeAsync(store, ct) is var mode and not FlowMode.Off)
            await exceptions.RaiseAsync(Mismatch(reckoning, store, source, mode == FlowMode.Shadow), ct);
        var at = transaction.EndDateTime ?? new DateTimeOffset(receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var results = new List<JournalRecordResult>();
        foreach (var fact in TillReceipts.Facts(reckoning, store, receipt.BusinessDay, at))
            results.Add(await journal.RecordAsync(fact, ct, source.MessageId));
        return new TillJournalResult(reckoning, results);
    }

    /// <summary>
    /// The till's figure against ours, for finance. Raised only where the store's journal is on, or in shadow (then
    /// marked as such: nothing was posted to the ERP); a store whose journal is off books nothing, so has nothing to explain.
    /// </summary>
    private BusinessException Mismatch(TillReckoning reckoning, string store, ExceptionSource source, bool shadow)
    {
        var keys = JournalService.Keys(store, reckoning.Receipt.BusinessDay, null, null);
        keys[BusinessKeys.Transaction] = reckoning.Receipt.ToString();
        if (shadow) keys[FinanceKeys.Pilot] = PilotFlows.Name(FlowMode.Shadow);
        return new BusinessException($"amount-mismatch:{reckoning.Receipt}", Owners.Finance, FinanceExceptionReasons.AmountMismatch,
            (shadow ? "pilot shadow (journal not posted): " : "") + reckoning.MismatchDetail, source.MessageId, source.PayloadReference, keys,
            ExceptionStatuses.Open, clock.GetUtcNow());
    }
}

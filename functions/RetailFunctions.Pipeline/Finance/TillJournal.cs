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
    public async Task<TillJournalResult?> RecordAsync(PosTransaction transaction, ExceptionSource source, CancellationToken ct) =>
        (await RecordAllAsync([(transaction, source)], ct))[0];

    /// <summary>
    /// A chunk of till transactions, each judged as by <see cref="RecordAsync"/>; their facts are journalled together,
    /// so the entries of one store and day are stored in one write. Results come in the transactions' order.
    /// </summary>
    public async Task<IReadOnlyList<TillJournalResult?>> RecordAllAsync(IReadOnlyList<(PosTransaction Transaction, ExceptionSource Source)> transactions,
        CancellationToken ct)
    {
        var reckonings = new TillReckoning?[transactions.Count];
        var facts = new List<(int Index, FinancialFact Fact, string? SourceMessageId)>();
        for (var i = 0; i < transactions.Count; i++)
        {
            var (transaction, source) = transactions[i];
            var receipt = transaction.Receipt;
            var store = await catalog.ResolveLocationAsync(SourceSystems.Pos, receipt.StoreId, ct) ?? receipt.StoreId;
            if (transaction.Kind == PosTransactionKind.TillClose)
            {
                var closedAt = transaction.EndDateTime ?? new DateTimeOffset(receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                if (TillReceipts.CashCount(transaction, store, closedAt) is { } count) facts.Add((i, count, source.MessageId));
                continue;
            }
            if (!TillReceipts.MovesMoney(transaction)) continue;
            var reckoning = reckonings[i] = TillReceipts.Reckon(transaction);
            if (!reckoning.Reproduced && await journal.ModeAsync(store, ct) is var mode and not FlowMode.Off)
                await exceptions.RaiseAsync(Mismatch(reckoning, store, source, mode == FlowMode.Shadow), ct);
            var at = transaction.EndDateTime ?? new DateTimeOffset(receipt.BusinessDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            facts.AddRange(TillReceipts.Facts(reckoning, store, receipt.BusinessDay, at).Select(f => (i, f, (string?)source.MessageId)));
        }

        var recorded = facts.Count == 0 ? [] : await journal.RecordAllAsync([.. facts.Select(f => (f.Fact, f.SourceMessageId))], ct);
        var byTransaction = facts.Zip(recorded).ToLookup(x => x.First.Index, x => x.Second);
        return transactions.Select((t, i) => t.Transaction.Kind == PosTransactionKind.TillClose
                ? byTransaction[i].Any() ? new TillJournalResult(null, [.. byTransaction[i]]) : null
                : reckonings[i] is { } reckoning ? new TillJournalResult(reckoning, [.. byTransaction[i]]) : null)
            .ToList();
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

using RetailFunctions.Domain.Operations;

namespace RetailFunctions.Domain.Reconciliation;

/// <summary>
/// The nightly reconciliation of one business day, as pure code over sorted streams: each area is one pass that
/// holds a key's items at a time (and small per-till, per-store totals), writes each difference to the sink as it
/// is found, and returns the day's totals. The same inputs give the same differences, in the same order.
/// </summary>
public static class ReconciliationEngine
{
    public const string UnitsOfStock = "units";

    public static async Task<ReconciliationSummary> RunAsync(
        DateOnly day, ReconciliationInputs inputs, IReconciliationSink sink, ReconciliationOptions options, CancellationToken cancellationToken)
    {
        var tally = new Tally(day, sink);
        var receipts = await TillsAsync(day, inputs.Tills, tally, options, cancellationToken);
        await MatchAsync(ReconciliationArea.Settlements, day, inputs.CapturedPayments, inputs.CarriedPayments, "captured payments",
            inputs.Settlements, "settlements", options.SettlementLagDays, tally, options, cancellationToken);
        await MatchAsync(ReconciliationArea.Postings, day, inputs.JournalTotals, inputs.CarriedPostings, "journal totals",
            inputs.ErpAcknowledgements, "ERP acknowledgements", options.PostingLagDays, tally, options, cancellationToken);
        await StockAsync(day, inputs.StockCounts, tally, options, cancellationToken);
        if (inputs.TillTakings is { } takings)
            await TillJournalAsync(day, receipts, takings, tally, options, cancellationToken);
        return tally.Summary();
    }

    private sealed class Till
    {
        public bool Closed;
        public long Transactions;
        public long Closes;
        public readonly SortedDictionary<string, (decimal Declared, decimal Processed)> Tenders = new(StringComparer.Ordinal);
    }

    /// <summary>Per store and currency, the receipts' own totals and how many there were.</summary>
    private sealed class Receipts : SortedDictionary<(string Store, string Currency), (decimal Due, long Count)>;

    private static async Task<Receipts> TillsAsync(DateOnly day, IAsyncEnumerable<TillRecord> records, Tally tally, ReconciliationOptions options, CancellationToken ct)
    {
        // One entry per till and currency: a few hundred at most, whatever the number of receipts.
        var tills = new SortedDictionary<(string Store, string Workstation, string Currency), Till>();
        var receipts = new Receipts();
        await foreach (var (_, group) in SortedStreams.GroupByKey(records, r => r.Key, "tills", ct))
        {
            // A receipt uploaded twice was processed once (its stock moves are idempotent): count it once.
            tally.DuplicateTillRecords += group.Count - 1;
            var record = group[^1];
            var key = (record.Store, record.Workstation, record.Currency);
            if (!tills.TryGetValue(key, out var till)) tills[key] = till = new Till();
            var closing = record.Kind == TillRecordKind.TillClose;
            if (closing) (till.Closed, till.Closes) = (true, till.Closes + 1);
            else till.Transactions++;
            if (record.Due is { } due)
            {
                var (sum, count) = receipts.GetValueOrDefault((record.Store, record.Currency));
                receipts[(record.Store, record.Currency)] = (sum + due, count + 1);
            }
            foreach (var tender in record.Tenders)
            {
                var (declared, processed) = till.Tenders.GetValueOrDefault(tender.TenderType);
                till.Tenders[tender.TenderType] = closing ? (declared + tender.Amount, processed) : (declared, processed + tender.Amount);
            }
        }

        foreach (var ((store, workstation, currency), till) in tills)
        {
            var totals = tally.Totals(ReconciliationArea.Tills, store, currency);
            totals.ExpectedCount += till.Closes;
            totals.ActualCount += till.Transactions;
            if (!till.Closed)
            {
                tally.TillsWithoutClose.Add($"{store}/{workstation}");
                continue;
            }
            foreach (var (tender, (declared, processed)) in till.Tenders)
            {
                totals.ExpectedTotal += declared;
                totals.ActualTotal += processed;
                var gap = declared - processed;
                if (Math.Abs(gap) <= options.MoneyTolerance)
                {
                    totals.Matched++;
                    continue;
                }
                var cause = gap > 0 ? DifferenceCause.MissingTransaction : DifferenceCause.AmountMismatch;
                var detail = gap > 0
                    ? $"till {workstation} closed with {declared:0.00} {currency} in {tender}, the transactions processed add up to {processed:0.00}: {gap:0.00} of sales not received"
                    : $"till {workstation} closed with {declared:0.00} {currency} in {tender}, the transactions processed add up to {processed:0.00}: {-gap:0.00} more than the till declared";
                await tally.DifferenceAsync(new ReconciliationDifference(day, ReconciliationArea.Tills, store, $"{workstation}|{tender}", cause,
                    gap, currency, declared, processed, Owners.Finance, detail), ct);
            }
        }
        return receipts;
    }

    /// <summary>
    /// Till vs journal: per store and currency, what the day's receipts say they came to against what the journal
    /// booked for them. A store whose receipts are all journalled at the till's figures has no difference.
    /// </summary>
    private static async Task TillJournalAsync(DateOnly day, Receipts receipts, IAsyncEnumerable<MatchItem> takings, Tally tally,
        ReconciliationOptions options, CancellationToken ct)
    {
        var booked = new SortedDictionary<(string Store, string Currency), (decimal Amount, long Count)>();
        await foreach (var item in takings.WithCancellation(ct))
        {
            var (sum, count) = booked.GetValueOrDefault((item.Store, item.Currency));
            booked[(item.Store, item.Currency)] = (sum + item.Amount, count + 1);
        }
        foreach (var key in receipts.Keys.Union(booked.Keys).Order())
        {
            var (due, receiptCount) = receipts.GetValueOrDefault(key);
            var (journalled, entryCount) = booked.GetValueOrDefault(key);
            var totals = tally.Totals(ReconciliationArea.TillJournal, key.Store, key.Currency);
            (totals.ExpectedCount, totals.ActualCount) = (totals.ExpectedCount + receiptCount, totals.ActualCount + entryCount);
            (totals.ExpectedTotal, totals.ActualTotal) = (totals.ExpectedTotal + due, totals.ActualTotal + journalled);
            var gap = due - journalled;
            if (Math.Abs(gap) <= options.MoneyTolerance)
            {
                totals.Matched++;
                continue;
            }
            await tally.DifferenceAsync(new ReconciliationDifference(day, ReconciliationArea.TillJournal, key.Store, $"{day:yyyyMMdd}",
                gap > 0 ? DifferenceCause.MissingTransaction : DifferenceCause.AmountMismatch, gap, key.Currency, due, journalled, Owners.Finance,
                $"store {key.Store} on {day:yyyy-MM-dd}: {receiptCount} till receipt(s) come to {due:0.00} {key.Currency}, the journal booked " +
                $"{journalled:0.00} for them ({(gap > 0 ? $"{gap:0.00} not journalled" : $"{-gap:0.00} more than the tills took")})"), ct);
        }
    }

    private static async Task MatchAsync(
        ReconciliationArea area, DateOnly day, IAsyncEnumerable<MatchItem> expected, IAsyncEnumerable<MatchItem> carried, string expectedName,
        IAsyncEnumerable<MatchItem> actual, string actualName, int lagDays, Tally tally, ReconciliationOptions options, CancellationToken ct)
    {
        var expectedSide = SortedStreams.Union(
            Checked(expected, expectedName, ct), Checked(carried, $"carried {expectedName}", ct), i => i.Key, ct);
        await foreach (var (key, left, right) in SortedStreams.FullOuterJoin(expectedSide, i => i.Key, expectedName, actual, i => i.Key, actualName, ct))
        {
            var e = left.Count > 0 ? left[0] : null;
            var a = right.Count > 0 ? right[0] : null;
            var store = e?.Store ?? a!.Store;
            var currency = e?.Currency ?? a!.Currency;
            var totals = tally.Totals(area, store, currency);
            if (e is not null && e.Day == day)
            {
                totals.ExpectedCount++;
                totals.ExpectedTotal += e.Amount;
            }
            if (a is not null)
            {
                totals.ActualCount++;
                totals.ActualTotal += a.Amount;
            }

            foreach (var extra in left.Skip(1).Where(x => !SameRecord(x, e!)))
                await tally.DifferenceAsync(Difference(area, day, extra, DifferenceCause.Duplicate, extra.Amount, extra.Amount, null,
                    $"{expectedName} list {key} more than once ({extra.Amount:0.00} {extra.Currency} again)", suffix: "expected"), ct);
            foreach (var extra in right.Skip(1).Where(x => !SameRecord(x, a!)))
                await tally.DifferenceAsync(Difference(area, day, extra, DifferenceCause.Duplicate, extra.Amount, null, extra.Amount,
                    $"{actualName} list {key} more than once: {extra.Reference ?? "another line"} for {extra.Amount:0.00} {extra.Currency} besides {a!.Reference}", suffix: extra.Reference), ct);

            if (e is not null && a is not null)
            {
                if (e.Day < day)
                    await tally.CarriedAsync(new CarriedChange(area, e, CarriedOutcome.Cleared, day), ct);
                if (Compare(area, e, a, actualName, options) is { } found)
                    await tally.DifferenceAsync(Difference(area, day, e, found.Cause, found.Amount, e.Amount, a.Amount, found.Detail), ct);
                else
                    totals.Matched++;
            }
            else if (e is not null)
            {
                var age = day.DayNumber - e.Day.DayNumber;
                if (age == 0)
                {
                    await tally.DifferenceAsync(Difference(area, day, e, DifferenceCause.Timing, e.Amount, e.Amount, null,
                        $"{e.Kind} {key} of {e.Amount:0.00} {e.Currency} is not in the {actualName} yet; expected within {lagDays} day(s)"), ct);
                    await tally.CarriedAsync(new CarriedChange(area, e, CarriedOutcome.Carried, day), ct);
                }
                else if (age >= lagDays)
                {
                    await tally.DifferenceAsync(Difference(area, day, e, DifferenceCause.MissingTransaction, e.Amount, e.Amount, null,
                        $"{e.Kind} {key} of {e.Amount:0.00} {e.Currency} from {e.Day:yyyy-MM-dd} is still not in the {actualName} after {age} day(s)") with { OriginDay = e.Day }, ct);
                    await tally.CarriedAsync(new CarriedChange(area, e, CarriedOutcome.Escalated, day), ct);
                }
                else
                {
                    tally.StillOpen++;
                }
            }
            else
            {
                var detail = area == ReconciliationArea.Postings
                    ? $"the ERP acknowledged {key} ({a!.Reference}) but no journal entry has that id"
                    : $"{a!.Kind} {key} of {a.Amount:0.00} {a.Currency} was settled ({a.Reference}) but no captured payment or refund has that id";
                await tally.DifferenceAsync(Difference(area, day, a, DifferenceCause.MissingTransaction, a.Amount, null, a.Amount, detail), ct);
            }
        }
    }

    private static bool SameRecord(MatchItem x, MatchItem y) =>
        x.Reference == y.Reference && x.Amount == y.Amount && x.Day == y.Day && x.Status == y.Status;

    private static (DifferenceCause Cause, decimal Amount, string Detail)? Compare(
        ReconciliationArea area, MatchItem e, MatchItem a, string actualName, ReconciliationOptions options)
    {
        if (area == ReconciliationArea.Postings && a.Status == MatchStatuses.Rejected)
            return (DifferenceCause.PostingRejected, e.Amount, $"the ERP rejected entry {e.Key} ({e.Amount:0.00} {e.Currency}): {a.Reason ?? "no reason given"}");
        if (Math.Abs(e.Amount - a.Amount) > options.MoneyTolerance)
            return (DifferenceCause.AmountMismatch, a.Amount - e.Amount,
                $"{e.Kind} {e.Key}: {e.Amount:0.00} {e.Currency} on our side, {a.Amount:0.00} in the {actualName} ({a.Reference})");
        if (area == ReconciliationArea.Settlements && e.Fee is { } expectedFee && Math.Abs(expectedFee - (a.Fee ?? 0m)) > options.MoneyTolerance)
            return (DifferenceCause.FeeMismatch, (a.Fee ?? 0m) - expectedFee,
                $"{e.Kind} {e.Key}: fee {a.Fee ?? 0m:0.00} {e.Currency} charged ({a.Reference}), {expectedFee:0.00} expected");
        return null;
    }

    private static ReconciliationDifference Difference(
        ReconciliationArea area, DateOnly day, MatchItem item, DifferenceCause cause, decimal amount, decimal? expected, decimal? actual, string detail,
        string? suffix = null) =>
        new(day, area, item.Store, suffix is null ? item.Key : $"{item.Key}|{suffix}", cause, amount, item.Currency, expected, actual, Owners.Finance,
            detail, item.Day == day ? null : item.Day);

    private static async Task StockAsync(DateOnly day, IAsyncEnumerable<StockCount> counts, Tally tally, ReconciliationOptions options, CancellationToken ct)
    {
        await foreach (var (_, group) in SortedStreams.GroupByKey(counts, c => c.Key, "stock counts", ct))
        {
            for (var i = 0; i < group.Count; i++)
            {
                var count = group[i];
                var totals = tally.Totals(ReconciliationArea.Stock, count.Location, UnitsOfStock);
                totals.ExpectedCount++;
                totals.ActualCount++;
                totals.ExpectedTotal += count.LedgerOnHand;
                totals.ActualTotal += count.Counted;
                var variance = count.Counted - count.LedgerOnHand;
                if (Math.Abs(variance) <= options.QuantityTolerance)
                {
                    totals.Matched++;
                    continue;
                }
                var key = i == 0 ? count.Sku : $"{count.Sku}#{i + 1}";
                await tally.DifferenceAsync(new ReconciliationDifference(day, ReconciliationArea.Stock, count.Location, key, DifferenceCause.CountVariance,
                    variance, UnitsOfStock, count.LedgerOnHand, count.Counted, Owners.Inventory,
                    $"{count.Sku} at {count.Location} counted {count.Counted:0.###}, the ledger had {count.LedgerOnHand:0.###} ({(variance > 0 ? "+" : "")}{variance:0.###}; {count.Reference})"), ct);
            }
        }
    }

    private static async IAsyncEnumerable<MatchItem> Checked(IAsyncEnumerable<MatchItem> items, string name,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? previous = null;
        await foreach (var item in items.WithCancellation(ct))
        {
            if (previous is not null && string.CompareOrdinal(item.Key, previous) < 0) throw new UnsortedStreamException(name, previous, item.Key);
            previous = item.Key;
            yield return item;
        }
    }

    private sealed class MutableTotals
    {
        public long ExpectedCount, ActualCount, Matched, Differences;
        public decimal ExpectedTotal, ActualTotal, DifferenceTotal;
    }

    private sealed class Tally(DateOnly day, IReconciliationSink sink)
    {
        private readonly SortedDictionary<(ReconciliationArea, string, string), MutableTotals> _totals = new();
        private readonly SortedDictionary<string, long> _causes = new(StringComparer.Ordinal);
        private long _differences, _cleared, _escalated;
        public long DuplicateTillRecords;
        public long StillOpen;
        public readonly List<string> TillsWithoutClose = [];

        public MutableTotals Totals(ReconciliationArea area, string store, string unit)
        {
            if (!_totals.TryGetValue((area, store, unit), out var totals)) _totals[(area, store, unit)] = totals = new MutableTotals();
            return totals;
        }

        public ValueTask DifferenceAsync(ReconciliationDifference difference, CancellationToken ct)
        {
            var totals = Totals(difference.Area, difference.Store, difference.Unit);
            totals.Differences++;
            totals.DifferenceTotal += difference.Amount;
            _differences++;
            _causes[difference.Cause.Name()] = _causes.GetValueOrDefault(difference.Cause.Name()) + 1;
            return sink.DifferenceAsync(difference, ct);
        }

        public ValueTask CarriedAsync(CarriedChange change, CancellationToken ct)
        {
            if (change.Outcome == CarriedOutcome.Cleared) _cleared++;
            if (change.Outcome == CarriedOutcome.Escalated) _escalated++;
            return sink.CarriedAsync(change, ct);
        }

        public ReconciliationSummary Summary() => new(
            day,
            _totals.Select(kv => new AreaTotals(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Value.ExpectedCount, kv.Value.ActualCount, kv.Value.Matched,
                kv.Value.ExpectedTotal, kv.Value.ActualTotal, kv.Value.Differences, kv.Value.DifferenceTotal)).ToList(),
            new SortedDictionary<string, long>(_causes, StringComparer.Ordinal),
            _differences, _cleared, _escalated, DuplicateTillRecords, TillsWithoutClose)
        {
            StillOpen = StillOpen,
        };
    }
}

using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Settlements;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>
/// Settlement files feed the journal what only the processor knows: the fee it kept on each payment, and each payout
/// to the bank. Both clear the processor's tender clearing account (named by the source: shopify-payments, stripe).
/// Fact ids come from the processor's own line ids, so re-importing a file books nothing twice.
/// </summary>
public sealed class SettlementJournalSubscriber(JournalService journal) : ISettlementLineSubscriber
{
    public async Task HandleAsync(SettlementLine line, CancellationToken cancellationToken)
    {
        foreach (var fact in FactsFor(line))
            await journal.RecordAsync(fact, cancellationToken, sourceMessageId: $"{line.Source}:{line.Id}");
    }

    public static IEnumerable<FinancialFact> FactsFor(SettlementLine line)
    {
        var method = line.Source;
        if (line.Kind is "charge" or "refund" && line.Fee != 0m)
            yield return new FinancialFact.ProcessorFee($"settlement:{line.Source}:{line.Id}:fee", line.Store, "web", line.BusinessDay, line.Currency,
                line.ProcessedAt, line.PaymentKey ?? line.Id, method, Math.Abs(line.Fee));
        if (line.Kind == "payout" && line.Amount != 0m)
            yield return new FinancialFact.Payout($"settlement:{line.Source}:{line.Id}:payout", line.Store, "web", line.BusinessDay, line.Currency,
                line.ProcessedAt, line.PayoutId ?? line.Id, method, Math.Abs(line.Amount), Math.Abs(line.Fee));
    }
}

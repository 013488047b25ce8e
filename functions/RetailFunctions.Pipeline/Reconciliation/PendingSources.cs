using RetailFunctions.Domain.Reconciliation;

namespace RetailFunctions.Pipeline.Reconciliation;

/// <summary>
/// Stand-ins for the sides whose capability is not wired into the reconciliation yet (captured payments and refunds
/// from orders; journal totals and ERP acknowledgements from finance): each yields nothing, so those comparisons
/// report no items until the real source is registered in place of it.
/// </summary>
public sealed class PendingSources : ICapturedPaymentSource, IJournalTotalSource, IErpAcknowledgementSource
{
    public IAsyncEnumerable<MatchItem> CapturedPaymentsAsync(DateOnly businessDay, CancellationToken cancellationToken) => Nothing<MatchItem>();

    public IAsyncEnumerable<MatchItem> JournalTotalsAsync(DateOnly businessDay, CancellationToken cancellationToken) => Nothing<MatchItem>();

    public IAsyncEnumerable<MatchItem> AcknowledgementsAsync(DateOnly businessDay, CancellationToken cancellationToken) => Nothing<MatchItem>();

    public static async IAsyncEnumerable<T> Nothing<T>()
    {
        await Task.CompletedTask;
        yield break;
    }
}

using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// What happens to test orders (a web store's <c>test: true</c>, paid through a test gateway): they are always
/// recorded and marked, and by default kept out of the journal and of the nightly reconciliation, since no money
/// moved. <c>Orders:BookTestOrders</c> = true books and reconciles them like any other (a shop rehearsing its books).
/// </summary>
public sealed record TestOrderPolicy(bool Book)
{
    public static TestOrderPolicy Default { get; } = new(false);

    /// <summary>True when the order is a test order this policy keeps out of the books and the reconciliation.</summary>
    public bool KeepsOut(OrderDraft draft) => draft.IsTest && !Book;

    /// <summary>"true" or "false" (empty: false); anything else is a configuration error, not a silent default.</summary>
    public static TestOrderPolicy Parse(string? value, string setting) =>
        string.IsNullOrWhiteSpace(value) ? Default
        : bool.TryParse(value.Trim(), out var book) ? new TestOrderPolicy(book)
        : throw new InvalidOperationException($"{setting} is '{value}': it must be 'true' or 'false'");
}

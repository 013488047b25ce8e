namespace RetailFunctions.Pipeline;

/// <summary>
/// A payload the pipeline cannot accept. <see cref="Field"/> names where the problem is (a JSON path such as
/// <c>line_items[2].quantity</c>, or an XML element path) so the edge can answer 400 naming it and a dead-lettered
/// message carries a reason an operator can act on.
/// </summary>
public sealed class PayloadException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}

using RetailFunctions.Domain.Canonical;

namespace RetailFunctions.Pipeline.Pos;

/// <summary>
/// The outcome for one transaction of a POS batch. A closed set: one bad transaction never sinks its batch, it
/// becomes <see cref="Malformed"/> with its 1-based position in the file and a reason naming the field.
/// </summary>
public abstract record PosParseResult
{
    private PosParseResult(int position) => Position = position;

    /// <summary>1-based ordinal of the transaction in the file.</summary>
    public int Position { get; }

    public sealed record Parsed(int Position, PosTransaction Transaction) : PosParseResult(Position);

    public sealed record Malformed(int Position, string? ReceiptHint, string Reason) : PosParseResult(Position);
}

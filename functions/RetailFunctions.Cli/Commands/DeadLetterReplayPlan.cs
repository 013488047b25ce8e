namespace RetailFunctions.Cli.Commands;

/// <summary>The body of POST /api/deadletters/replay; members left null are not sent.</summary>
public sealed record DeadLetterReplayRequest(IReadOnlyList<string>? Ids, string? Queue, string? ReasonContains, bool? All, bool? Force);

/// <summary>
/// What the operator selected for a dead-letter replay, and the requests that carry it out: ids go in groups of
/// <see cref="GroupSize"/>, each with the same queue, reason and force.
/// </summary>
public sealed record DeadLetterReplaySelection(IReadOnlyList<string> Ids, string? Queue, string? ReasonContains, bool All, bool Force)
{
    public const int GroupSize = 50;

    /// <summary>Why the selection is refused, or null. Replaying "nothing in particular" must be said explicitly with --all.</summary>
    public string? Refusal =>
        Ids.Count == 0 && string.IsNullOrWhiteSpace(Queue) && string.IsNullOrWhiteSpace(ReasonContains) && !All
            ? "say which dead letters to replay: --id ID (repeatable), --queue QUEUE, --reason TEXT, or --all for every one"
            : Ids.FirstOrDefault(string.IsNullOrWhiteSpace) is not null ? "--id needs a value" : null;

    public IReadOnlyList<DeadLetterReplayRequest> Requests()
    {
        if (Refusal is { } refusal) throw new UsageException(refusal);
        var queue = string.IsNullOrWhiteSpace(Queue) ? null : Queue;
        var reason = string.IsNullOrWhiteSpace(ReasonContains) ? null : ReasonContains;
        bool? all = All ? true : null;
        bool? force = Force ? true : null;
        if (Ids.Count == 0) return [new DeadLetterReplayRequest(null, queue, reason, all, force)];
        return Ids.Distinct(StringComparer.Ordinal).Chunk(GroupSize)
            .Select(group => new DeadLetterReplayRequest(group, queue, reason, all, force))
            .ToList();
    }
}

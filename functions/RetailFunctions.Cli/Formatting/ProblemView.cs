namespace RetailFunctions.Cli.Formatting;

/// <summary>How an error answer of the runtime is told to the operator.</summary>
public static class ProblemView
{
    public static IReadOnlyList<string> Lines(ApiProblem problem)
    {
        var lines = new List<string> { $"error: HTTP {problem.Status} {problem.Title}".TrimEnd() };
        if (!string.IsNullOrWhiteSpace(problem.Detail)) lines.Add($"  detail: {problem.Detail}");
        if (!string.IsNullOrWhiteSpace(problem.Field)) lines.Add($"  field: {problem.Field}");
        if (problem.RetryAfterSeconds is { } wait) lines.Add($"  retry after: {wait} s");
        var hint = problem.Status switch
        {
            401 => $"  hint: pass the function key with --key or ${GlobalOptions.KeyVariable}",
            404 when problem.Title is "NotFound" && problem.Detail is null => "  hint: the runtime has no such route: is it an older version?",
            409 => "  the runtime refused the change in the current state; nothing was changed",
            503 => "  hint: the runtime is under backpressure or a dependency is down: see 'retail health'",
            _ => null,
        };
        if (hint is not null) lines.Add(hint);
        return lines;
    }
}

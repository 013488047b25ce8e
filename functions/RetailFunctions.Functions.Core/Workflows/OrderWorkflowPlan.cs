namespace RetailFunctions.Functions.Core.Workflows;

/// <summary>What the orchestration does next, decided from the order's progress and the orchestration's clock.</summary>
public abstract record NextStep
{
    private NextStep()
    {
    }

    /// <summary>Nothing more can happen to the order: unknown, cancelled, or fulfilled and past its return window.</summary>
    public sealed record Finish : NextStep;

    /// <summary>
    /// Wait for a store action until <paramref name="Until"/>. When nothing comes, expire <paramref name="Pickup"/> if
    /// one is named, else read the order again (it may have moved through the API or the queue meanwhile).
    /// </summary>
    public sealed record Wait(DateTimeOffset Until, PickupDeadline? Pickup) : NextStep;
}

public static class OrderWorkflowPlan
{
    /// <summary>How long the orchestration sleeps at most before it reads the order again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromHours(6);

    /// <param name="progress">The order as the last step left it.</param>
    /// <param name="now">The orchestration's (replay-safe) time.</param>
    /// <param name="attempted">Deadlines this run has already tried to expire: never tried twice, so a refused expiry cannot loop.</param>
    public static NextStep Next(OrderProgress progress, DateTimeOffset now, IReadOnlyCollection<PickupDeadline> attempted)
    {
        // An order that does not exist (yet) has nothing to drive; one that is cancelled has nothing left.
        if (!progress.Known || progress.Cancelled) return new NextStep.Finish();
        var pickup = progress.PickupDeadlines.Where(d => !attempted.Contains(d)).OrderBy(d => d.DueAt).FirstOrDefault();
        if (pickup is null && progress.ReturnsUntil is { } closed && closed <= now) return new NextStep.Finish();

        var until = now + RefreshInterval;
        if (progress.ReturnsUntil is { } returns && returns > now && returns < until) until = returns;
        if (pickup is not null && pickup.DueAt <= until) return new NextStep.Wait(pickup.DueAt < now ? now : pickup.DueAt, pickup);
        return new NextStep.Wait(until, null);
    }
}

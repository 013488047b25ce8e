using RetailFunctions.Functions.Core.Workflows;

namespace RetailFunctions.Functions.Tests;

public sealed class OrderWorkflowPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly PickupDeadline[] None = [];

    private static OrderProgress Progress(string status = "Fulfilling", DateTimeOffset? returnsUntil = null, bool known = true, params PickupDeadline[] deadlines) =>
        new("o-1", known, status, deadlines, returnsUntil);

    [Fact]
    public void GivenUnknownOrder_WhenPlanned_ThenTheOrchestrationFinishes()
    {
        Assert.IsType<NextStep.Finish>(OrderWorkflowPlan.Next(Progress(known: false), Now, None));
    }

    [Fact]
    public void GivenCancelledOrder_WhenPlanned_ThenTheOrchestrationFinishes()
    {
        Assert.IsType<NextStep.Finish>(OrderWorkflowPlan.Next(Progress("Cancelled", deadlines: new PickupDeadline("s-1", Now.AddDays(1))), Now, None));
    }

    [Fact]
    public void GivenOrderInProgressWithoutDeadlines_WhenPlanned_ThenItWaitsForAStoreActionUntilTheNextRefresh()
    {
        var next = OrderWorkflowPlan.Next(Progress(), Now, None);

        Assert.Equal(new NextStep.Wait(Now + OrderWorkflowPlan.RefreshInterval, null), next);
    }

    [Fact]
    public void GivenPickupDueBeforeTheRefresh_WhenPlanned_ThenItWaitsUntilTheDeadlineToExpireThatPickup()
    {
        var due = new PickupDeadline("s-1", Now.AddHours(2));

        Assert.Equal(new NextStep.Wait(due.DueAt, due), OrderWorkflowPlan.Next(Progress(deadlines: due), Now, None));
    }

    [Fact]
    public void GivenPickupDueAfterTheRefresh_WhenPlanned_ThenItWakesToRefreshFirst()
    {
        var due = new PickupDeadline("s-1", Now.AddDays(3));

        Assert.Equal(new NextStep.Wait(Now + OrderWorkflowPlan.RefreshInterval, null), OrderWorkflowPlan.Next(Progress(deadlines: due), Now, None));
    }

    [Fact]
    public void GivenSeveralPickups_WhenPlanned_ThenTheEarliestComesFirst()
    {
        var late = new PickupDeadline("s-2", Now.AddHours(3));
        var early = new PickupDeadline("s-1", Now.AddHours(1));

        Assert.Equal(new NextStep.Wait(early.DueAt, early), OrderWorkflowPlan.Next(Progress(deadlines: [late, early]), Now, None));
    }

    [Fact]
    public void GivenPickupAlreadyOverdue_WhenPlanned_ThenItExpiresAtOnce()
    {
        var overdue = new PickupDeadline("s-1", Now.AddHours(-5));

        Assert.Equal(new NextStep.Wait(Now, overdue), OrderWorkflowPlan.Next(Progress(deadlines: overdue), Now, None));
    }

    [Fact]
    public void GivenPickupWhoseExpiryWasAlreadyTried_WhenPlanned_ThenItIsNotTriedAgain()
    {
        var refused = new PickupDeadline("s-1", Now.AddHours(-5));

        Assert.Equal(new NextStep.Wait(Now + OrderWorkflowPlan.RefreshInterval, null), OrderWorkflowPlan.Next(Progress(deadlines: refused), Now, [refused]));
    }

    [Fact]
    public void GivenFulfilledOrderWithinItsReturnWindow_WhenPlanned_ThenItWaitsForReturnsNoLaterThanTheWindowsEnd()
    {
        var closes = Now.AddHours(1);

        Assert.Equal(new NextStep.Wait(closes, null), OrderWorkflowPlan.Next(Progress("Fulfilled", closes), Now, None));
    }

    [Fact]
    public void GivenFulfilledOrderWithAFarReturnWindow_WhenPlanned_ThenItStillRefreshesMeanwhile()
    {
        Assert.Equal(new NextStep.Wait(Now + OrderWorkflowPlan.RefreshInterval, null),
            OrderWorkflowPlan.Next(Progress("Fulfilled", Now.AddDays(30)), Now, None));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void GivenReturnWindowClosed_WhenPlanned_ThenTheOrchestrationFinishes(int hours)
    {
        Assert.IsType<NextStep.Finish>(OrderWorkflowPlan.Next(Progress("Closed", Now.AddHours(hours)), Now, None));
    }

    [Fact]
    public void GivenReturnWindowClosedButAPickupStillDue_WhenPlanned_ThenThePickupIsExpiredFirst()
    {
        var due = new PickupDeadline("s-2", Now.AddMinutes(-1));

        Assert.Equal(new NextStep.Wait(Now, due), OrderWorkflowPlan.Next(Progress("Fulfilled", Now.AddHours(-1), deadlines: due), Now, None));
    }
}

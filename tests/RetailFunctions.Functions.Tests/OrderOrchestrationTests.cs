using RetailFunctions.Domain.Orders;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Functions.Tests;

public sealed class OrderOrchestrationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The orchestration's host in memory: a clock that jumps to whatever it waits for, and scripted steps and actions.</summary>
    private sealed class InMemoryWorkflow(Func<WorkflowStep, InMemoryWorkflow, OrderProgress> step) : IOrderWorkflowContext
    {
        public DateTimeOffset Now { get; private set; } = Start;
        public List<WorkflowStep> Steps { get; } = [];
        public List<OrderProgress> Statuses { get; } = [];
        public List<DateTimeOffset> Waits { get; } = [];
        public Queue<(DateTimeOffset At, Envelope Action)> Actions { get; } = new();
        public OrderWorkflowInput? ContinuedAs { get; private set; }

        public Task<OrderProgress> RunStepAsync(WorkflowStep s)
        {
            Steps.Add(s);
            return Task.FromResult(step(s, this));
        }

        public Task<Envelope?> WaitForStoreActionAsync(DateTimeOffset until)
        {
            Waits.Add(until);
            if (Waits.Count > 10_000) throw new InvalidOperationException("the orchestration does not stop waiting");
            if (Actions.TryPeek(out var next) && next.At <= until)
            {
                Actions.Dequeue();
                if (next.At > Now) Now = next.At;
                return Task.FromResult<Envelope?>(next.Action);
            }
            if (until > Now) Now = until;
            return Task.FromResult<Envelope?>(null);
        }

        public void SetStatus(OrderProgress progress) => Statuses.Add(progress);

        public void ContinueAsNew(OrderWorkflowInput input) => ContinuedAs = input;
    }

    private static OrderProgress Progress(string status, params PickupDeadline[] deadlines) => new("o-1", true, status, deadlines, null);

    [Fact]
    public async Task GivenUnknownOrder_WhenRun_ThenItReadsItOnceAndFinishes()
    {
        var workflow = new InMemoryWorkflow((_, _) => new OrderProgress("o-1", false, "Placed", [], null));

        var result = await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1"));

        Assert.False(result.Known);
        Assert.Equal([new WorkflowStep("o-1", null, null)], workflow.Steps);
        Assert.Single(workflow.Statuses);
        Assert.Empty(workflow.Waits);
    }

    [Fact]
    public async Task GivenStartingCommand_WhenRun_ThenTheFirstStepRunsIt()
    {
        var cancel = StoreActions.Cancel("o-1", "api", "customer asked", Start);
        var workflow = new InMemoryWorkflow((_, _) => Progress("Cancelled"));

        await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1", cancel));

        Assert.Same(cancel, Assert.Single(workflow.Steps).Command);
    }

    [Fact]
    public async Task GivenPickupNobodyCollects_WhenItsDeadlinePasses_ThenTheDurableTimerExpiresItAndTheOrchestrationEnds()
    {
        var due = new PickupDeadline("s-1", Start.AddHours(4));
        var workflow = new InMemoryWorkflow((s, _) => s.Expire is null ? Progress("Fulfilling", due) : Progress("Cancelled"));

        var result = await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1"));

        Assert.Equal("Cancelled", result.Status);
        Assert.Equal(due, workflow.Steps[^1].Expire);
        Assert.Equal(due.DueAt, workflow.Now);
        Assert.Equal([due.DueAt], workflow.Waits);
    }

    [Fact]
    public async Task GivenStoreActionBeforeTheDeadline_WhenRaised_ThenItRunsAsAStepAndThePickupIsNotExpired()
    {
        var due = new PickupDeadline("s-1", Start.AddHours(4));
        var pickedUp = StoreActions.Advance("o-1", "s-1", "picked-up", "store-7", [], Start.AddHours(1))!;
        var workflow = new InMemoryWorkflow((_, w) => w.Steps.All(x => x.Command is null) ? Progress("Fulfilling", due) : Progress("Fulfilled") with { ReturnsUntil = Start.AddDays(1) });
        workflow.Actions.Enqueue((Start.AddHours(1), pickedUp));

        var result = await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1"));

        Assert.Equal("Fulfilled", result.Status);
        Assert.Same(pickedUp, workflow.Steps[1].Command);
        Assert.DoesNotContain(workflow.Steps, s => s.Expire is not null);
    }

    [Fact]
    public async Task GivenFulfilledOrder_WhenItsReturnWindowCloses_ThenTheOrchestrationEndsAfterReReadingIt()
    {
        var closes = Start.AddHours(10);
        var workflow = new InMemoryWorkflow((_, _) => Progress("Fulfilled") with { ReturnsUntil = closes });

        await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1"));

        Assert.Equal([Start.AddHours(6), closes], workflow.Waits);
        Assert.Equal(3, workflow.Steps.Count);
        Assert.All(workflow.Steps, s => Assert.True(s.Command is null && s.Expire is null));
    }

    [Fact]
    public async Task GivenReturnDuringTheWindow_WhenRaised_ThenItRunsAsAStep()
    {
        var closes = Start.AddDays(1);
        var ret = OrderEnvelopes.Command("o-1", new OrderCommand.CancelOrder("c", "api", Start, "r"), Start);
        var workflow = new InMemoryWorkflow((_, _) => Progress("Fulfilled") with { ReturnsUntil = closes });
        workflow.Actions.Enqueue((Start.AddHours(2), ret));

        await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1"));

        Assert.Contains(workflow.Steps, s => ReferenceEquals(s.Command, ret));
    }

    [Fact]
    public async Task GivenExpiryTheOrderRefuses_WhenTheDeadlineStaysOpen_ThenItIsNotTriedAgainInALoop()
    {
        var due = new PickupDeadline("s-1", Start.AddHours(1));
        var workflow = new InMemoryWorkflow((s, w) => w.Steps.Count > 4 ? Progress("Cancelled") : Progress("Fulfilling", due));

        await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1"));

        Assert.Single(workflow.Steps, s => s.Expire is not null);
        Assert.Equal(Start.AddHours(1) + OrderWorkflowPlan.RefreshInterval, workflow.Waits[1]);
    }

    [Fact]
    public async Task GivenLongLivedOrder_WhenTheHistoryGrows_ThenTheOrchestrationContinuesAsNewForTheSameOrder()
    {
        var workflow = new InMemoryWorkflow((_, _) => Progress("Fulfilling"));

        var result = await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1", StoreActions.Cancel("o-1", "a", null, Start)));

        Assert.Equal(new OrderWorkflowInput("o-1"), workflow.ContinuedAs);
        Assert.Equal(OrderOrchestration.MaxStepsPerHistory, workflow.Steps.Count);
        Assert.Equal("Fulfilling", result.Status);
    }

    [Fact]
    public async Task GivenAnyStep_WhenItReturns_ThenTheCustomStatusShowsTheOrderAsItNowStands()
    {
        var due = new PickupDeadline("s-1", Start.AddHours(4));
        var workflow = new InMemoryWorkflow((s, _) => s.Expire is null ? Progress("Fulfilling", due) : Progress("Cancelled") with { LastResult = "expired" });

        await OrderOrchestration.RunAsync(workflow, new OrderWorkflowInput("o-1"));

        Assert.Equal(["Fulfilling", "Cancelled"], workflow.Statuses.Select(s => s.Status));
        Assert.Equal("expired", workflow.Statuses[^1].LastResult);
    }

    [Fact]
    public void GivenOrderId_WhenNamingItsInstance_ThenTheIdIsStableAndPrefixed()
    {
        Assert.Equal("order:o-1", OrderOrchestration.InstanceIdFor("o-1"));
    }
}

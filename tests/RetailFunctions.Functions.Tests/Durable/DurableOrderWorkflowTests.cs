using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Functions.Workflows;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Tests.Durable;

/// <summary>An in-process Durable Task engine (DurableTaskTestHost) running the app's own orchestrator, one per test.</summary>
public sealed class DurableEngine : IAsyncLifetime
{
    public PickupOrderBook Orders { get; } = new(pickupWindow: TimeSpan.FromMinutes(10), returnWindow: TimeSpan.FromSeconds(1));

    public DurableTaskTestHost Host { get; private set; } = null!;

    public DurableTaskClient Client => Host.Client;

    /// <summary>
    /// The test host listens on a loopback port the system reports free (left to itself it picks one at random from a
    /// range the system also hands out for other connections). Another test's Azurite or runtime may take it first:
    /// then it is started again, on a new one.
    /// </summary>
    public async Task InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Host = await DurableTaskTestHost.StartAsync(registry => Register(registry, Orders),
                    new DurableTaskTestHostOptions { Port = RetailFunctions.Testing.Azurite.FreePort() });
                return;
            }
            catch (IOException e) when (attempt < 5 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();

    /// <summary>The orchestrator exactly as the Functions app declares it; the step over the given order book.</summary>
    public static void Register(DurableTaskRegistry registry, PickupOrderBook orders)
    {
        registry.AddOrchestratorFunc<OrderWorkflowInput, OrderProgress>(OrderOrchestration.Name, (context, _) => OrderWorkflowFunctions.Orchestrate(context));
        registry.AddActivityFunc<WorkflowStep, OrderProgress>(OrderOrchestration.StepActivity, (_, step) => orders.Step(step));
    }
}

/// <summary>
/// The order orchestration on the real Durable Task engine: store actions arrive as external events, the pickup
/// deadline is a durable timer raced against them, the history restarts (continue-as-new), a failing step is retried
/// by policy, and every event replays the orchestrator from its history (a non-deterministic one fails).
/// </summary>
public sealed class DurableOrderWorkflowTests : IAsyncLifetime
{
    private readonly DurableEngine engine = new();

    public Task InitializeAsync() => engine.InitializeAsync();

    public Task DisposeAsync() => engine.DisposeAsync();

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static Envelope Action(string orderId, string action) =>
        StoreActions.Advance(orderId, "s-1", action, "associate", [], DateTimeOffset.UtcNow)!;

    private static string CommandId(Envelope action) => RetailFunctions.Pipeline.Orders.OrderEnvelopes.ReadCommand(action).Command.CommandId;

    private async Task<string> StartAsync(string orderId, Envelope? first = null, int? stepsPerHistory = null)
    {
        var instanceId = OrderOrchestration.InstanceIdFor(orderId);
        await engine.Client.ScheduleNewOrchestrationInstanceAsync(OrderOrchestration.Name, new OrderWorkflowInput(orderId, first, stepsPerHistory),
            new StartOrchestrationOptions(instanceId));
        return instanceId;
    }

    private async Task RaiseAndWaitAsync(string instanceId, string orderId, Envelope action, string expectedStatus)
    {
        await engine.Client.RaiseEventAsync(instanceId, OrderOrchestration.StoreActionEvent, action);
        using var timeout = new CancellationTokenSource(Patience);
        while (engine.Orders.StatusOf(orderId) != expectedStatus)
        {
            var instance = await engine.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (timeout.IsCancellationRequested || instance?.IsCompleted == true)
                Assert.Fail($"order {orderId} never became {expectedStatus}: the workflow is {instance?.RuntimeStatus} {instance?.FailureDetails}");
            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            if (timeout.IsCancellationRequested) Assert.Fail(failure);
            await Task.Delay(50);
        }
    }

    private async Task<OrchestrationMetadata> CompletionAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await engine.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    [Fact]
    public async Task GivenAPickupReady_WhenTheCustomerCollectsBeforeTheDeadline_ThenTheOrderIsFulfilledOnceAndTheTimerNeverExpiresIt()
    {
        const string order = "durable-collected";
        var instanceId = await StartAsync(order);
        var ready = Action(order, "ready-for-pickup");
        var collected = Action(order, "picked-up");

        await RaiseAndWaitAsync(instanceId, order, ready, "ReadyForPickup");
        await RaiseAndWaitAsync(instanceId, order, collected, "Fulfilled");
        var done = await CompletionAsync(instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("Fulfilled", done.ReadOutputAs<OrderProgress>()!.Status);
        Assert.Equal(1, engine.Orders.Applied[CommandId(ready)]);
        Assert.Equal(1, engine.Orders.Applied[CommandId(collected)]);
        Assert.DoesNotContain(engine.Orders.Applied.Keys, id => id.StartsWith("expire:", StringComparison.Ordinal) && id.Contains(order, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GivenAPickupReady_WhenNobodyComesBeforeTheDurableTimer_ThenThePickupExpiresAndTheWorkflowEnds()
    {
        const string order = "durable-expired";
        var ready = Action(order, "ready-for-pickup");
        engine.Orders.SetPickupWindow(order, TimeSpan.FromSeconds(2));
        var instanceId = await StartAsync(order, first: ready);

        var done = await CompletionAsync(instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("Cancelled", done.ReadOutputAs<OrderProgress>()!.Status);
        Assert.Equal("Cancelled", engine.Orders.StatusOf(order));
        Assert.Equal(1, engine.Orders.Applied[CommandId(ready)]);
    }

    [Fact]
    public async Task GivenAShortHistoryLimit_WhenWakeUpsAndAStoreActionKeepComing_ThenTheWorkflowContinuesAsNewAndLosesNoAction()
    {
        const string order = "durable-continued";
        var ready = Action(order, "ready-for-pickup");
        var instanceId = await StartAsync(order, first: ready, stepsPerHistory: 2);
        await WaitUntilAsync(() => engine.Orders.StatusOf(order) == "ReadyForPickup", "the first command was not applied");

        // Each wake-up is a step, so the history restarts after every one of them.
        for (var i = 0; i < 4; i++) await WakeUntilReadAsync(instanceId, order, $"e-{i}");
        // Right after a step, as the history restarts: the moment an external event can be lost.
        var collected = Action(order, "picked-up");
        var (_, applied) = await OrderWorkflowFunctions.ApplyStoreActionAsync(engine.Orders, engine.Client, order, collected, DateTimeOffset.UtcNow, default);
        var done = await CompletionAsync(instanceId);

        Assert.Equal("Fulfilled", applied.Status);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("Fulfilled", done.ReadOutputAs<OrderProgress>()!.Status);
        Assert.Equal(new OrderWorkflowInput(order, null, 2), done.ReadInputAs<OrderWorkflowInput>());
        Assert.Equal(1, engine.Orders.Applied[CommandId(ready)]);
        Assert.Equal(1, engine.Orders.Applied[CommandId(collected)]);
    }

    [Fact]
    public async Task GivenAStoreActionWhoseWakeUpNeverArrives_WhenThePickupTimerFires_ThenTheWorkflowReadsTheCollectedOrderAndEnds()
    {
        const string order = "durable-unwoken";
        var ready = Action(order, "ready-for-pickup");
        engine.Orders.SetPickupWindow(order, TimeSpan.FromSeconds(2));
        var instanceId = await StartAsync(order, first: ready);
        await WaitUntilAsync(() => engine.Orders.StatusOf(order) == "ReadyForPickup", "the first command was not applied");

        // Applied to the order as the store-action route applies it, but the orchestration is never told.
        var collected = Action(order, "picked-up");
        Assert.Equal("Fulfilled", engine.Orders.Step(new WorkflowStep(order, collected, null)).Status);
        var done = await CompletionAsync(instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("Fulfilled", done.ReadOutputAs<OrderProgress>()!.Status);
        Assert.Equal("Fulfilled", engine.Orders.StatusOf(order));
        Assert.Contains(engine.Orders.Executions.Keys, id => id.StartsWith("expire:", StringComparison.Ordinal));
        Assert.Equal(1, engine.Orders.Applied[CommandId(collected)]);
    }

    /// <summary>
    /// Raises a wake-up until the orchestration has read the order once more. The engine may drop an external event
    /// raised while a history restarts; the workflow's design allows for that, and so does this sender.
    /// </summary>
    private async Task WakeUntilReadAsync(string instanceId, string orderId, string cause)
    {
        var before = engine.Orders.StepsOf(orderId);
        using var timeout = new CancellationTokenSource(Patience);
        for (var attempt = 1; engine.Orders.StepsOf(orderId) == before; attempt++)
        {
            if (timeout.IsCancellationRequested) Assert.Fail($"wake-up {cause} was never read");
            await engine.Client.RaiseEventAsync(instanceId, OrderOrchestration.StoreActionEvent, StoreActions.Refresh(orderId, $"{cause}-{attempt}", DateTimeOffset.UtcNow));
            using var resend = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (engine.Orders.StepsOf(orderId) == before && !resend.IsCancellationRequested) await Task.Delay(50);
        }
    }

    [Fact]
    public async Task GivenAStepThatFailsOnce_WhenTheRetryPolicyRunsItAgain_ThenTheActionIsAppliedOnceAndTheWorkflowGoesOn()
    {
        const string order = "durable-retried";
        var ready = Action(order, "ready-for-pickup");
        engine.Orders.FailOnceOn(CommandId(ready));
        var instanceId = await StartAsync(order);

        await RaiseAndWaitAsync(instanceId, order, ready, "ReadyForPickup");
        await RaiseAndWaitAsync(instanceId, order, Action(order, "picked-up"), "Fulfilled");
        var done = await CompletionAsync(instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(2, engine.Orders.Executions[CommandId(ready)]);
        Assert.Equal(1, engine.Orders.Applied[CommandId(ready)]);
    }
}

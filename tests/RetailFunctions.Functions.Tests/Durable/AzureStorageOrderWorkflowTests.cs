using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Testing;

namespace RetailFunctions.Functions.Tests.Durable;

/// <summary>
/// The order orchestration on Durable Functions' default storage backend (DurableTask.AzureStorage) over a real
/// Azurite: one app instance is the Durable sidecar (TaskHubGrpcServer over AzureStorageOrchestrationService, as the
/// Functions host runs it) plus the worker connected to it over gRPC. The instance is stopped in the middle of a
/// step; a new instance on the same task hub finishes the order, with each action applied once.
/// </summary>
public sealed class AzureStorageOrderWorkflowTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private Azurite azurite = null!;

    public async Task InitializeAsync() => azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await azurite.DisposeAsync();

    /// <summary>One app instance: the storage backend, the gRPC sidecar over it, and a worker started once it listens.</summary>
    private sealed class AppInstance : IAsyncDisposable
    {
        public required WebApplication Sidecar { get; init; }
        public required IHost Worker { get; init; }

        public DurableTaskClient Client => Worker.Services.GetRequiredService<DurableTaskClient>();

        public static async Task<AppInstance> StartAsync(string connectionString, PickupOrderBook orders)
        {
            var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
            {
                TaskHubName = "RetailOrders", // host.json extensions.durableTask.hubName
                StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
                PartitionCount = 1,
                // Short leases and visibility timeouts, so the next instance takes over a stopped one's work in seconds.
                WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(10),
                ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(10),
                LeaseInterval = TimeSpan.FromSeconds(10),
                LeaseRenewInterval = TimeSpan.FromSeconds(3),
                LeaseAcquireInterval = TimeSpan.FromSeconds(2),
                MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500),
            });
            await service.CreateIfNotExistsAsync();

            var port = Azurite.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton<IOrchestrationService>(service);
            builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
            builder.Services.AddSingleton<TaskHubGrpcServer>();
            var sidecar = builder.Build();
            sidecar.MapGrpcService<TaskHubGrpcServer>();
            await sidecar.StartAsync();

            // The worker connects after the sidecar listens (started together, it never got work).
            var worker = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder().ConfigureLogging(l => l.ClearProviders()).ConfigureServices(services =>
            {
                services.AddDurableTaskWorker(b =>
                {
                    b.UseGrpc($"http://localhost:{port}");
                    b.AddTasks(r => DurableEngine.Register(r, orders));
                });
                services.AddDurableTaskClient(b => b.UseGrpc($"http://localhost:{port}"));
            }).Build();
            await worker.StartAsync();
            return new AppInstance { Sidecar = sidecar, Worker = worker };
        }

        public async ValueTask DisposeAsync()
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await Worker.StopAsync(quick.Token);
                await Sidecar.StopAsync(quick.Token);
            }
            catch (OperationCanceledException)
            {
                // A stopped instance does not wait for its hung step.
            }
            // The sidecar's stopping stops the storage service itself, in the background. Stopping it here as well raced
            // that stop, and the loser's NullReferenceException, thrown on the thread pool, ended the test process.
            Worker.Dispose();
            await Sidecar.DisposeAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            if (timeout.IsCancellationRequested) Assert.Fail(failure);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task GivenAnInstanceStoppedInTheMiddleOfAStep_WhenANewInstanceTakesOver_ThenTheOrderIsFinishedWithEachActionAppliedOnce()
    {
        const string order = "azure-storage-1";
        var orders = new PickupOrderBook(pickupWindow: TimeSpan.FromMinutes(30), returnWindow: TimeSpan.FromSeconds(1));
        var instanceId = OrderOrchestration.InstanceIdFor(order);
        var ready = StoreActions.Advance(order, "s-1", "ready-for-pickup", "associate", [], DateTimeOffset.UtcNow)!;
        var collected = StoreActions.Advance(order, "s-1", "picked-up", "associate", [], DateTimeOffset.UtcNow)!;
        string Id(RetailFunctions.Pipeline.Messaging.Envelope e) => OrderEnvelopes.ReadCommand(e).Command.CommandId;
        using var never = new ManualResetEventSlim(false);
        orders.HangAfterApplyingOnce(Id(collected), never);

        var first = await AppInstance.StartAsync(azurite.ConnectionString, orders);
        await first.Client.ScheduleNewOrchestrationInstanceAsync(OrderOrchestration.Name, new OrderWorkflowInput(order, ready),
            new StartOrchestrationOptions(instanceId));
        await WaitUntilAsync(() => orders.StatusOf(order) == "ReadyForPickup", "the first instance never applied ready-for-pickup");
        await first.Client.RaiseEventAsync(instanceId, OrderOrchestration.StoreActionEvent, collected);
        await WaitUntilAsync(() => orders.Executions.GetValueOrDefault(Id(collected)) == 1, "the first instance never ran the pickup step");
        await first.DisposeAsync();

        await using var second = await AppInstance.StartAsync(azurite.ConnectionString, orders);
        using var timeout = new CancellationTokenSource(Patience);
        var done = await second.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("Fulfilled", done.ReadOutputAs<OrderProgress>()!.Status);
        Assert.Equal(2, orders.Executions[Id(collected)]);
        Assert.Equal(new Dictionary<string, int> { [Id(ready)] = 1, [Id(collected)] = 1 }, orders.Applied.ToDictionary());
    }
}

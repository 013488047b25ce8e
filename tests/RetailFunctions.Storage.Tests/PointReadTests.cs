using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// The reads a web order makes of tables that grow with every order (the delivery log, the points ledger) are point
/// reads, never queries: a query is served by scanning (the emulator scans the whole table), so each would cost more
/// with every order taken; routing reuses a SKU's figure for a few seconds. Every Table request is logged to tell a
/// query from a point read.
/// </summary>
public sealed class PointReadTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly TableRequests _requests = new();
    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.AddPolicy(_requests, HttpPipelinePosition.PerCall);
        _account = new StorageAccount(new TableServiceClient(azurite.ConnectionString, options),
            new QueueServiceClient(azurite.ConnectionString), new BlobServiceClient(azurite.ConnectionString));
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Each Table request's method and path; a GET whose path names no single row is a query.</summary>
    private sealed class TableRequests : HttpPipelinePolicy
    {
        private readonly ConcurrentQueue<(string Method, string Path)> _seen = new();

        public void Clear() => _seen.Clear();

        public IReadOnlyList<string> Queries => [.. _seen.Where(r => r.Method == "GET" && !(r.Path.Contains("PartitionKey=") && r.Path.Contains("RowKey=")))
            .Select(r => r.Path)];

        public int Reads => _seen.Count(r => r.Method == "GET");

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Log(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Log(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Log(HttpMessage message) =>
            _seen.Enqueue((message.Request.Method.Method, Uri.UnescapeDataString(message.Request.Uri.ToUri().AbsolutePath)));
    }

    private static DeliveryRecord Delivery(string shop, string webhookId, string? eventId) =>
        new(shop, webhookId, eventId, "orders/create", "done", "archive", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    [Fact]
    public async Task GivenADeliveryOfAnEvent_WhenAnotherWebhookOfTheSameEventIsLookedUp_ThenItIsFoundByItsEventIdWithPointReadsOnly()
    {
        var log = new TableDeliveryLog(_account);
        var shop = $"points-{Guid.NewGuid():N}.myshopify.com";
        await log.RecordAsync(Delivery(shop, "webhook-1", "event-1"), CancellationToken.None);
        _requests.Clear();

        var seen = await log.FindAsync(shop, "webhook-2", "event-1", CancellationToken.None);

        Assert.Equal("webhook-1", seen?.WebhookId);
        Assert.Empty(_requests.Queries);
        Assert.Equal(2, _requests.Reads);
    }

    [Fact]
    public async Task GivenARetriedDelivery_WhenItIsLookedUpWithADifferentEventId_ThenItsWebhookIdsRowAnswersWithPointReadsOnly()
    {
        var log = new TableDeliveryLog(_account);
        var shop = $"points-{Guid.NewGuid():N}.myshopify.com";
        await log.RecordAsync(Delivery(shop, "webhook-1", "event-1"), CancellationToken.None);
        await log.RecordAsync(Delivery(shop, "webhook-2", "event-2") with { Outcome = "other" }, CancellationToken.None);
        _requests.Clear();

        var seen = await log.FindAsync(shop, "webhook-1", "event-2", CancellationToken.None);

        Assert.Equal(("webhook-1", "done"), (seen?.WebhookId, seen?.Outcome));
        Assert.Empty(_requests.Queries);
    }

    [Fact]
    public async Task GivenANewDelivery_WhenItIsLookedUp_ThenNothingIsFoundAndNoQueryIsMade()
    {
        var log = new TableDeliveryLog(_account);
        var shop = $"points-{Guid.NewGuid():N}.myshopify.com";
        await log.RecordAsync(Delivery(shop, "webhook-1", "event-1"), CancellationToken.None);
        _requests.Clear();

        Assert.Null(await log.FindAsync(shop, "webhook-9", "event-9", CancellationToken.None));
        Assert.Empty(_requests.Queries);
    }

    [Fact]
    public async Task GivenACustomerWithPoints_WhenAnOrderAccruesAndIsDeliveredAgain_ThenTheLedgerReadsByKeyOnlyAndAccruesOnce()
    {
        var ledger = new LoyaltyService(new TableLoyaltyStore(_account),
            new CustomerOptions("DE", new Dictionary<string, string>(), LoyaltyProgram.Default), TimeProvider.System);
        var customer = $"cus-{Guid.NewGuid():N}";
        LoyaltyCommand Accrue(string order) =>
            new LoyaltyCommand.Accrue(customer, order, Channels.Web, new Money(100m, "EUR"), $"activity:{order}:purchase", DateTimeOffset.UtcNow);
        await ledger.ExecuteAsync(Accrue("o-1"), CancellationToken.None);
        _requests.Clear();

        var first = await ledger.ExecuteAsync(Accrue("o-2"), CancellationToken.None);
        var again = await ledger.ExecuteAsync(Accrue("o-2"), CancellationToken.None);

        Assert.Equal((CommandOutcome.Applied, CommandOutcome.AlreadyApplied), (first.Outcome, again.Outcome));
        Assert.Equal(first.Account.Balance, again.Account.Balance);
        Assert.True(first.Account.Balance > 0);
        Assert.Empty(_requests.Queries);
    }

    private LoyaltyService Ledger() => new(new TableLoyaltyStore(_account),
        new CustomerOptions("DE", new Dictionary<string, string>(), LoyaltyProgram.Default), TimeProvider.System);

    private static LoyaltyCommand Accrual(string customer, string order) =>
        new LoyaltyCommand.Accrue(customer, order, Channels.Web, new Money(100m, "EUR"), $"activity:{order}:purchase", DateTimeOffset.UtcNow);

    [Fact]
    public async Task GivenAnotherInstanceAccruedSince_WhenThisOneAccruesOnTheAccountItKept_ThenItReadsAgainAndNoPointsAreLost()
    {
        var (here, elsewhere) = (Ledger(), Ledger());
        var customer = $"cus-{Guid.NewGuid():N}";
        var first = await here.ExecuteAsync(Accrual(customer, "o-1"), CancellationToken.None);
        await elsewhere.ExecuteAsync(Accrual(customer, "o-2"), CancellationToken.None);
        _requests.Clear();

        var third = await here.ExecuteAsync(Accrual(customer, "o-3"), CancellationToken.None);

        Assert.Equal(CommandOutcome.Applied, third.Outcome);
        Assert.True(_requests.Reads > 0);
        Assert.Equal(3 * first.Account.Balance, third.Account.Balance);
        Assert.Equal(third.Account.Balance, (await new TableLoyaltyStore(_account).GetAccountAsync(customer, CancellationToken.None)).Balance);
    }

    private static InventoryCommand Receipt(string sku, decimal quantity) => new InventoryCommand.RecordMovement(
        new StockMovement(sku, "STORE-1", MovementKind.Receipt, quantity, $"{sku}-receipt", "tester", "test", "test-event", DateTimeOffset.UtcNow));

    private static InventoryCommand Reserve(string sku, string id, decimal quantity) =>
        new InventoryCommand.Reserve(sku, "STORE-1", "web", quantity, id, $"order {id}", null, MayOversell: false, DateTimeOffset.UtcNow);

    [Fact]
    public async Task GivenASkuRoutedMomentsAgo_WhenAnOrderReservesItAndTheNextOrderRoutesIt_ThenNothingIsReadAgainAndTheReservationShows()
    {
        var sku = $"PR-{Guid.NewGuid():N}";
        await new StockGroupCommit(new TableInventoryStore(_account)).ExecuteAsync(Receipt(sku, 10m), CancellationToken.None);
        var here = new TableInventoryStore(_account);
        var routed = await here.GetRoutingStockAsync(sku, TimeSpan.FromMinutes(1), CancellationToken.None);

        var reserved = await new StockGroupCommit(here).ExecuteAsync(Reserve(sku, $"{sku}-line-1", 3m), CancellationToken.None);
        _requests.Clear();
        var next = await here.GetRoutingStockAsync(sku, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal((10m, 0m), (routed.Single().Level.OnHand, routed.Single().Level.Reserved));
        Assert.Equal(CommandOutcome.Applied, reserved.Outcome);
        Assert.Equal((10m, 3m), (next.Single().Level.OnHand, next.Single().Level.Reserved));
        Assert.Equal(0, _requests.Reads);
    }

    [Fact]
    public async Task GivenAnotherInstanceReservedTheLastUnitsAfterRouting_WhenThisInstanceReservesOnTheRoutedFigure_ThenItIsRefusedAndRoutingReadsAfresh()
    {
        var sku = $"PR-{Guid.NewGuid():N}";
        var there = new StockGroupCommit(new TableInventoryStore(_account));
        await there.ExecuteAsync(Receipt(sku, 2m), CancellationToken.None);
        var here = new TableInventoryStore(_account);
        await here.GetRoutingStockAsync(sku, TimeSpan.FromMinutes(1), CancellationToken.None);
        await there.ExecuteAsync(Reserve(sku, $"{sku}-line-1", 2m), CancellationToken.None);

        var reserved = await new StockGroupCommit(here).ExecuteAsync(Reserve(sku, $"{sku}-line-2", 1m), CancellationToken.None);
        _requests.Clear();
        var rerouted = await here.GetRoutingStockAsync(sku, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(CommandOutcome.Refused, reserved.Outcome);
        Assert.Equal((2m, 2m), (rerouted.Single().Level.OnHand, rerouted.Single().Level.Reserved));
        Assert.Single(_requests.Queries);
    }

    [Fact]
    public async Task GivenAFigureOlderThanRoutingAccepts_WhenTheSkuIsRoutedAgain_ThenItIsReadAndShowsAnotherInstancesChange()
    {
        var sku = $"PR-{Guid.NewGuid():N}";
        var there = new StockGroupCommit(new TableInventoryStore(_account));
        await there.ExecuteAsync(Receipt(sku, 5m), CancellationToken.None);
        var here = new TableInventoryStore(_account);
        await here.GetRoutingStockAsync(sku, TimeSpan.FromMinutes(1), CancellationToken.None);
        await there.ExecuteAsync(Reserve(sku, $"{sku}-line-1", 4m), CancellationToken.None);
        _requests.Clear();

        var routed = await here.GetRoutingStockAsync(sku, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal((5m, 4m), (routed.Single().Level.OnHand, routed.Single().Level.Reserved));
        Assert.Single(_requests.Queries);
    }

    [Fact]
    public async Task GivenRoutingLastSawNoStockAndAnotherInstanceReceivedSome_WhenAnOrderIsRouted_ThenTheShortfallIsReadAfreshAndTheStockIsOffered()
    {
        var sku = $"PR-{Guid.NewGuid():N}";
        var here = new TableInventoryStore(_account);
        await new StockGroupCommit(here).ExecuteAsync(Receipt(sku, 1m), CancellationToken.None);
        Assert.Equal(1m, Assert.Single(await here.GetRoutingStockAsync(sku, TimeSpan.FromMinutes(1), CancellationToken.None)).Level.OnHand);
        await new StockGroupCommit(new TableInventoryStore(_account)).ExecuteAsync(new InventoryCommand.RecordMovement(
            new StockMovement(sku, "STORE-1", MovementKind.Receipt, 3m, $"{sku}-receipt-2", "tester", "test", "test-event-2", DateTimeOffset.UtcNow)),
            CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var draft = new Domain.Orders.OrderDraft("app", [new Domain.Orders.ChannelReference("app", "id", sku)], "USD", now, null,
            Domain.Orders.FulfilmentMethod.Ship, null, null, null, [new Domain.Orders.OrderLine("L1", sku, "Shirt", 2m, 10m, 0m, 0m)], 0m, 0m, false);
        var step = Domain.Orders.OrderWorkflow.Execute(new Domain.Orders.OrderCommand.RecordOrder("record", "app", now, draft, now, null, null,
            new Dictionary<string, decimal>()), Domain.Orders.Order.Empty($"app-{sku}"), Domain.Orders.OrderPolicy.Default);
        var routing = Assert.Single(step.Effects.OfType<Domain.Orders.OrderEffect.RouteStock>());
        var runner = new Pipeline.Orders.OrderEffectRunner(here, null!, new TableCatalogStore(_account), null!, null!,
            new InventoryOptions(null, new HashSet<string>()), TimeProvider.System);

        var answer = Assert.IsType<Domain.Orders.OrderCommand.AllocateStock>(await runner.RouteAsync(step.Next, routing, CancellationToken.None));

        Assert.Equal(4m, Assert.Single(answer.Candidates, c => c.Sku == sku).Available);
    }
    [Fact]
    public async Task GivenStockAtALocationNeverRegistered_WhenOrdersAreRoutedThereOneAfterAnother_ThenTheLocationsAreListedOnce()
    {
        var skus = new[] { $"PR-{Guid.NewGuid():N}", $"PR-{Guid.NewGuid():N}" };
        var here = new TableInventoryStore(_account);
        foreach (var sku in skus)
            await new StockGroupCommit(here).ExecuteAsync(Receipt(sku, 5m), CancellationToken.None);
        var runner = new Pipeline.Orders.OrderEffectRunner(here, null!, new TableCatalogStore(_account), null!, null!,
            new InventoryOptions(null, new HashSet<string>()), TimeProvider.System);
        _requests.Clear();

        foreach (var sku in skus)
        {
            var now = DateTimeOffset.UtcNow;
            var draft = new Domain.Orders.OrderDraft("app", [new Domain.Orders.ChannelReference("app", "id", sku)], "USD", now, null,
                Domain.Orders.FulfilmentMethod.Ship, null, null, null, [new Domain.Orders.OrderLine("L1", sku, "Shirt", 1m, 10m, 0m, 0m)], 0m, 0m, false);
            var step = Domain.Orders.OrderWorkflow.Execute(new Domain.Orders.OrderCommand.RecordOrder("record", "app", now, draft, now, null, null,
                new Dictionary<string, decimal>()), Domain.Orders.Order.Empty($"app-{sku}"), Domain.Orders.OrderPolicy.Default);
            var routing = Assert.Single(step.Effects.OfType<Domain.Orders.OrderEffect.RouteStock>());
            var answer = Assert.IsType<Domain.Orders.OrderCommand.AllocateStock>(await runner.RouteAsync(step.Next, routing, CancellationToken.None));
            var candidate = Assert.Single(answer.Candidates);
            Assert.Equal(("STORE-1", 5m), (candidate.Location, candidate.Available));
        }

        Assert.Single(_requests.Queries, q => q.Contains(Pipeline.TableNames.Catalog, StringComparison.Ordinal));
    }
}

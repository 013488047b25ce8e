using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A web order of several lines, placed against the real ledger and queues: its reservations go to the ledger as one
/// group, the availability nudges they cause travel in one message, and the order's events and pick request in one more.
/// </summary>
public sealed class OrderRoundMessagesTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task GivenAWebOrderOfThreeSkus_WhenItIsPlaced_ThenItsNudgesAreOneMessageAndItsEventsAnother()
    {
        var ct = CancellationToken.None;
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(ct);
        var catalog = new TableCatalogStore(account);
        await catalog.UpsertLocationAsync(new Location("WH-1", "Warehouse", 52.0, 4.0, []), ct);
        var stock = new TableInventoryStore(account);
        var sender = new QueueMessageSender(account, new BlobStore(account));
        var inventory = new InventoryService(stock, sender, PilotGate.AllOn(TimeProvider.System), TimeProvider.System);
        var skus = new[] { "RND-A", "RND-B", "RND-C" };
        foreach (var sku in skus)
            await inventory.ExecuteAsync(new InventoryCommand.RecordMovement(
                new StockMovement(sku, "WH-1", MovementKind.Receipt, 10m, $"{sku}-receipt", "tester", "test", "test-event", Now)), ct);
        // The channels have the receipts' figures: the next change of each SKU nudges a push.
        foreach (var sku in skus)
        {
            var level = Assert.Single(await stock.GetStockAsync(sku, ct)).Level;
            Assert.True(await stock.MarkPushedAsync(sku, "WH-1", level.Version, 10m, Now, ct));
        }
        await DrainAsync(account, QueueNames.ChannelAvailability);
        var effects = new OrderEffectRunner(stock, inventory, catalog, new TableExceptionStore(account), sender,
            new InventoryOptions("WH-1", new HashSet<string>()), TimeProvider.System);
        var orders = new OrderService(new TableOrderStore(account), effects, OrderPolicy.Default, TimeSpan.FromHours(1));

        var placed = await orders.ExecuteAsync("web-1", Place(skus), ct);

        Assert.Equal(3, placed.Order.Shipments.Sum(s => s.Lines.Count));
        foreach (var sku in skus)
            Assert.Equal(2m, Assert.Single(await stock.GetStockAsync(sku, ct)).Level.Reserved);
        var nudges = await DrainAsync(account, QueueNames.ChannelAvailability);
        Assert.Equal(skus, Assert.Single(nudges).Select(e => e.Key(BusinessKeys.Sku)).Order());
        var published = Assert.Single(await DrainAsync(account, QueueNames.OrderEvents));
        Assert.Contains(published, e => e.Type == MessageTypes.StorePickRequested);
        Assert.Contains(published, e => e.Key("event") == nameof(OrderEvent.OrderPlaced));
    }

    private static OrderCommand.RecordOrder Place(IReadOnlyList<string> skus) => new("place:web-1", "test", Now,
        new OrderDraft("web", [new ChannelReference("web", "id", "1")], "EUR", Now, null, FulfilmentMethod.Ship, null, null, null,
            [.. skus.Select((sku, i) => new OrderLine($"L{i}", sku, sku, 2m, 10m, 0m, 0m))], 0m, 0m, false),
        Now, null, null, new Dictionary<string, decimal>());

    /// <summary>Each message on the queue with the envelopes it carries; the queue is left empty.</summary>
    private static async Task<List<IReadOnlyList<Envelope>>> DrainAsync(StorageAccount account, string queue)
    {
        var messages = new List<IReadOnlyList<Envelope>>();
        while ((await account.Queue(queue).ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } received)
            foreach (var message in received)
            {
                messages.Add(QueueMessageSender.Read(message.Body.ToString()).Envelopes);
                await account.Queue(queue).DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        return messages;
    }
}

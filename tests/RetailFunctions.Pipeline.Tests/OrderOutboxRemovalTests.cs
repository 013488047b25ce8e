using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Effects that ran without answering leave an open order's outbox with its next write rather than with one of their
/// own, or alone once the order has been quiet for a moment, or at once when the order has come to rest. Each event is
/// published once, also when another writer changed the row in between.
/// </summary>
public sealed class OrderOutboxRemovalTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly Tender Card = new("P1", "card", "stripe", "tok_1", "4242", null);

    private sealed class RecordingSender : IMessageSender
    {
        private readonly List<Envelope> _sent = [];

        public IReadOnlyList<string> Published
        {
            get
            {
                lock (_sent) return [.. _sent.Where(e => e.Type == MessageTypes.OrderEvent).Select(e => e.Id)];
            }
        }

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            lock (_sent) _sent.Add(envelope);
            return Task.CompletedTask;
        }
    }

    /// <summary>Only events to publish: a gift card moves no stock, so nothing is routed, reserved or picked.</summary>
    private static (OrderService Orders, MemoryOrderStore Store, RecordingSender Sender) Service(TimeSpan? removalDelay = null)
    {
        var store = new MemoryOrderStore();
        var sender = new RecordingSender();
        var effects = new OrderEffectRunner(null!, null!, null!, null!, sender, new InventoryOptions(null, new HashSet<string>()), TimeProvider.System);
        // By default long enough that no removal is written alone while a test runs.
        return (new OrderService(store, effects, OrderPolicy.Default, removalDelay ?? TimeSpan.FromHours(1)), store, sender);
    }

    private static OrderCommand.RecordOrder Place(string channelOrderId) => new($"place:{channelOrderId}", "test", Now,
        new OrderDraft("app", [new ChannelReference("app", "id", channelOrderId)], "EUR", Now, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("L1", null, "Gift card", 1m, 50m, 0m, 0m, IsGiftCard: true)], 0m, 0m, false), Now, null, null, new Dictionary<string, decimal>());

    private static OrderCommand.RecordPayment Pay(PaymentKind kind, decimal amount) =>
        new($"pay:{kind}", "test", Now, Card, new PaymentTransaction($"P1:{kind}", "P1", kind, amount, Now));

    [Fact]
    public async Task GivenAnOpenOrderWhoseEventsWerePublished_WhenTheNextCommandIsSaved_ThenThatOneWriteAlsoEmptiesTheOutbox()
    {
        var (orders, store, sender) = Service();

        var placed = await orders.ExecuteAsync("app-1", Place("1"), CancellationToken.None);
        Assert.Empty(placed.Stored.Pending);
        Assert.Equal(1, store.Saves);
        Assert.NotEmpty(store.Row("app-1").Pending);

        var paid = await orders.ExecuteAsync("app-1", Pay(PaymentKind.Authorization, 50m), CancellationToken.None);
        Assert.Empty(paid.Stored.Pending);
        Assert.Equal(2, store.Saves);
        Assert.DoesNotContain(store.Row("app-1").Pending, e => e is OrderEffect.Publish p && p.Sequence <= placed.Order.Sequence);
        Assert.Equal(sender.Published.Distinct().Count(), sender.Published.Count);
        Assert.Equal(paid.Order.Sequence, sender.Published.Count);
    }

    [Fact]
    public async Task GivenAnOpenOrderWithNoFurtherCommand_WhenAMomentPasses_ThenTheRemovalIsWrittenAlone()
    {
        var (orders, store, sender) = Service(TimeSpan.FromMilliseconds(100));

        await orders.ExecuteAsync("app-2", Place("2"), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (store.Row("app-2").Pending.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);

        Assert.Empty(store.Row("app-2").Pending);
        Assert.Equal(2, store.Saves);
        Assert.Single(sender.Published);
    }

    [Fact]
    public async Task GivenAnOrderCancelled_WhenItsEventsArePublished_ThenTheOutboxIsEmptiedAtOnce()
    {
        var (orders, store, _) = Service();
        await orders.ExecuteAsync("app-3", Place("3"), CancellationToken.None);

        var cancelled = await orders.ExecuteAsync("app-3", new OrderCommand.CancelOrder("cancel:app-3", "test", Now, "changed mind"), CancellationToken.None);

        Assert.Equal(OrderStatus.Cancelled, cancelled.Order.Status);
        Assert.Empty(store.Row("app-3").Pending);
    }

    [Fact]
    public async Task GivenAnotherWriterChangedTheRow_WhenTheNextCommandIsSaved_ThenEffectsAlreadyRunAreNotRunAgain()
    {
        var (orders, store, sender) = Service();
        await orders.ExecuteAsync("app-4", Place("4"), CancellationToken.None);

        store.BeforeSave.Enqueue(() => store.Touch("app-4"));
        var placed = store.Row("app-4").Order;
        var paid = await orders.ExecuteAsync("app-4", Pay(PaymentKind.Authorization, 50m), CancellationToken.None);

        Assert.DoesNotContain(store.Row("app-4").Pending, e => e is OrderEffect.Publish p && p.Sequence <= placed.Sequence);
        Assert.Equal(paid.Order.Sequence, sender.Published.Count);
        Assert.Equal(sender.Published.Distinct().Count(), sender.Published.Count);
    }
}

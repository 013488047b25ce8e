using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>One order decision's events go to the order-events queue in one send, after the decision is saved.</summary>
public sealed class OrderEventsSentTogetherTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly Tender Card = new("P1", "card", "stripe", "tok_1", "4242", null);

    /// <summary>Records each send: one envelope alone, or envelopes sent together. Can refuse the next send of a group.</summary>
    private sealed class RecordingSender : IMessageSender
    {
        public List<IReadOnlyList<Envelope>> Sends { get; } = [];
        public int RefuseGroups { get; set; }

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            lock (Sends) Sends.Add([envelope]);
            return Task.CompletedTask;
        }

        public Task SendAllAsync(string queue, IReadOnlyList<Envelope> envelopes, CancellationToken cancellationToken)
        {
            lock (Sends)
            {
                if (RefuseGroups > 0 && RefuseGroups-- > 0) throw new InvalidOperationException("the queue is unavailable");
                Sends.Add(envelopes);
            }
            return Task.CompletedTask;
        }
    }

    private static (OrderService Orders, MemoryOrderStore Store, RecordingSender Sender) Service()
    {
        var store = new MemoryOrderStore();
        var sender = new RecordingSender();
        var effects = new OrderEffectRunner(null!, null!, null!, null!, sender, new InventoryOptions(null, new HashSet<string>()), TimeProvider.System);
        return (new OrderService(store, effects, OrderPolicy.Default, TimeSpan.FromHours(1)), store, sender);
    }

    /// <summary>A gift card moves no stock: its placement and payments only publish events.</summary>
    private static IReadOnlyList<OrderCommand> PlaceAndPay(string id) =>
    [
        new OrderCommand.RecordOrder($"place:{id}", "test", Now,
            new OrderDraft("app", [new ChannelReference("app", "id", id)], "EUR", Now, null, FulfilmentMethod.Ship, null, null, null,
                [new OrderLine("L1", null, "Gift card", 1m, 50m, 0m, 0m, IsGiftCard: true)], 0m, 0m, false), Now, null, null, new Dictionary<string, decimal>()),
        new OrderCommand.RecordPayment($"auth:{id}", "test", Now, Card, new PaymentTransaction($"P1:auth:{id}", "P1", PaymentKind.Authorization, 50m, Now)),
        new OrderCommand.RecordPayment($"capture:{id}", "test", Now, Card, new PaymentTransaction($"P1:capture:{id}", "P1", PaymentKind.Capture, 50m, Now)),
    ];

    [Fact]
    public async Task GivenADecisionWithSeveralEvents_WhenItIsSaved_ThenItsEventsGoOutInOneSend()
    {
        var (orders, _, sender) = Service();

        var result = await orders.ExecuteAllAsync("app-1", PlaceAndPay("1"), CancellationToken.None);

        var send = Assert.Single(sender.Sends);
        Assert.True(send.Count >= 3, $"{send.Count} events");
        Assert.All(send, e => Assert.Equal(MessageTypes.OrderEvent, e.Type));
        Assert.Equal(Enumerable.Range(1, send.Count).Select(i => $"app-1:{i}"), send.Select(e => e.Id));
        Assert.Equal(result.Order.Sequence, send.Count);
    }

    [Fact]
    public async Task GivenTheSendFails_ThenTheEventsStayInTheOutboxAndTheNextDrainSendsEachOnce()
    {
        var (orders, store, sender) = Service();
        sender.RefuseGroups = 1;

        await Assert.ThrowsAsync<InvalidOperationException>(() => orders.ExecuteAllAsync("app-2", PlaceAndPay("2"), CancellationToken.None));
        var saved = await store.LoadAsync("app-2", CancellationToken.None);
        Assert.True(saved.Pending.OfType<OrderEffect.Publish>().Count() >= 3);
        Assert.Empty(sender.Sends);

        await orders.DrainAsync("app-2", CancellationToken.None);

        var ids = sender.Sends.SelectMany(s => s).Select(e => e.Id).ToList();
        Assert.Equal(saved.Order.Sequence, ids.Count);
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Empty((await store.LoadAsync("app-2", CancellationToken.None)).Pending);
    }
}

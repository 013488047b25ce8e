using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// A till sale's own recording (placed, carried out, paid at the till) is published only as far as someone follows
/// it: a known shopper's placement, for their history and points. An anonymous sale is one write with nothing to send
/// or remove; what happens to a till order later (a return) is published as any order's.
/// </summary>
public sealed class TillSalePublishingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 16, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GivenAnAnonymousCarryOutTillSale_WhenItIsRecorded_ThenNothingIsSentToOrderEventsAndTheOrderIsWrittenOnce()
    {
        var (orders, store, sender) = Service();
        var sale = Sale("1", customer: "");

        var recorded = await orders.ExecuteIndexedAsync(OrderIds.ForReceipt(sale.Receipt), Commands(sale), CancellationToken.None);

        Assert.Equal(OrderStatus.Closed, recorded.Order.Status);
        Assert.Equal(2, recorded.Order.Payments.Count);
        Assert.Empty(sender.OrderEvents);
        Assert.Equal(1, store.Saves);
        Assert.Empty(store.Row(recorded.Order.OrderId).Pending);
    }

    [Fact]
    public async Task GivenAKnownShoppersTillSale_WhenItIsRecorded_ThenOnlyItsPlacementIsPublishedAndItNamesTheShopperForPoints()
    {
        var (orders, _, sender) = Service();
        var sale = Sale("2", customer: "<LoyaltyID>L-77</LoyaltyID>");

        await orders.ExecuteIndexedAsync(OrderIds.ForReceipt(sale.Receipt), Commands(sale), CancellationToken.None);

        var published = Assert.Single(sender.OrderEvents);
        Assert.IsType<OrderEvent.OrderPlaced>(published.Event);
        var activity = CustomerOrderSubscriber.ActivityFor(published);
        Assert.Equal(ActivityKind.Purchase, activity!.Kind);
        Assert.Equal("L-77", activity.Customer.LoyaltyId);
        Assert.Equal(10.00m, activity.Net.Amount);
    }

    [Fact]
    public async Task GivenAnAnonymousTillSale_WhenItIsReturnedAtAnotherStore_ThenTheReturnAndItsRefundArePublished()
    {
        var (orders, _, sender) = Service();
        var sale = Sale("3", customer: "");
        var orderId = OrderIds.ForReceipt(sale.Receipt);
        await orders.ExecuteIndexedAsync(orderId, Commands(sale), CancellationToken.None);

        var giveBack = new OrderCommand.RecordTillReturn("pos:13-1-20261120-9:return:12-1-20261120-3", "pos:13:operator:1", Now,
            "pos:13-1-20261120-9:return", "STORE-13", [new TillReturnLine("A", 1m, 4.00m, 0m, "1")], [new TillRefundTender("cash", 4.00m)]);
        await orders.ExecuteAsync(orderId, giveBack, CancellationToken.None);

        Assert.Contains(sender.OrderEvents, e => e.Event is OrderEvent.ReturnAccepted);
        Assert.Contains(sender.OrderEvents, e => e.Event is OrderEvent.RefundIssued);
        Assert.DoesNotContain(sender.OrderEvents, e => OrderEventAudience.IsTillSaleRecording(e.Order, e.Event));
    }

    /// <summary>
    /// Why the recording goes unpublished, asked of each follower with the events it would have received: the journal,
    /// the captured-payment ledger, the refund execution, the pick lists and the customers all pass it by.
    /// </summary>
    [Fact]
    public void GivenEveryEventOfAnAnonymousTillSalesRecording_WhenEachFollowerIsAsked_ThenNoneActsOnIt()
    {
        var sale = Sale("4", customer: "");
        var order = Order.Empty(OrderIds.ForReceipt(sale.Receipt));
        var messages = new List<OrderEventMessage>();
        foreach (var command in Commands(sale))
        {
            var step = OrderWorkflow.Execute(command, order, OrderPolicy.Default);
            foreach (var e in step.Events)
            {
                order = OrderEvolution.Evolve(order, e);
                messages.Add(new OrderEventMessage(order.OrderId, order.Sequence, e.GetType().Name, e, order));
            }
            order = step.Next;
        }

        Assert.Equal(["OrderPlaced", "StockAllocated", "PaymentRecorded", "PaymentRecorded"], messages.Select(m => m.EventType));
        foreach (var message in messages)
        {
            Assert.True(OrderEventAudience.IsTillSaleRecording(message.Order, message.Event), message.EventType);
            Assert.False(OrderEventAudience.IsFollowed(message.Order, message.Event), message.EventType);
            Assert.Empty(JournalOrderSubscriber.FactsFor(message));
            Assert.Empty(CapturedPaymentSubscriber.PaymentsFor(message));
            Assert.IsNotType<OrderEvent.RefundIssued>(message.Event);
            Assert.False(message.Event is OrderEvent.ShipmentAdvanced or OrderEvent.OrderCancelled or OrderEvent.PickupExpired,
                message.EventType);
            Assert.False(message.Event is OrderEvent.StockAllocated { Shipment.Method: not FulfilmentMethod.CarryOut }, message.EventType);
            if (CustomerOrderSubscriber.ActivityFor(message) is { } activity)
                Assert.Empty(ContactPoints.Normalize(activity.Customer, "US").Points);
        }
    }

    private static IReadOnlyList<OrderCommand> Commands(PosTransaction sale) =>
        PosOrderCommands.Record(sale, "STORE-12", new Dictionary<int, string?> { [1] = "SKU-A" }, "pos-uploads/b.xml#1", Now);

    /// <summary>A sale of 10.00 at store 12, paid 4.00 cash and 6.00 by card, naming the customer given (or none).</summary>
    private static PosTransaction Sale(string sequence, string customer)
    {
        var xml = $"""
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
              <RetailStoreID>12</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>{sequence}</SequenceNumber>
              <BusinessDayDate>2026-11-20</BusinessDayDate><EndDateTime>2026-11-20T15:00:00</EndDateTime>
              <CurrencyCode>USD</CurrencyCode><RetailTransaction>{customer}
                <LineItem><SequenceNumber>1</SequenceNumber><Sale ItemType="Stock"><ItemID>A</ItemID>
                  <ActualSalesUnitPrice>5.00</ActualSalesUnitPrice><ExtendedAmount>10.00</ExtendedAmount><Quantity>2</Quantity>
                </Sale></LineItem>
                <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>4.00</Amount></Tender></LineItem>
                <LineItem><SequenceNumber>3</SequenceNumber><Tender TenderType="CreditDebit"><Amount>6.00</Amount>
                  <AuthorizationCode>A1</AuthorizationCode></Tender></LineItem>
                <Total TotalType="TransactionGrandAmount">10.00</Total>
              </RetailTransaction></Transaction></POSLog>
            """;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Assert.IsType<PosParseResult.Parsed>(Assert.Single(PosLogReader.Read(stream))).Transaction;
    }

    /// <summary>Only publishing and returns run: a till sale's stock was moved by the till, so no ledger is needed.</summary>
    private static (OrderService Orders, MemoryOrderStore Store, RecordingSender Sender) Service()
    {
        var store = new MemoryOrderStore();
        var sender = new RecordingSender();
        var effects = new OrderEffectRunner(null!, null!, null!, null!, sender, new InventoryOptions(null, new HashSet<string>()),
            TimeProvider.System);
        return (new OrderService(store, effects, OrderPolicy.Default, TimeSpan.FromHours(1)), store, sender);
    }

    private sealed class RecordingSender : IMessageSender
    {
        private readonly List<(string Queue, Envelope Envelope)> _sent = [];

        public IReadOnlyList<OrderEventMessage> OrderEvents
        {
            get
            {
                lock (_sent)
                    return [.. _sent.Where(s => s.Queue == QueueNames.OrderEvents && s.Envelope.Type == MessageTypes.OrderEvent)
                        .Select(s => OrderJson.Deserialize<OrderEventMessage>(s.Envelope.Payload!))];
            }
        }

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            lock (_sent) _sent.Add((queue, envelope));
            return Task.CompletedTask;
        }
    }
}

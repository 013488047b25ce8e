using System.Text.Json;
using RetailFunctions.Domain.Orders;
using static RetailFunctions.Domain.Orders.OrderCommand;
using static RetailFunctions.Domain.Tests.Orders.OrderBuilders;

namespace RetailFunctions.Domain.Tests.Orders;

/// <summary>
/// A web order's channel inputs (order snapshots with increasing versions, payment transactions, a channel refund,
/// channel fulfilments) arrive in any order and any number of times: the order ends in the same state and the stock
/// ledger in the same position as when each arrived once, in order.
/// </summary>
public sealed class OrderConvergenceProperties
{
    private const int Cases = 400;

    /// <summary>Where the effect runner puts a sale whose effect names no location (the configured fulfilment location).</summary>
    private const string DefaultLocation = Warehouse;

    private static readonly Tender Gateway = new("shopify:stripe", "credit_card", "stripe", null, "4242", null);

    private static OrderDraft Snapshot(string email, GeoPoint shipTo) => Draft(shipTo: shipTo, shipping: 4m,
        lines: [Line("L1", "SKU-A", 2m, 10m), Line("L2", "SKU-B", 1m, 5m, tax: 1m)]) with { Customer = new CustomerReference("c-1", email, null, null) };

    private static RecordOrder Version(int n, DateTimeOffset? cancelledAt = null, IReadOnlyDictionary<string, decimal>? fulfilled = null) =>
        Record(Snapshot($"v{n}@example.com", new GeoPoint(52 + n / 100d, 4.9)), version: At(n * 10), id: $"shopify:orders/updated:{n}",
            cancelledAt: cancelledAt, cancelReason: cancelledAt is null ? null : "customer", fulfilled: fulfilled, at: At(n * 10 + 1));

    /// <summary>A transaction from the order's payments; a refund is processed when the channel's refund is made.</summary>
    private static RecordPayment Transaction(string id, PaymentKind kind, decimal amount)
    {
        var at = kind == PaymentKind.Refund ? At(90) : At(3);
        return new($"shopify-transaction:{id}", "shopify:shop", at, Gateway, new PaymentTransaction($"shopify:{id}", Gateway.PaymentId, kind, amount, at));
    }

    private static RecordChannelRefund Refunded(decimal amount, params ChannelRefundLine[] lines) => Refunded(amount, null, lines);

    /// <summary>A refund that also gives shipping back, as the web store says in its shipping_refund order adjustment.</summary>
    private static RecordChannelRefund Refunded(decimal amount, decimal? shipping, params ChannelRefundLine[] lines) =>
        new("shopify-refund:R1", "shopify:shop", At(90), "shopify:R1", lines,
            [new ChannelRefundTransaction(Gateway, new PaymentTransaction("shopify:T-R1", Gateway.PaymentId, PaymentKind.Refund, amount, At(90)))], shipping);

    /// <summary>
    /// A web-store fulfilment from the default location. A snapshot that says a line is fulfilled names no location, so
    /// the sale it records lands at the default location; a fulfilment from elsewhere would put the same sale in a
    /// different place depending on which arrived first.
    /// </summary>
    private static RecordChannelFulfilment Fulfilment(string id, string line, decimal quantity) =>
        new($"shopify-fulfillment:{id}", "shopify:shop", At(40), new Dictionary<string, decimal> { [line] = quantity }, DefaultLocation);

    /// <summary>
    /// Placed, paid, fulfilled by the web store in two fulfilments, and one line refunded and restocked in a store; the
    /// refund's transaction also arrives with the order's payments.
    /// </summary>
    private static OrderCommand[] FulfilledInputs() =>
    [
        Version(1),
        Version(2),
        Version(3, fulfilled: new Dictionary<string, decimal> { ["L1"] = 2m, ["L2"] = 1m }),
        Transaction("T-AUTH", PaymentKind.Authorization, 30m),
        Transaction("T-CAP", PaymentKind.Capture, 30m),
        Fulfilment("F1", "L1", 2m),
        Fulfilment("F2", "L2", 1m),
        Refunded(6m, new ChannelRefundLine("L2", 1m, true, "STORE-4", 6m, 1m)),
        Transaction("T-R1", PaymentKind.Refund, 6m),
    ];

    /// <summary>Placed, paid, cancelled in the web store and refunded in full, shipping included, the refund also arriving as a payment.</summary>
    private static OrderCommand[] CancelledInputs() =>
    [
        Version(1),
        Version(2),
        Version(3, cancelledAt: At(25)),
        Transaction("T-AUTH", PaymentKind.Authorization, 30m),
        Transaction("T-CAP", PaymentKind.Capture, 30m),
        Refunded(30m, 4m, new ChannelRefundLine("L1", 2m, false, null, 20m, 0m), new ChannelRefundLine("L2", 1m, false, null, 6m, 1m)),
        Transaction("T-R1", PaymentKind.Refund, 30m),
    ];

    /// <summary>A line of three fulfilled in two parts; only the newest snapshot says the line is fulfilled.</summary>
    private static OrderCommand[] PartlyFulfilledInputs() =>
    [
        Record(Snapshot("v1@example.com", new GeoPoint(52, 4.9)) with { Lines = [Line("L1", "SKU-A", 3m, 10m)] }, version: At(10), id: "shopify:orders/create:1"),
        Record(Snapshot("v2@example.com", new GeoPoint(52, 4.9)) with { Lines = [Line("L1", "SKU-A", 3m, 10m)] }, version: At(50), id: "shopify:orders/updated:2",
            fulfilled: new Dictionary<string, decimal> { ["L1"] = 3m }),
        Transaction("T-CAP", PaymentKind.Capture, 34m),
        Fulfilment("F1", "L1", 1m),
        Fulfilment("F2", "L1", 2m),
    ];

    [Fact]
    public void AnyPermutationAndDuplicationOfAPartlyFulfilledWebOrdersInputsReachesTheSameOrderAndStock()
    {
        var (expected, ledger) = Run(PartlyFulfilledInputs());

        Assert.Equal((OrderStatus.Fulfilled, 3m), (expected.Status, expected.Fulfilled("L1")));
        Assert.Equal(["SKU-A@WH on hand -3"], ledger.Position());

        AssertConverges(PartlyFulfilledInputs(), expected, ledger, seed: 3000);
    }

    [Fact]
    public void AnyPermutationAndDuplicationOfAFulfilledWebOrdersInputsReachesTheSameOrderAndStock()
    {
        var (expected, ledger) = Run(FulfilledInputs());

        Assert.Equal((OrderStatus.Fulfilled, 30m, 6m, "partially_refunded"), (expected.Status, expected.Captured, expected.Refunded, expected.Payments.Single().Status));
        Assert.Equal(("v3@example.com", 2m, 1m, 1m), (expected.Draft!.Customer!.Email, expected.Fulfilled("L1"), expected.Fulfilled("L2"), expected.Returned("L2")));
        Assert.Equal(["SKU-A@WH on hand -2", "SKU-B@STORE-4 on hand 1", "SKU-B@WH on hand -1"], ledger.Position());

        AssertConverges(FulfilledInputs(), expected, ledger, seed: 1000);
    }

    [Fact]
    public void AnyPermutationAndDuplicationOfACancelledWebOrdersInputsReachesTheSameOrderAndStock()
    {
        var (expected, ledger) = Run(CancelledInputs());

        Assert.Equal((OrderStatus.Cancelled, At(25), "customer"), (expected.Status, expected.CancelledAt, expected.CancelReason));
        Assert.Equal((30m, 30m, 4m), (expected.Captured, expected.Refunded, expected.Refunds.Single().Shipping));
        Assert.Empty(ledger.Position());

        AssertConverges(CancelledInputs(), expected, ledger, seed: 2000);
    }

    private static void AssertConverges(OrderCommand[] inputs, Order expected, Ledger expectedLedger, int seed)
    {
        for (var run = 0; run < Cases; run++)
        {
            var random = new Random(seed + run);
            var arrivals = inputs.SelectMany(c => Enumerable.Repeat(c, random.Next(1, 4))).ToArray();
            random.Shuffle(arrivals);

            var (actual, ledger) = Run(arrivals);

            var order = string.Join(", ", arrivals.Select(c => c.CommandId));
            Assert.True(Projection(expected) == Projection(actual), $"seed {seed + run}, arrivals {order}:\n{Projection(expected)}\n{Projection(actual)}");
            Assert.True(expectedLedger.Position().SequenceEqual(ledger.Position()),
                $"seed {seed + run}, arrivals {order}:\n{string.Join("; ", expectedLedger.Position())}\n{string.Join("; ", ledger.Position())}");
        }
    }

    /// <summary>Executes arrivals as storage would, feeding every effect to a simulated stock ledger.</summary>
    private static (Order Order, Ledger Ledger) Run(IEnumerable<OrderCommand> arrivals)
    {
        var order = Order.Empty(OrderId);
        var ledger = new Ledger();
        foreach (var command in arrivals)
        {
            var step = OrderWorkflow.Execute(command, order, Policy);
            Assert.True(step.Refusal is null, $"{command.CommandId} refused: {step.Refusal}");
            foreach (var effect in step.Effects) ledger.Apply(effect);
            order = step.Next;
        }
        return (order, ledger);
    }

    /// <summary>
    /// The order without History, Sequence and AppliedCommands: the status history lists the statuses in the order they
    /// were passed through (arrival order), Sequence counts events (a snapshot arriving late adds no revision, one arriving
    /// early does), and AppliedCommands lists ids as they arrived, leaving out the ones that were no-ops. None of these
    /// is the order's state. Lists whose order follows arrival (transactions) are sorted by id.
    /// </summary>
    private static string Projection(Order order) => JsonSerializer.Serialize(new
    {
        order.OrderId,
        order.Draft,
        order.Version,
        Payments = order.Payments.OrderBy(p => p.Tender.PaymentId, StringComparer.Ordinal).Select(p => new
        {
            p.Tender,
            Transactions = p.Transactions.OrderBy(t => t.TransactionId, StringComparer.Ordinal),
            p.Status,
        }),
        order.Shipments,
        order.Backorders,
        Returns = order.Returns.OrderBy(r => r.ReturnId, StringComparer.Ordinal),
        Refunds = order.Refunds.OrderBy(r => r.RefundId, StringComparer.Ordinal),
        ChannelFulfilled = order.ChannelFulfilled.OrderBy(f => f.Key, StringComparer.Ordinal),
        RefusedLocations = order.RefusedLocations.Order(StringComparer.Ordinal),
        order.CancelledAt,
        order.CancelReason,
        order.Status,
    });

    /// <summary>
    /// The stock ledger as the inventory capability keeps it: reservations idempotent by id (a release or a sale of an
    /// unknown reservation leaves a tombstone, a sale with a location is recorded there), returns added to on hand.
    /// Effects are computed relative to the order's state when each event applied, so the raw lists differ with arrival
    /// order; the position they leave the ledger in must not.
    /// </summary>
    private sealed class Ledger
    {
        private readonly Dictionary<string, (string Status, string Sku, string Location, decimal Quantity)> reservations = new(StringComparer.Ordinal);
        private readonly Dictionary<string, decimal> onHand = new(StringComparer.Ordinal);
        private readonly Dictionary<string, decimal> reserved = new(StringComparer.Ordinal);

        public void Apply(OrderEffect effect)
        {
            switch (effect)
            {
                case OrderEffect.ReserveStock r when !reservations.ContainsKey(r.ReservationId):
                    reservations[r.ReservationId] = ("active", r.Sku, r.Location, r.Quantity);
                    Add(reserved, r.Sku, r.Location, r.Quantity);
                    break;
                case OrderEffect.ReleaseStock r:
                    if (!reservations.TryGetValue(r.ReservationId, out var held))
                    {
                        reservations[r.ReservationId] = ("released", r.Sku, "", 0m);
                        break;
                    }
                    if (held.Status != "active") break;
                    Add(reserved, held.Sku, held.Location, -held.Quantity);
                    reservations[r.ReservationId] = held with { Status = "released" };
                    break;
                case OrderEffect.ConsumeStock c:
                    if (reservations.TryGetValue(c.ReservationId, out var reservation))
                    {
                        if (reservation.Status != "active") break;
                        Add(reserved, reservation.Sku, reservation.Location, -reservation.Quantity);
                        Add(onHand, reservation.Sku, reservation.Location, -reservation.Quantity);
                        reservations[c.ReservationId] = reservation with { Status = "consumed" };
                        break;
                    }
                    var location = c.Location ?? DefaultLocation;
                    Add(onHand, c.Sku, location, -c.Quantity);
                    reservations[c.ReservationId] = ("consumed", c.Sku, location, c.Quantity);
                    break;
                case OrderEffect.ReturnStock r:
                    Add(onHand, r.Disposition == ReturnDisposition.Sellable ? r.Sku : $"{r.Sku} (damaged)", r.Location ?? DefaultLocation, r.Quantity);
                    break;
            }
        }

        /// <summary>Every non-zero balance, and every reservation still held, sorted.</summary>
        public IReadOnlyList<string> Position() =>
        [
            .. onHand.Where(b => b.Value != 0m).Select(b => $"{b.Key} on hand {b.Value}")
                .Concat(reserved.Where(b => b.Value != 0m).Select(b => $"{b.Key} reserved {b.Value}"))
                .Concat(reservations.Where(r => r.Value.Status == "active").Select(r => $"{r.Key} active"))
                .Order(StringComparer.Ordinal),
        ];

        private static void Add(Dictionary<string, decimal> balances, string sku, string location, decimal quantity)
        {
            var key = $"{sku}@{location}";
            balances[key] = balances.GetValueOrDefault(key) + quantity;
        }
    }
}

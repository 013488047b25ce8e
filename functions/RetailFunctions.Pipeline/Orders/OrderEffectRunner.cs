using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// Runs one effect of the order workflow against the world: the stock ledger, the queues, the exception store.
/// Each run is idempotent by the effect's own keys; what the world answers comes back as commands for the order.
/// </summary>
public sealed class OrderEffectRunner(
    IInventoryStore stock,
    InventoryService inventory,
    ICatalogStore catalog,
    IExceptionStore exceptions,
    IMessageSender sender,
    InventoryOptions inventoryOptions,
    TimeProvider clock)
{
    private static readonly IReadOnlyList<OrderCommand> NoAnswer = [];
    private static readonly TimeSpan PositionsFresh = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How late another instance's stock change may reach routing: a burst of orders routes the same SKUs again and
    /// again, and a read of all a SKU's locations is a range query, served by scanning. Nothing is oversold by it: the
    /// reservation is checked against the rows it writes, and one that fails there makes the next routing read afresh.
    /// Nor is anything backordered by it: a SKU the kept figure cannot fill is read afresh first. So what the age
    /// bounds is only which location is preferred, and a minute (as for the locations' positions) lets a burst spread
    /// over hundreds of SKUs read each SKU about once a minute rather than once every few orders.
    /// </summary>
    private static readonly TimeSpan RoutingStockFresh = TimeSpan.FromMinutes(1);
    private Positions? _positions;

    public async Task<IReadOnlyList<OrderCommand>> RunAsync(Order order, OrderEffect effect, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        switch (effect)
        {
            case OrderEffect.RouteStock routing:
                return [await RouteAsync(order, routing, ct)];

            case OrderEffect.ReserveStock or OrderEffect.ReleaseStock or OrderEffect.ConsumeStock:
                return await RunStockAsync(order, [(effect, StockCommand(order, effect, now)!)], now, ct);

            case OrderEffect.ReturnStock r:
                var at = r.Location ?? inventoryOptions.DefaultFulfillmentLocation;
                if (at is null)
                {
                    await RaiseAsync(order, effect, Owners.Inventory, ExceptionReasons.UnmappedLocation,
                        $"{r.Reason}: {r.Quantity} of {r.Sku} came back but no location is named and no default fulfillment location is configured", ct);
                    return NoAnswer;
                }
                var kind = r.Disposition == ReturnDisposition.Damaged ? MovementKind.ReturnDamaged : MovementKind.Return;
                await inventory.ExecuteAsync(new InventoryCommand.RecordMovement(new StockMovement(r.Sku, at, kind, r.Quantity, $"order-return:{effect.EffectId}",
                    $"order {order.OrderId}", r.Reason, $"order:{order.OrderId}", now)), ct);
                return NoAnswer;

            case OrderEffect.RequestPick or OrderEffect.Publish:
                await sender.SendAsync(QueueNames.OrderEvents, OrderEventsMessage(order, effect, now)!, ct);
                return NoAnswer;

            case OrderEffect.SchedulePickupExpiry s:
                await ScheduleExpiryAsync(order.OrderId, s.ShipmentId, s.DueAt, ct);
                return NoAnswer;

            case OrderEffect.RaiseException x:
                await RaiseAsync(order, effect, x.Owner, x.Reason, x.Detail, ct);
                return NoAnswer;

            default:
                throw new InvalidOperationException($"no runner for effect {effect.GetType().Name}");
        }
    }

    /// <summary>
    /// Runs one round of the outbox. Effects run in turn, except that a run of stock effects next to each other goes to
    /// the ledger as one group (each SKU written once, the SKUs side by side, and their availability nudges sent
    /// together), and the messages for the order-events queue (events and pick requests) go out together after the
    /// rest. A web order's reservations and events then cost one wait and one message each, not one per line or event.
    /// </summary>
    public async Task<IReadOnlyList<OrderCommand>> RunAllAsync(Order order, IReadOnlyList<OrderEffect> effects, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var answers = new List<OrderCommand>();
        var messages = new List<Envelope>();
        var stock = new List<(OrderEffect Effect, InventoryCommand Command)>();
        foreach (var effect in effects)
        {
            if (OrderEventsMessage(order, effect, now) is { } message) messages.Add(message);
            else if (StockCommand(order, effect, now) is { } command) stock.Add((effect, command));
            else
            {
                answers.AddRange(await RunStockAsync(order, stock, now, ct));
                stock.Clear();
                answers.AddRange(await RunAsync(order, effect, ct));
            }
        }
        answers.AddRange(await RunStockAsync(order, stock, now, ct));
        if (messages.Count > 0) await sender.SendAllAsync(QueueNames.OrderEvents, messages, ct);
        return answers;
    }

    /// <summary>The ledger command a stock effect asks for, or null for an effect that does something else.</summary>
    private InventoryCommand? StockCommand(Order order, OrderEffect effect, DateTimeOffset now) => effect switch
    {
        OrderEffect.ReserveStock r => new InventoryCommand.Reserve(r.Sku, r.Location, r.Channel, r.Quantity, r.ReservationId,
            $"order {order.OrderId}", ExpiresAt: null, inventoryOptions.MayOversell(r.Channel), now),
        OrderEffect.ReleaseStock r => new InventoryCommand.Release(r.Sku, r.ReservationId, r.Reason, now),
        OrderEffect.ConsumeStock c => new InventoryCommand.Consume(c.Sku, c.ReservationId, $"order {order.OrderId}", now,
            c.Location ?? inventoryOptions.DefaultFulfillmentLocation, c.Quantity),
        _ => null,
    };

    /// <summary>Stock effects as one group for the ledger: a reservation's outcome is answered, a consumption that left stock negative is raised.</summary>
    private async Task<IReadOnlyList<OrderCommand>> RunStockAsync(Order order, IReadOnlyList<(OrderEffect Effect, InventoryCommand Command)> run,
        DateTimeOffset now, CancellationToken ct)
    {
        if (run.Count == 0) return NoAnswer;
        var results = await inventory.ExecuteAllAsync([.. run.Select(r => r.Command)], ct);
        var answers = new List<OrderCommand>();
        for (var i = 0; i < run.Count; i++)
        {
            var (effect, result) = (run[i].Effect, results[i]);
            if (effect is OrderEffect.ReserveStock r)
                answers.Add(new OrderCommand.RecordReservation($"reservation:{effect.EffectId}", "inventory", now, r.ShipmentId,
                    r.LineId, result.Outcome != CommandOutcome.Refused, result.Outcome == CommandOutcome.Refused ? result.Summary : null));
            else if (effect is OrderEffect.ConsumeStock)
                await RaiseNegativeStockAsync(order, effect, result, ct);
        }
        return answers;
    }

    /// <summary>The order-events message an effect sends, or null for an effect that does something else.</summary>
    private static Envelope? OrderEventsMessage(Order order, OrderEffect effect, DateTimeOffset now) => effect switch
    {
        OrderEffect.Publish p => OrderEnvelopes.Event(order, p.Event, p.Sequence, now),
        OrderEffect.RequestPick p => OrderEnvelopes.PickRequest(
            new StoreTask(p.Location, order.OrderId, p.ShipmentId, p.Method, p.Lines, ShipmentStage.Allocated, now, now), now),
        _ => null,
    };

    /// <summary>Routing only reads (what each location can promise): the answer is the allocation command.</summary>
    public async Task<OrderCommand> RouteAsync(Order order, OrderEffect.RouteStock routing, CancellationToken ct) =>
        new OrderCommand.AllocateStock($"allocate:{routing.EffectId}", "router", clock.GetUtcNow(), await CandidatesAsync(order, ct));

    /// <summary>The queue hides a message for at most a few days, so a far deadline arrives early and is sent on again.</summary>
    public Task ScheduleExpiryAsync(string orderId, string shipmentId, DateTimeOffset dueAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var delay = dueAt - now;
        var command = new OrderCommand.ExpirePickup($"expire:{shipmentId}:{dueAt.UtcTicks}", "pickup-deadline", dueAt, shipmentId);
        return sender.SendAsync(QueueNames.OrderWorkflow, OrderEnvelopes.Command(orderId, command, now, dueAt: dueAt), ct,
            delay <= TimeSpan.Zero ? null : delay > ReservationExpiryHandler.MaxQueueDelay ? ReservationExpiryHandler.MaxQueueDelay : delay);
    }

    /// <summary>What each location can promise on the order's channel for the SKUs still to place, with where it is.</summary>
    private async Task<IReadOnlyList<StockCandidate>> CandidatesAsync(Order order, CancellationToken ct)
    {
        var needs = OrderDecider.Needs(order);
        if (needs.Count == 0 || order.Draft is null) return [];
        var levels = new List<(string Sku, LocationStock Stock)>();
        foreach (var sku in needs.Select(n => n.Sku).Distinct(StringComparer.Ordinal))
        {
            var read = await stock.GetRoutingStockAsync(sku, RoutingStockFresh, ct);
            // A kept read can miss stock another instance received since: a shortfall is read afresh before it is routed as one.
            if (read.Sum(s => Availability.ForChannel(s.Level, s.Policy, order.Draft.Channel)) < needs.Where(n => n.Sku == sku).Sum(n => n.Quantity))
                read = await stock.GetStockAsync(sku, ct);
            levels.AddRange(read.Select(s => (sku, s)));
        }
        var positions = await PositionsAsync(levels.Select(l => l.Stock.Level.Location), ct);
        return [.. levels.Select(l => new StockCandidate(l.Stock.Level.Location, l.Sku,
            Availability.ForChannel(l.Stock.Level, l.Stock.Policy, order.Draft.Channel), positions.GetValueOrDefault(l.Stock.Level.Location)))];
    }

    /// <summary>
    /// Where the locations are, read once a minute rather than once per order: locations are few and rarely move. A
    /// location the kept list does not know (opened since) makes it read again at once; one still missing from that read
    /// (stock held at a location never registered in the catalog) has no position until the next minute's read, rather
    /// than costing a read of the list with every order routed there.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, GeoPoint?>> PositionsAsync(IEnumerable<string> needed, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_positions is { } kept && now - kept.ReadAt < PositionsFresh && needed.All(kept.ById.ContainsKey)) return kept.ById;
        var read = (await catalog.ListLocationsAsync(ct)).ToDictionary(
            l => l.Id, l => l.Latitude is { } lat && l.Longitude is { } lon ? new GeoPoint(lat, lon) : null, StringComparer.Ordinal);
        foreach (var unregistered in needed.Where(id => !read.ContainsKey(id))) read[unregistered] = null;
        _positions = new Positions(read, now);
        return read;
    }

    private sealed record Positions(IReadOnlyDictionary<string, GeoPoint?> ById, DateTimeOffset ReadAt);

    private async Task RaiseNegativeStockAsync(Order order, OrderEffect effect, InventoryResult result, CancellationToken ct)
    {
        if (result.Outcome != CommandOutcome.Applied) return;
        foreach (var level in result.Levels.Where(l => l.OnHand < 0m))
            await RaiseAsync(order, effect, Owners.Inventory, ExceptionReasons.NegativeStock,
                $"{level.Sku} at {level.Location} is at {level.OnHand} on hand after order {order.OrderId} was fulfilled", ct);
    }

    private async Task RaiseAsync(Order order, OrderEffect effect, string owner, string reason, string detail, CancellationToken ct)
    {
        var keys = new Dictionary<string, string> { [BusinessKeys.Order] = order.OrderId };
        if (order.Draft?.PlacedAtLocation is { } store) keys[BusinessKeys.Store] = store;
        await exceptions.RaiseAsync(new BusinessException(StockPoster.ExceptionId(effect.EffectId, reason), owner, reason, detail, effect.EffectId,
            order.Draft?.SourceReference ?? $"order:{order.OrderId}", keys, ExceptionStatuses.Open, clock.GetUtcNow()), ct);
    }
}

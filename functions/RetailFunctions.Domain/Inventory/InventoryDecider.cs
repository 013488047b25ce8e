namespace RetailFunctions.Domain.Inventory;

/// <summary>What a caller asks of the ledger for one SKU. Every command carries its idempotency key and its time.</summary>
public abstract record InventoryCommand(string Sku, string IdempotencyKey, DateTimeOffset At)
{
    /// <summary>A movement of one location: sale, return, receipt, count, damage, adjustment.</summary>
    public sealed record RecordMovement(StockMovement Movement)
        : InventoryCommand(Movement.Sku, Movement.IdempotencyKey, Movement.OccurredAt);

    /// <summary>Goods leave one location for another: on hand falls at the source, in transit rises at the destination.</summary>
    public sealed record ShipTransfer(string Sku, string From, string To, decimal Quantity, string IdempotencyKey, string Actor, string Reason, DateTimeOffset At)
        : InventoryCommand(Sku, IdempotencyKey, At);

    /// <summary>Goods in transit arrive: in transit falls and on hand rises at the destination.</summary>
    public sealed record ReceiveTransfer(string Sku, string From, string To, decimal Quantity, string IdempotencyKey, string Actor, string Reason, DateTimeOffset At)
        : InventoryCommand(Sku, IdempotencyKey, At);

    public sealed record Reserve(
        string Sku, string Location, string Channel, decimal Quantity, string ReservationId, string Reference,
        DateTimeOffset? ExpiresAt, bool MayOversell, DateTimeOffset At)
        : InventoryCommand(Sku, $"reserve:{ReservationId}", At);

    public sealed record Release(string Sku, string ReservationId, string Reason, DateTimeOffset At)
        : InventoryCommand(Sku, $"release:{ReservationId}", At);

    /// <summary>
    /// Fulfil a reservation: the held quantity leaves on hand as a sale. When the reservation was never made (the
    /// fulfilment arrived first, or stock was short), the fallback location and quantity still record the sale.
    /// </summary>
    public sealed record Consume(string Sku, string ReservationId, string Actor, DateTimeOffset At, string? FallbackLocation = null, decimal? FallbackQuantity = null)
        : InventoryCommand(Sku, $"consume:{ReservationId}", At);

    public sealed record Expire(string Sku, string ReservationId, DateTimeOffset At)
        : InventoryCommand(Sku, $"expire:{ReservationId}", At);
}

/// <summary>The rows a command reads: the levels of the locations it names and the reservation it names, if any.</summary>
public sealed record InventorySlice(IReadOnlyDictionary<string, StockLevel> Levels, Reservation? Reservation, IReadOnlyDictionary<string, StockPolicy> Policies)
{
    public StockLevel Level(string sku, string location) =>
        Levels.TryGetValue(location, out var level) ? level : StockLevel.Empty(sku, location);

    public StockPolicy Policy(string location) => Policies.TryGetValue(location, out var policy) ? policy : StockPolicy.None;
}

/// <summary>The decision: what to write (all in one atomic write), or why nothing is written.</summary>
public abstract record InventoryDecision
{
    public sealed record Apply(
        IReadOnlyList<StockLevel> Levels,
        IReadOnlyList<StockMovement> Movements,
        Reservation? Reservation,
        string Summary) : InventoryDecision;

    /// <summary>Refused with a reason a person can act on; nothing changes.</summary>
    public sealed record Refuse(string Reason, decimal Available) : InventoryDecision;

    /// <summary>Already done, or nothing to do (a release of a consumed reservation); nothing changes.</summary>
    public sealed record NoOp(string Reason) : InventoryDecision;
}

/// <summary>
/// The stock ledger's rules as one pure function: the same command on the same rows always gives the same decision.
/// Storage loads the slice, calls Decide, and writes the result atomically with the command's idempotency key.
/// </summary>
public static class InventoryDecider
{
    public static InventoryDecision Decide(InventoryCommand command, InventorySlice slice) => command switch
    {
        InventoryCommand.RecordMovement c => DecideRecord(c, slice),
        InventoryCommand.ShipTransfer c => DecideShip(c, slice),
        InventoryCommand.ReceiveTransfer c => DecideReceive(c, slice),
        InventoryCommand.Reserve c => DecideReserve(c, slice),
        InventoryCommand.Release c => DecideEnd(c.Sku, c.ReservationId, slice, ReservationStatus.Released, c.At, $"released: {c.Reason}", consume: false, actor: "system"),
        InventoryCommand.Consume { FallbackLocation: { } location, FallbackQuantity: { } quantity } c when slice.Reservation is null =>
            DecideUnreservedSale(c, location, quantity, slice),
        InventoryCommand.Consume c => DecideEnd(c.Sku, c.ReservationId, slice, ReservationStatus.Consumed, c.At, "fulfilled", consume: true, actor: c.Actor),
        InventoryCommand.Expire c => DecideExpire(c, slice),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown inventory command"),
    };

    private static InventoryDecision DecideRecord(InventoryCommand.RecordMovement c, InventorySlice slice)
    {
        if (StockLedger.Refusal(c.Movement) is { } refusal) return new InventoryDecision.Refuse(refusal, 0m);
        var before = slice.Level(c.Sku, c.Movement.Location);
        var after = StockLedger.Apply(before, c.Movement);
        return new InventoryDecision.Apply([after], [c.Movement], null,
            $"{c.Movement.Kind} {c.Movement.Quantity} at {c.Movement.Location}: on hand {before.OnHand} -> {after.OnHand}");
    }

    private static InventoryDecision DecideShip(InventoryCommand.ShipTransfer c, InventorySlice slice)
    {
        if (TransferRefusal(c.From, c.To, c.Quantity) is { } refusal) return new InventoryDecision.Refuse(refusal, 0m);
        var source = slice.Level(c.Sku, c.From);
        var destination = slice.Level(c.Sku, c.To);
        var movement = new StockMovement(c.Sku, c.From, MovementKind.TransferOut, c.Quantity, c.IdempotencyKey, c.Actor, $"{c.Reason} (to {c.To})", "transfer", c.At);
        return new InventoryDecision.Apply(
            [StockLedger.Apply(source, movement), destination with { InTransit = destination.InTransit + c.Quantity, Version = destination.Version + 1 }],
            [movement], null, $"transfer of {c.Quantity} from {c.From} to {c.To} shipped");
    }

    private static InventoryDecision DecideReceive(InventoryCommand.ReceiveTransfer c, InventorySlice slice)
    {
        if (TransferRefusal(c.From, c.To, c.Quantity) is { } refusal) return new InventoryDecision.Refuse(refusal, 0m);
        var destination = slice.Level(c.Sku, c.To);
        if (destination.InTransit < c.Quantity)
            return new InventoryDecision.Refuse($"only {destination.InTransit} of {c.Sku} is in transit to {c.To}; cannot receive {c.Quantity}", destination.InTransit);
        var movement = new StockMovement(c.Sku, c.To, MovementKind.TransferIn, c.Quantity, c.IdempotencyKey, c.Actor, $"{c.Reason} (from {c.From})", "transfer", c.At);
        var received = StockLedger.Apply(destination, movement);
        return new InventoryDecision.Apply([received with { InTransit = destination.InTransit - c.Quantity }], [movement], null,
            $"transfer of {c.Quantity} from {c.From} received at {c.To}");
    }

    private static string? TransferRefusal(string from, string to, decimal quantity) =>
        quantity <= 0m ? "a transfer needs a positive quantity"
        : string.Equals(from, to, StringComparison.Ordinal) ? "a transfer needs two different locations"
        : null;

    private static InventoryDecision DecideReserve(InventoryCommand.Reserve c, InventorySlice slice)
    {
        if (slice.Reservation is { } existing)
            return new InventoryDecision.NoOp($"reservation {existing.ReservationId} already exists ({existing.Status})");
        if (c.Quantity <= 0m) return new InventoryDecision.Refuse("a reservation needs a positive quantity", 0m);
        var level = slice.Level(c.Sku, c.Location);
        var available = Availability.ForChannel(level, slice.Policy(c.Location), c.Channel);
        if (!c.MayOversell && available < c.Quantity)
            return new InventoryDecision.Refuse(
                $"only {available} of {c.Sku} available to promise on {c.Channel} at {c.Location}; {c.Quantity} requested", available);
        var reservation = new Reservation(c.ReservationId, c.Sku, c.Location, c.Channel, c.Quantity, ReservationStatus.Active, c.At, c.ExpiresAt, c.Reference);
        return new InventoryDecision.Apply([level with { Reserved = level.Reserved + c.Quantity, Version = level.Version + 1 }], [], reservation,
            $"reserved {c.Quantity} at {c.Location} for {c.Reference}");
    }

    private static InventoryDecision DecideUnreservedSale(InventoryCommand.Consume c, string location, decimal quantity, InventorySlice slice)
    {
        var sale = new StockMovement(c.Sku, location, MovementKind.Sale, quantity, c.IdempotencyKey, c.Actor,
            $"fulfilled without a reservation ({c.ReservationId})", $"reservation:{c.ReservationId}", c.At);
        if (StockLedger.Refusal(sale) is { } refusal) return new InventoryDecision.Refuse(refusal, 0m);
        var after = StockLedger.Apply(slice.Level(c.Sku, location), sale);
        var tombstone = new Reservation(c.ReservationId, c.Sku, location, "", quantity, ReservationStatus.Consumed, c.At, null, "fulfilled before it was reserved");
        return new InventoryDecision.Apply([after], [sale], tombstone, $"{quantity} sold at {location} without a reservation");
    }

    private static InventoryDecision DecideExpire(InventoryCommand.Expire c, InventorySlice slice)
    {
        if (slice.Reservation is { Status: ReservationStatus.Active, ExpiresAt: { } expiresAt } && expiresAt > c.At)
            return new InventoryDecision.NoOp($"reservation {c.ReservationId} expires at {expiresAt:O}, not yet");
        return DecideEnd(c.Sku, c.ReservationId, slice, ReservationStatus.Expired, c.At, "expired", consume: false, actor: "system");
    }

    /// <summary>
    /// Ends a reservation. An unknown reservation is ended as a tombstone, so a reserve that arrives later (an
    /// out-of-order delivery) finds it and holds nothing; a consume without a reservation still records the sale.
    /// </summary>
    private static InventoryDecision DecideEnd(string sku, string reservationId, InventorySlice slice, ReservationStatus end, DateTimeOffset at, string why, bool consume, string actor)
    {
        if (slice.Reservation is { Status: not ReservationStatus.Active } ended)
            return new InventoryDecision.NoOp($"reservation {reservationId} is already {ended.Status.ToString().ToLowerInvariant()}");
        if (slice.Reservation is not { } active)
            return new InventoryDecision.Apply([], [], new Reservation(reservationId, sku, "", "", 0m, end, at, null, $"ended before it was reserved: {why}"),
                $"reservation {reservationId} {why} before it was made");

        var level = slice.Level(sku, active.Location);
        var released = level with { Reserved = Math.Max(0m, level.Reserved - active.Quantity), Version = level.Version + 1 };
        if (!consume)
            return new InventoryDecision.Apply([released], [], active with { Status = end }, $"reservation {reservationId} {why}: {active.Quantity} back to available");
        var sale = new StockMovement(sku, active.Location, MovementKind.Sale, active.Quantity, $"consume:{reservationId}", actor,
            $"fulfilled {active.Reference}", $"reservation:{reservationId}", at);
        return new InventoryDecision.Apply([released with { OnHand = released.OnHand - active.Quantity }], [sale], active with { Status = end },
            $"reservation {reservationId} fulfilled: {active.Quantity} left {active.Location}");
    }
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Host.Api;

/// <summary>
/// The stock ledger over HTTP: levels and availability per channel, history, manual movements by role,
/// reservations (checkout holds), per-location policies, low-stock alerts.
/// </summary>
public static class InventoryEndpoints
{
    /// <summary>Local mode's identity: the caller's role and name in headers. In Azure they come from Entra ID app roles.</summary>
    public const string RoleHeader = "X-RetailFunctions-Role";
    public const string UserHeader = "X-RetailFunctions-User";

    public sealed record MovementRequest(string? Sku, string? Location, string? Kind, decimal? Quantity, string? OtherLocation, string? Reason, string? IdempotencyKey);
    public sealed record ReservationRequest(string? Sku, string? Location, string? Channel, decimal? Quantity, string? ReservationId, string? Reference, int? ExpiresInSeconds);
    public sealed record PolicyRequest(Dictionary<string, decimal>? SafetyStock, decimal? ReorderPoint);

    private static readonly string[] KnownChannels = [Channels.Web, Channels.Pos, Channels.App, Channels.Marketplace, Channels.Curbside];

    public static void MapInventory(this IEndpointRouteBuilder api)
    {
        api.MapGet("/inventory/{sku}", async (string sku, IInventoryStore inventory, CancellationToken ct) =>
        {
            var stock = await inventory.GetStockAsync(sku, ct);
            return Results.Ok(new
            {
                sku,
                locations = stock.Select(s => new
                {
                    location = s.Level.Location,
                    onHand = s.Level.OnHand,
                    reserved = s.Level.Reserved,
                    inTransit = s.Level.InTransit,
                    available = s.Level.Available,
                    safetyStock = s.Policy.SafetyStock,
                    reorderPoint = s.Policy.ReorderPoint,
                    availableToPromise = KnownChannels.ToDictionary(c => c, c => Availability.ForChannel(s.Level, s.Policy, c)),
                    version = s.Level.Version,
                    pushedVersion = s.PushedVersion,
                }),
                totalOnHand = stock.Sum(s => s.Level.OnHand),
                totalAvailable = stock.Sum(s => s.Level.Available),
            });
        }).WithSummary("Stock of a canonical SKU per location: on hand, reserved, in transit, safety stock, available to promise per channel");

        api.MapGet("/inventory/{sku}/movements", async (string sku, string? location, int? pageSize, string? continuationToken, IInventoryStore inventory, CancellationToken ct) =>
        {
            var page = await inventory.GetMovementsAsync(sku, location, Math.Clamp(pageSize ?? 100, 1, 1000), continuationToken, ct);
            return Results.Ok(new
            {
                sku,
                movements = page.Movements.Select(m => new
                {
                    m.Sequence, m.Movement.Location, kind = m.Movement.Kind.ToString(), m.Movement.Quantity, m.OnHandAfter, m.Movement.Actor,
                    m.Movement.Reason, m.Movement.SourceEvent, m.Movement.IdempotencyKey, m.Movement.OccurredAt, m.Movement.BusinessDay,
                }),
                continuationToken = page.ContinuationToken,
            });
        }).WithSummary("The movement ledger of a SKU, oldest first per location, paged");

        api.MapPost("/inventory/movements", RecordMovement)
            .WithSummary("Record a manual movement (receipt, transfer-ship, transfer-receive, cycle-count, damage, adjustment)")
            .WithDescription($"The caller's role comes from the {RoleHeader} header in local mode; each kind lists the roles allowed. " +
                "idempotencyKey makes a retried request harmless.");

        api.MapPost("/inventory/reservations", Reserve)
            .WithSummary("Hold stock for a checkout or order line; refused with 409 when the channel would oversell");
        api.MapGet("/inventory/{sku}/reservations/{reservationId}", async (string sku, string reservationId, IInventoryStore inventory, CancellationToken ct) =>
            await inventory.GetReservationAsync(sku, reservationId, ct) is { } reservation
                ? Results.Ok(reservation)
                : Http.Problem(StatusCodes.Status404NotFound, "Unknown reservation", $"{sku} has no reservation '{reservationId}'", "reservationId"))
            .WithSummary("A reservation and its status");
        api.MapPost("/inventory/{sku}/reservations/{reservationId}/release", (string sku, string reservationId, InventoryService inventory, TimeProvider clock, CancellationToken ct) =>
                Execute(inventory, new InventoryCommand.Release(sku, reservationId, "released through the API", clock.GetUtcNow()), ct))
            .WithSummary("Release a reservation (checkout abandoned, order cancelled)");
        api.MapPost("/inventory/{sku}/reservations/{reservationId}/fulfil", (string sku, string reservationId, HttpContext context, InventoryService inventory, TimeProvider clock, CancellationToken ct) =>
                Execute(inventory, new InventoryCommand.Consume(sku, reservationId, Actor(context), clock.GetUtcNow()), ct))
            .WithSummary("Fulfil a reservation: the held quantity leaves on hand as a sale");

        api.MapPut("/inventory/{sku}/policies/{location}", async (string sku, string location, PolicyRequest request, IInventoryStore inventory,
            IMessageSender sender, TimeProvider clock, CancellationToken ct) =>
        {
            if (request.SafetyStock?.FirstOrDefault(kv => kv.Value < 0m) is { Key: not null } negative)
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid safety stock", $"safety stock for {negative.Key} cannot be negative", $"safetyStock.{negative.Key}");
            if (request.ReorderPoint < 0m)
                return Http.Problem(StatusCodes.Status400BadRequest, "Invalid reorder point", "the reorder point cannot be negative", "reorderPoint");
            var policy = new StockPolicy(request.SafetyStock ?? [], request.ReorderPoint);
            await inventory.SetPolicyAsync(sku, location, policy, ct);
            // Safety stock changes what each channel may sell although no stock moved: the channels get the new figure now.
            var now = clock.GetUtcNow();
            await sender.SendAsync(QueueNames.ChannelAvailability,
                AvailabilityEnvelopes.Create(sku, location, now, $"policy:{sku}:{location}:{now.UtcTicks}", force: true), ct);
            return Results.Ok(new { sku, location, policy.SafetyStock, policy.ReorderPoint });
        }).WithSummary("Safety stock per channel and the reorder point of a SKU at a location");

        api.MapGet("/alerts", async (int? max, IAlertStore alerts, CancellationToken ct) => Results.Ok(await alerts.ListAsync(Math.Clamp(max ?? 500, 1, 5000), ct)))
            .WithSummary("Low-stock alerts raised when available crosses a reorder point");
    }

    private static string Actor(HttpContext context) => Caller.Actor(context);

    private static async Task<IResult> RecordMovement(MovementRequest request, HttpContext context, InventoryService inventory, TimeProvider clock, CancellationToken ct)
    {
        if ((Missing(request.Sku, "sku") ?? Missing(request.Location, "location") ?? Missing(request.Kind, "kind") ?? Missing(request.IdempotencyKey, "idempotencyKey")) is { } missing)
            return missing;
        if (request.Quantity is not { } quantity)
            return Http.Problem(StatusCodes.Status400BadRequest, "Missing field", "quantity is required", "quantity");
        var role = Caller.Role(context);
        if (ManualMovements.PermissionRefusal(request.Kind!, role) is { } refusal)
            return ManualMovements.Kinds.Contains(request.Kind!)
                ? Http.Problem(StatusCodes.Status403Forbidden, "Not permitted", refusal, RoleHeader)
                : Http.Problem(StatusCodes.Status400BadRequest, "Unknown movement kind", refusal, "kind");
        if (request.Kind is ManualMovements.TransferShip or ManualMovements.TransferReceive && string.IsNullOrWhiteSpace(request.OtherLocation))
            return Http.Problem(StatusCodes.Status400BadRequest, "Missing field", "a transfer needs otherLocation (the destination when shipping, the origin when receiving)", "otherLocation");

        var command = ManualMovements.ToCommand(request.Kind!, request.Sku!, request.Location!, request.OtherLocation, quantity,
            $"manual:{request.IdempotencyKey}", Actor(context), request.Reason ?? request.Kind!, clock.GetUtcNow());
        return await Execute(inventory, command, ct);
    }

    private static async Task<IResult> Reserve(ReservationRequest request, InventoryService inventory, InventoryOptions options,
        ReservationExpiryHandler expiry, TimeProvider clock, CancellationToken ct)
    {
        if ((Missing(request.Sku, "sku") ?? Missing(request.Location, "location") ?? Missing(request.Channel, "channel") ?? Missing(request.ReservationId, "reservationId")) is { } missing)
            return missing;
        if (request.Quantity is not > 0m)
            return Http.Problem(StatusCodes.Status400BadRequest, "Invalid quantity", "quantity must be a positive number", "quantity");
        var now = clock.GetUtcNow();
        DateTimeOffset? expiresAt = request.ExpiresInSeconds is int seconds and > 0 ? now.AddSeconds(seconds) : null;
        var command = new InventoryCommand.Reserve(request.Sku!, request.Location!, request.Channel!, request.Quantity.Value, request.ReservationId!,
            request.Reference ?? request.ReservationId!, expiresAt, options.MayOversell(request.Channel!), now);
        var result = await inventory.ExecuteAsync(command, ct);
        if (result.Outcome == CommandOutcome.Applied && expiresAt is { } due)
            await expiry.ScheduleAsync(request.Sku!, request.ReservationId!, due, ct);
        return result.Outcome switch
        {
            CommandOutcome.Applied => Results.Created($"/api/inventory/{request.Sku}/reservations/{request.ReservationId}",
                new { reservationId = request.ReservationId, status = "active", expiresAt, summary = result.Summary }),
            CommandOutcome.Refused => Results.Problem(title: "Not enough stock", detail: result.Summary, statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["available"] = result.Available, ["field"] = "quantity" }),
            _ => Results.Ok(new { reservationId = request.ReservationId, status = "exists", summary = result.Summary }),
        };
    }

    private static async Task<IResult> Execute(InventoryService inventory, InventoryCommand command, CancellationToken ct)
    {
        var result = await inventory.ExecuteAsync(command, ct);
        return result.Outcome switch
        {
            CommandOutcome.Refused => Results.Problem(title: "Refused", detail: result.Summary, statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["available"] = result.Available }),
            _ => Results.Ok(new
            {
                outcome = result.Outcome.ToString(),
                summary = result.Summary,
                levels = result.Levels.Select(l => new { l.Location, l.OnHand, l.Reserved, l.InTransit, l.Available, l.Version }),
            }),
        };
    }

    private static IResult? Missing(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? Http.Problem(StatusCodes.Status400BadRequest, "Missing field", $"{field} is required", field) : null;
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.Host.Api;

/// <summary>
/// Orders over HTTP: one record whatever the channel, found by our id or a channel's; orders placed by the app, a
/// marketplace, curbside or an associate (endless aisle); store actions on shipments; cancellations, returns at any
/// location, refunds and payment events. Commands run synchronously against the durable workflow, so the answer is
/// the order as it now stands, or a refusal saying why.
/// </summary>
public static class OrderEndpoints
{
    public sealed record PlaceOrderRequest(
        string? Channel, string? ChannelOrderId, string? Currency, CustomerReference? Customer, string? Method, string? Location,
        GeoPoint? ShipTo, string? PlacedAtLocation, List<LineRequest>? Lines, decimal? Shipping, decimal? ShippingTax, bool? TaxesIncluded,
        List<PaymentRequest>? Payments, DateTimeOffset? PlacedAt);

    public sealed record LineRequest(string? LineId, string? Sku, string? Title, decimal? Quantity, decimal? UnitPrice, decimal? Discount, decimal? Tax, bool? IsGiftCard);

    public sealed record PaymentRequest(
        string? PaymentId, string? Method, string? Gateway, string? Token, string? Last4, string? CardExpiry, string? Kind, decimal? Amount, string? TransactionId,
        decimal? Authorized, decimal? Captured);

    public sealed record StageRequest(List<string>? TrackingNumbers);

    public sealed record CancelRequest(string? Reason);

    public sealed record ReturnRequest(string? ReturnId, string? Location, List<ReturnLineRequest>? Lines, bool? RefundShipping);

    public sealed record ReturnLineRequest(string? LineId, decimal? Quantity, string? Disposition);

    public sealed record RefundRequest(string? RefundId, decimal? Amount, bool? RefundShipping, string? Reason);

    private static readonly string[] OrderChannels = [Channels.App, Channels.Marketplace, Channels.Curbside, Channels.Pos, Channels.Web];

    private static readonly Dictionary<string, ShipmentStage> Actions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pick"] = ShipmentStage.Picking,
        ["pack"] = ShipmentStage.Packed,
        ["ship"] = ShipmentStage.Shipped,
        ["deliver"] = ShipmentStage.Delivered,
        ["ready-for-pickup"] = ShipmentStage.ReadyForPickup,
        ["picked-up"] = ShipmentStage.PickedUp,
    };

    public static void MapOrderRoutes(this IEndpointRouteBuilder api)
    {
        api.MapGet("/orders/{orderId}", async (string orderId, OrderService orders, CancellationToken ct) =>
                await orders.LoadAsync(orderId, ct) is { Order.IsKnown: true } stored
                    ? Results.Ok(OrderView.Of(stored))
                    : Http.Problem(StatusCodes.Status404NotFound, "Order not found", $"no order {orderId}"))
            .WithSummary("One order: lines, payments, shipments, returns, refunds and its status history");

        api.MapGet("/orders/by-channel/{channel}/{channelOrderId}", async (string channel, string channelOrderId, IOrderStore store, OrderService orders, CancellationToken ct) =>
            {
                var normalized = channel.Equals(SourceSystems.Shopify, StringComparison.OrdinalIgnoreCase) ? Channels.Web : channel.ToLowerInvariant();
                if (await store.FindAsync(normalized, channelOrderId, ct) is not { } orderId
                    || await orders.LoadAsync(orderId, ct) is not { Order.IsKnown: true } stored)
                    return Http.Problem(StatusCodes.Status404NotFound, "Order not found",
                        $"no {normalized} order known as {channelOrderId} (a web order's id or name such as #1001, a till receipt such as 12-3-20261123-45, or the channel's own order id)");
                return Results.Ok(OrderView.Of(stored));
            })
            .WithSummary("Finds an order by a channel's reference: Shopify order id or name, POS receipt, app or marketplace order id");

        api.MapPost("/orders", async (PlaceOrderRequest request, HttpContext http, OrderService orders, TimeProvider clock, CancellationToken ct) =>
            {
                var placed = OrderRequests.Place(request, Actor(http), clock.GetUtcNow());
                if (placed.Value is not var (orderId, record, payments)) return placed.Problem!;
                var result = await orders.ExecuteAllAsync(orderId, [record, .. payments], ct);
                return result.Changed || result.Refusal is null
                    ? Results.Created($"/api/orders/{orderId}", OrderView.Of(result.Stored))
                    : Refused(result.Refusal);
            })
            .WithSummary("Places an order from the app, a marketplace, curbside or a store associate (endless aisle); stock is reserved and routed");

        api.MapPost("/orders/{orderId}/shipments/{shipmentId}/{action}", async (string orderId, string shipmentId, string action, StageRequest? request,
                HttpContext http, OrderService orders, TimeProvider clock, CancellationToken ct) =>
            {
                if (!Actions.TryGetValue(action, out var stage))
                    return Http.Problem(StatusCodes.Status404NotFound, "Unknown store action", $"'{action}' is not one of {string.Join(", ", Actions.Keys)}", "action");
                var command = new OrderCommand.AdvanceShipment($"{shipmentId}:{stage}", Actor(http), clock.GetUtcNow(), shipmentId, stage, request?.TrackingNumbers ?? []);
                return await RunAsync(orders, orderId, command, ct);
            })
            .WithSummary("Store action on a shipment: pick, pack, ship, deliver, ready-for-pickup, picked-up");

        api.MapPost("/orders/{orderId}/cancel", async (string orderId, CancelRequest? request, HttpContext http, OrderService orders, TimeProvider clock, CancellationToken ct) =>
                await RunAsync(orders, orderId, new OrderCommand.CancelOrder($"cancel:{orderId}", Actor(http), clock.GetUtcNow(),
                    string.IsNullOrWhiteSpace(request?.Reason) ? "cancelled on request" : request.Reason.Trim()), ct))
            .WithSummary("Cancels an order: reserved stock is released, authorizations voided, captures refunded");

        api.MapPost("/orders/{orderId}/returns", async (string orderId, ReturnRequest request, HttpContext http, OrderService orders, TimeProvider clock, CancellationToken ct) =>
                await RunValidatedAsync(orders, orderId, OrderRequests.Return(request, Actor(http), clock.GetUtcNow()), ct, created: $"/api/orders/{orderId}"))
            .WithSummary("Receives returned goods at any location with a disposition per line (sellable or damaged) and refunds them");

        api.MapPost("/orders/{orderId}/refunds", async (string orderId, RefundRequest request, HttpContext http, OrderService orders, TimeProvider clock, CancellationToken ct) =>
                await RunValidatedAsync(orders, orderId, OrderRequests.Refund(request, Actor(http), clock.GetUtcNow()), ct, created: $"/api/orders/{orderId}"))
            .WithSummary("Refunds an amount (goodwill, price adjustment) or the shipping charge, to the original tenders");

        api.MapPost("/orders/{orderId}/payments", async (string orderId, PaymentRequest request, HttpContext http, OrderService orders, TimeProvider clock, CancellationToken ct) =>
                await RunValidatedAsync(orders, orderId, OrderRequests.Payment(request, Actor(http), clock.GetUtcNow()), ct))
            .WithSummary("Records a payment event from a gateway: authorization, capture, void, refund or chargeback (tokens and last four digits only)");

        api.MapGet("/stores/{location}/tasks", async (string location, bool? open, StorePickList tasks, CancellationToken ct) =>
                Results.Ok(await tasks.ListAsync(location, open ?? true, ct)))
            .WithSummary("A store's pick list: shipments to pick, pack, ship or hand over, oldest first");
    }

    private static async Task<IResult> RunAsync(OrderService orders, string orderId, OrderCommand command, CancellationToken ct, string? created = null)
    {
        var result = await orders.ExecuteOnKnownAsync(orderId, command, ct);
        if (!result.Order.IsKnown)
            return Http.Problem(StatusCodes.Status404NotFound, "Order not found", $"no order {orderId}");
        if (result.Refusal is { } refusal) return Refused(refusal);
        var view = OrderView.Of(result.Stored);
        return created is not null && result.Changed ? Results.Created(created, view) : Results.Ok(view);
    }

    private static async Task<IResult> RunValidatedAsync<T>(OrderService orders, string orderId, Validated<T> request, CancellationToken ct, string? created = null)
        where T : OrderCommand =>
        request.Value is { } command ? await RunAsync(orders, orderId, command, ct, created) : request.Problem!;

    private static IResult Refused(string reason) => Http.Problem(StatusCodes.Status409Conflict, "Refused", reason);

    private static string Actor(HttpContext http) => Caller.Actor(http);

    /// <summary>A validated request: the command, or a 400 problem naming the field.</summary>
    private sealed record Validated<T>(T? Value, IResult? Problem) where T : class
    {
        public static implicit operator Validated<T>(T value) => new(value, null);
    }

    private sealed record PlacedOrder(string OrderId, OrderCommand.RecordOrder Record, List<OrderCommand.RecordPayment> Payments);

    private static class OrderRequests
    {
        private static Validated<T> Fail<T>(string field, string detail) where T : class =>
            new(null, Http.Problem(StatusCodes.Status400BadRequest, "Invalid request", detail, field));

        public static Validated<PlacedOrder> Place(PlaceOrderRequest r, string actor, DateTimeOffset now)
        {
            Validated<PlacedOrder> Invalid(string field, string detail) => Fail<PlacedOrder>(field, detail);
            if (string.IsNullOrWhiteSpace(r.Channel) || !OrderChannels.Contains(r.Channel.ToLowerInvariant()))
                return Invalid("channel", $"channel must be one of {string.Join(", ", OrderChannels)}");
            if (string.IsNullOrWhiteSpace(r.ChannelOrderId)) return Invalid("channelOrderId", "channelOrderId is required: the channel's own id for the order");
            if (string.IsNullOrWhiteSpace(r.Currency) || r.Currency.Trim().Length != 3) return Invalid("currency", "currency is required as an ISO 4217 code such as USD");
            var method = (r.Method ?? "ship").ToLowerInvariant() switch { "ship" => FulfilmentMethod.Ship, "pickup" => FulfilmentMethod.Pickup, _ => (FulfilmentMethod?)null };
            if (method is null) return Invalid("method", "method must be ship or pickup");
            if (method == FulfilmentMethod.Pickup && string.IsNullOrWhiteSpace(r.Location))
                return Invalid("location", "a pickup order needs the pickup store in location");
            if (r.Lines is not { Count: > 0 }) return Invalid("lines", "an order needs at least one line");
            var lines = new List<OrderLine>();
            for (var i = 0; i < r.Lines.Count; i++)
            {
                var line = r.Lines[i];
                if (string.IsNullOrWhiteSpace(line.Sku)) return Invalid($"lines[{i}].sku", "each line needs a canonical sku");
                if (line.Quantity is not > 0m) return Invalid($"lines[{i}].quantity", "quantity must be positive");
                if (line.UnitPrice is not >= 0m) return Invalid($"lines[{i}].unitPrice", "unitPrice is required and cannot be negative");
                lines.Add(new OrderLine(string.IsNullOrWhiteSpace(line.LineId) ? $"L{i + 1}" : line.LineId.Trim(), line.Sku.Trim(), line.Title ?? line.Sku.Trim(),
                    line.Quantity.Value, line.UnitPrice.Value, line.Discount ?? 0m, line.Tax ?? 0m, line.IsGiftCard ?? false));
            }
            if (lines.Select(l => l.LineId).Distinct().Count() != lines.Count) return Invalid("lines", "line ids must be unique");

            var channel = r.Channel.ToLowerInvariant();
            var orderId = OrderIds.ForChannel(channel, r.ChannelOrderId.Trim());
            var draft = new OrderDraft(channel, [new ChannelReference(channel, "id", r.ChannelOrderId.Trim())], r.Currency.Trim().ToUpperInvariant(),
                r.PlacedAt ?? now, r.Customer, method.Value, string.IsNullOrWhiteSpace(r.Location) ? null : r.Location.Trim(), r.ShipTo,
                string.IsNullOrWhiteSpace(r.PlacedAtLocation) ? null : r.PlacedAtLocation.Trim(), lines, r.Shipping ?? 0m, r.ShippingTax ?? 0m, r.TaxesIncluded ?? false);
            var record = new OrderCommand.RecordOrder($"place:{orderId}", actor, now, draft, r.PlacedAt ?? now, null, null, new Dictionary<string, decimal>());

            // Transaction ids made up here carry the order's id: the captured-payment ledger keys a day's captures by
            // transaction, so "P1:capture" of every order would be one row, and all but the first capture lost.
            var payments = new List<OrderCommand.RecordPayment>();
            for (var i = 0; i < (r.Payments?.Count ?? 0); i++)
            {
                var p = r.Payments![i];
                var validTender = TenderOf(p, $"payments[{i}]", i);
                if (validTender.Value is not { } tender) return new(null, validTender.Problem);
                if (p.Authorized is > 0m)
                    payments.Add(new OrderCommand.RecordPayment($"pay:{tender.PaymentId}:authorization", actor, now, tender,
                        new PaymentTransaction($"{orderId}:{tender.PaymentId}:authorization", tender.PaymentId, PaymentKind.Authorization, p.Authorized.Value, now)));
                if (p.Captured is > 0m)
                    payments.Add(new OrderCommand.RecordPayment($"pay:{tender.PaymentId}:capture", actor, now, tender,
                        new PaymentTransaction($"{orderId}:{tender.PaymentId}:capture", tender.PaymentId, PaymentKind.Capture, p.Captured.Value, now)));
            }
            return new PlacedOrder(orderId, record, payments);
        }

        public static Validated<OrderCommand.AcceptReturn> Return(ReturnRequest r, string actor, DateTimeOffset now)
        {
            if (string.IsNullOrWhiteSpace(r.Location)) return Fail<OrderCommand.AcceptReturn>("location", "location is required: where the goods were received");
            if (r.Lines is not { Count: > 0 }) return Fail<OrderCommand.AcceptReturn>("lines", "a return needs at least one line");
            var lines = new List<ReturnRequestLine>();
            for (var i = 0; i < r.Lines.Count; i++)
            {
                var line = r.Lines[i];
                if (string.IsNullOrWhiteSpace(line.LineId)) return Fail<OrderCommand.AcceptReturn>($"lines[{i}].lineId", "each returned line names the order's lineId");
                if (line.Quantity is not > 0m) return Fail<OrderCommand.AcceptReturn>($"lines[{i}].quantity", "quantity must be positive");
                var disposition = (line.Disposition ?? "sellable").ToLowerInvariant() switch
                {
                    "sellable" => ReturnDisposition.Sellable,
                    "damaged" => ReturnDisposition.Damaged,
                    _ => (ReturnDisposition?)null,
                };
                if (disposition is null) return Fail<OrderCommand.AcceptReturn>($"lines[{i}].disposition", "disposition must be sellable or damaged");
                lines.Add(new ReturnRequestLine(line.LineId.Trim(), line.Quantity.Value, disposition.Value));
            }
            var returnId = string.IsNullOrWhiteSpace(r.ReturnId) ? $"R-{Guid.CreateVersion7(now):N}"[..14] : r.ReturnId.Trim();
            return new OrderCommand.AcceptReturn($"return:{returnId}", actor, now, returnId, r.Location.Trim(), lines, r.RefundShipping ?? false);
        }

        public static Validated<OrderCommand.IssueRefund> Refund(RefundRequest r, string actor, DateTimeOffset now)
        {
            if (r.Amount is <= 0m) return Fail<OrderCommand.IssueRefund>("amount", "amount must be positive");
            if (r.Amount is { } amount && amount != decimal.Round(amount, 2))
                return Fail<OrderCommand.IssueRefund>("amount", "amount has more than two decimal places");
            if (r.Amount is null && r.RefundShipping != true) return Fail<OrderCommand.IssueRefund>("amount", "give an amount, or refundShipping: true");
            if (string.IsNullOrWhiteSpace(r.Reason)) return Fail<OrderCommand.IssueRefund>("reason", "a refund needs a reason");
            var refundId = string.IsNullOrWhiteSpace(r.RefundId) ? $"F-{Guid.CreateVersion7(now):N}"[..14] : r.RefundId.Trim();
            return new OrderCommand.IssueRefund($"refund:{refundId}", actor, now, refundId, r.Amount, r.RefundShipping ?? false, r.Reason.Trim());
        }

        public static Validated<OrderCommand.RecordPayment> Payment(PaymentRequest r, string actor, DateTimeOffset now)
        {
            var validTender = TenderOf(r, "", 0);
            if (validTender.Value is not { } tender) return new(null, validTender.Problem);
            if (!Enum.TryParse<PaymentKind>(r.Kind, ignoreCase: true, out var kind))
                return Fail<OrderCommand.RecordPayment>("kind", "kind must be one of authorization, capture, void, refund, chargeback");
            if (r.Amount is not > 0m) return Fail<OrderCommand.RecordPayment>("amount", "amount must be positive");
            if (string.IsNullOrWhiteSpace(r.TransactionId)) return Fail<OrderCommand.RecordPayment>("transactionId", "transactionId is required: the gateway's id, so a repeat is recorded once");
            return new OrderCommand.RecordPayment($"payment:{r.TransactionId.Trim()}", actor, now, tender,
                new PaymentTransaction(r.TransactionId.Trim(), tender.PaymentId, kind, r.Amount.Value, now));
        }

        /// <summary>Tokens and last four digits only: anything that looks like a card number is refused, never stored.</summary>
        private static Validated<Tender> TenderOf(PaymentRequest p, string prefix, int index)
        {
            string Field(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (string.IsNullOrWhiteSpace(p.Method)) return Fail<Tender>(Field("method"), "method is required (card, cash, gift_card, store_credit, paypal, ...)");
            foreach (var (name, value) in new[] { ("token", p.Token), ("last4", p.Last4), ("paymentId", p.PaymentId), ("transactionId", p.TransactionId) })
                if (value is not null && PanMasker.ContainsPan(value))
                    return Fail<Tender>(Field(name), "card numbers are not accepted: send the gateway's token and the last four digits");
            if (p.Last4 is { } last4 && (last4.Length != 4 || !last4.All(char.IsAsciiDigit)))
                return Fail<Tender>(Field("last4"), "last4 is the last four digits of the card");
            var paymentId = string.IsNullOrWhiteSpace(p.PaymentId) ? $"P{index + 1}" : p.PaymentId.Trim();
            return new Tender(paymentId, p.Method.Trim().ToLowerInvariant(), p.Gateway, p.Token, p.Last4, p.CardExpiry);
        }
    }
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>
/// Orders feed the customer's history and points: placement is a purchase, a return or a cancellation reverses its
/// share. One activity per order event, idempotent by its key, so redelivered events change nothing twice.
/// </summary>
public sealed class CustomerOrderSubscriber(CustomerService customers, PilotGate pilot) : IOrderEventSubscriber
{
    public async Task HandleAsync(OrderEventMessage message, CancellationToken cancellationToken)
    {
        if (ActivityFor(message) is { } activity
            && await pilot.ModeAsync(PilotFlow.Customers, activity.Store, cancellationToken) != FlowMode.Off)
            await customers.RecordActivityAsync(activity, cancellationToken);
    }

    /// <summary>The activity an order event means for its customer, if any. Net excludes tax and gift cards.</summary>
    public static CustomerActivity? ActivityFor(OrderEventMessage message)
    {
        var order = message.Order;
        if (order.Draft is not { } draft) return null;
        var store = draft.PlacedAtLocation ?? draft.FulfilmentLocation;
        var currency = draft.Currency;
        switch (message.Event)
        {
            case OrderEvent.OrderPlaced:
                return new CustomerActivity($"{order.OrderId}:purchase", ActivityKind.Purchase, ReferenceOf(draft, store), order.OrderId, draft.Channel, store,
                    new Money(PurchaseNet(order), currency), draft.PlacedAt);
            case OrderEvent.OrderCancelled cancelled:
                return new CustomerActivity($"{order.OrderId}:cancelled", ActivityKind.Return, ReferenceOf(draft, store), $"{order.OrderId}:cancelled",
                    draft.Channel, store, new Money(PurchaseNet(order), currency), cancelled.At, order.OrderId);
            case OrderEvent.ReturnAccepted accepted:
                var net = accepted.Return.Lines.Where(l => order.Line(l.LineId) is { IsGiftCard: false })
                    .Sum(l => l.Amount - (draft.TaxesIncluded ? 0m : l.Tax) - (draft.TaxesIncluded ? l.Tax : 0m));
                return new CustomerActivity($"{order.OrderId}:return:{accepted.Return.ReturnId}", ActivityKind.Return, ReferenceOf(draft, accepted.Return.Location),
                    $"{order.OrderId}:return:{accepted.Return.ReturnId}", draft.Channel, accepted.Return.Location.Length == 0 ? store : accepted.Return.Location,
                    new Money(Math.Max(0m, net), currency), accepted.At, order.OrderId);
            default:
                return null;
        }
    }

    public static decimal PurchaseNet(Order order) =>
        Math.Max(0m, order.Lines.Where(l => !l.IsGiftCard).Sum(l => l.Net - (order.Draft!.TaxesIncluded ? l.Tax : 0m)));

    private static Domain.Customers.CustomerReference ReferenceOf(OrderDraft draft, string? store) =>
        draft.Customer is { } c
            ? new Domain.Customers.CustomerReference(draft.Channel == Channels.Web ? SourceSystems.Shopify : draft.Channel, c.ChannelCustomerId, c.Email, c.Phone, c.LoyaltyId, store)
            : new Domain.Customers.CustomerReference(Store: store);
}

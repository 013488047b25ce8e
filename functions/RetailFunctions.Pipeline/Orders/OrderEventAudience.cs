using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// Which order events anyone follows, so an event nobody acts on is neither kept in the outbox nor sent. Every event is
/// published except a till sale's own recording (placed, carried out at the till, paid at the till), which only a known
/// shopper's history and points follow, through its placement:
/// <list type="bullet">
/// <item>the journal books a till's money from the till's own receipt (TillJournal), never from the order's captures;</item>
/// <item>no processor settles a till's takings, so the captured-payment ledger keeps them out;</item>
/// <item>a carry-out has no store task, no pickup deadline and no refund to carry out, so neither the pick lists, the
/// refund execution nor an order orchestration has anything to do (a store action starts one when it needs it);</item>
/// <item>a sale without a loyalty id, email or phone resolves to no customer: no history, no points, nothing to erase.</item>
/// </list>
/// What happens to a till order later (a return, a post-void, a refund) is published as any order's.
/// <para>
/// Nor is a store action that the pick list reads from the order (<see cref="StorePickList"/>): picking, packed, ready
/// for pickup, and delivered. Only the pick list follows shipment stages, and it needs an event only to close a task;
/// a parcel is delivered after it shipped, whose event closed it (one delivered straight from packed is closed when
/// the list first reads it). So those saves leave nothing to send, and a delivery that closes the order nothing to
/// remove.
/// </para>
/// <para>
/// Nor is the stock ledger's answer to a reservation (confirmed or refused): the order records it, and a refusal routes
/// the line again by the order's own decision, but no follower acts on it. So when an order's reservations are
/// confirmed and nothing else happens to it, saving the answers is one write with nothing to send or remove after. Pure.
/// </para>
/// </summary>
public static class OrderEventAudience
{
    public static bool IsFollowed(Order order, OrderEvent e) =>
        IsTillSaleRecording(order, e) ? e is OrderEvent.OrderPlaced && order.Draft!.Customer is not null : !IsStageTheListReads(e) && !IsLedgersAnswer(e);

    /// <summary>The stock ledger's answer to a reservation, which only the order itself acts on.</summary>
    public static bool IsLedgersAnswer(OrderEvent e) => e is OrderEvent.ReservationConfirmed or OrderEvent.ReservationRefused;

    /// <summary>A store action whose stage the pick list reads from the order, and which nothing else follows.</summary>
    public static bool IsStageTheListReads(OrderEvent e) =>
        e is OrderEvent.ShipmentAdvanced
        {
            Stage: ShipmentStage.Picking or ShipmentStage.Packed or ShipmentStage.ReadyForPickup or ShipmentStage.Delivered,
        };

    /// <summary>The events that record a till sale: it was placed, carried out at the till and paid at the till.</summary>
    public static bool IsTillSaleRecording(Order order, OrderEvent e) =>
        order.Draft is { Channel: Channels.Pos, Method: FulfilmentMethod.CarryOut }
        && e is OrderEvent.OrderPlaced
            or OrderEvent.StockAllocated { Shipment.Method: FulfilmentMethod.CarryOut }
            or OrderEvent.PaymentRecorded { Transaction.Kind: PaymentKind.Capture };

    /// <summary>
    /// Counts an order placed, by channel, method, store and region: shipments per order is what fulfilment costs, and
    /// a pilot watches it per store and region. Counted where its event is handled, or where it is saved when unpublished.
    /// </summary>
    public static void CountPlaced(OrderDraft draft, PilotGate? pilot)
    {
        var placedAt = draft.PlacedAtLocation ?? draft.FulfilmentLocation ?? "";
        PipelineTelemetry.OrdersPlaced.Add(1, new("channel", draft.Channel), new("method", draft.Method.ToString()),
            new("location", placedAt), new("region", pilot?.RegionTag(placedAt) ?? ""));
    }
}

using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Pipeline.Privacy;
using RetailFunctions.Pipeline.Shopify;

namespace RetailFunctions.Pipeline.Ingestion;

/// <summary>
/// A verified Shopify delivery, taken off the queue: claim it in the delivery log (dropped if a finished delivery of
/// its webhook or event is there), archive the raw body, translate it once to a canonical event, apply its effects
/// (each idempotent), then record the delivery as done. A crash anywhere before the record leaves the claim
/// unfinished, so the redelivery runs the effects again, and they are no-ops the second time.
/// </summary>
public sealed class ShopifyWebhookHandler(
    IDeliveryLog deliveries,
    IBlobStore blobs,
    ICatalogStore catalog,
    ShopifyOrderRecorder orders,
    CustomerService customers,
    PrivacyService privacy,
    ChannelLevelReconciler levels,
    PilotGate pilot,
    TimeProvider clock)
{
    public async Task<HandlerOutcome> HandleAsync(ReceivedMessage message, CancellationToken ct)
    {
        var envelope = message.Envelope;
        var delivery = ShopifyEnvelopes.ReadDelivery(envelope);
        var archiveBlob = ShopifyEnvelopes.ArchiveBlobName(delivery, envelope.OccurredAt);
        if (!ShopifyEnvelopes.IsReplay(envelope)
            && await deliveries.ClaimAsync(Record(delivery, "", archiveBlob, envelope), ct) is { } seen)
            return new HandlerOutcome.Completed($"duplicate of delivery {seen.WebhookId} ({seen.Outcome})");

        var body = await PayloadOf(envelope, ct);
        await blobs.PutIfAbsentAsync(ContainerNames.RawArchive, archiveBlob, body, "application/json", ct, ShopifyEnvelopes.ArchiveMetadata(envelope));

        if (PrivacyTopics.IsPrivacy(delivery.Topic))
            return await PrivacyAsync(delivery, body, archiveBlob, message, ct);

        ShopifyEvent canonical;
        try
        {
            canonical = ShopifyMapper.Map(delivery, body.Span);
        }
        catch (PayloadException invalid)
        {
            await RecordAsync(delivery, $"rejected: {invalid.Field}: {invalid.Reason}", archiveBlob, envelope, ct);
            return new HandlerOutcome.Poison($"{delivery.Topic} payload invalid at {invalid.Field}: {invalid.Reason}", nameof(PayloadException));
        }

        var source = new ExceptionSource(envelope.Id, $"{ContainerNames.RawArchive}/{archiveBlob}", envelope.Keys);
        var outcome = await PausedByPilotAsync(canonical, ct) ?? await ApplyAsync(canonical, source, ct);
        await RecordAsync(delivery, outcome, archiveBlob, envelope, ct);
        return new HandlerOutcome.Completed(outcome);
    }

    /// <summary>
    /// The mandatory privacy topics: a data request is compiled into an export for the shop owner; a redaction
    /// anonymizes the profiles and rewrites every copy we hold without the personal data. Money and stock records stay.
    /// </summary>
    private async Task<HandlerOutcome> PrivacyAsync(ShopifyDelivery delivery, ReadOnlyMemory<byte> body, string archiveBlob, ReceivedMessage message,
        CancellationToken ct)
    {
        var envelope = message.Envelope;
        string outcome;
        try
        {
            outcome = delivery.Topic switch
            {
                PrivacyTopics.CustomersDataRequest => await privacy.ExportAsync(ShopifyDataRequest.Parse(body.Span), envelope.Id, ct),
                PrivacyTopics.CustomersRedact => await privacy.RedactCustomerAsync(ShopifyCustomerRedact.Parse(body.Span), message.KeepAlive, ct),
                _ => await privacy.RedactShopAsync(ShopifyShopRedact.Parse(body.Span), message.KeepAlive, ct),
            };
        }
        catch (PayloadException invalid)
        {
            await RecordAsync(delivery, $"rejected: {invalid.Field}: {invalid.Reason}", archiveBlob, envelope, ct);
            return new HandlerOutcome.Poison($"{delivery.Topic} payload invalid at {invalid.Field}: {invalid.Reason}", nameof(PayloadException));
        }
        await RecordAsync(delivery, outcome, archiveBlob, envelope, ct);
        return new HandlerOutcome.Completed(outcome);
    }

    private async Task<ReadOnlyMemory<byte>> PayloadOf(Envelope envelope, CancellationToken ct) =>
        envelope.Payload is { } inline
            ? Encoding.UTF8.GetBytes(inline)
            : await blobs.ReadAsync(ContainerNames.LargePayloads, envelope.PayloadBlob!, ct);

    private Task RecordAsync(ShopifyDelivery delivery, string outcome, string archiveBlob, Envelope envelope, CancellationToken ct) =>
        deliveries.RecordAsync(Record(delivery, outcome, archiveBlob, envelope), ct);

    private DeliveryRecord Record(ShopifyDelivery delivery, string outcome, string archiveBlob, Envelope envelope) =>
        new(delivery.ShopDomain, delivery.WebhookId, delivery.EventId, delivery.Topic, outcome, archiveBlob, envelope.OccurredAt,
            clock.GetUtcNow());

    private async Task<string> ApplyAsync(ShopifyEvent canonical, ExceptionSource source, CancellationToken ct) => canonical switch
    {
        ShopifyEvent.OrderCreated e => await orders.RecordOrderAsync(e.Delivery, e.Order, source.PayloadReference, ct),
        ShopifyEvent.OrderUpdated e => await orders.RecordOrderAsync(e.Delivery, e.Order, source.PayloadReference, ct),
        ShopifyEvent.OrderPaid e => await orders.RecordOrderAsync(e.Delivery, e.Order, source.PayloadReference, ct),
        ShopifyEvent.OrderFulfilled e => await orders.RecordOrderAsync(e.Delivery, e.Order, source.PayloadReference, ct),
        ShopifyEvent.OrderCancelled e => await orders.RecordOrderAsync(e.Delivery, e.Order, source.PayloadReference, ct),
        ShopifyEvent.OrderEdited e => await orders.RecordEditAsync(e.Delivery, e.Edit, ct),
        ShopifyEvent.RefundCreated e => await orders.RecordRefundAsync(e.Delivery, e.Refund, ct),
        ShopifyEvent.ProductUpserted e => await UpsertProductAsync(e.Product, ct),
        ShopifyEvent.InventoryLevelObserved e => await levels.ReconcileAsync(e, source, ct),
        ShopifyEvent.FulfillmentCreated e => await orders.RecordFulfilmentAsync(e.Delivery, e.Fulfillment, ct),
        ShopifyEvent.CustomerUpserted e => await customers.UpsertFromShopifyAsync(e.Delivery.ShopDomain, e.Customer, e.Delivery.TriggeredAt ?? clock.GetUtcNow(), ct) is { } c
            ? $"customer {e.Customer.ChannelCustomerId}: profile {c.CustomerId} ({c.Rule})"
            : $"customer {e.Customer.ChannelCustomerId}: no usable identifier",
        ShopifyEvent.Unhandled e => $"recorded: topic {e.Delivery.Topic} has no handler",
        _ => throw new InvalidOperationException($"no handling for {canonical.GetType().Name}"),
    };

    /// <summary>
    /// Why the event is only archived, when its flow is off where it happens: web orders by the order's or
    /// fulfilment's location (the chain's switch when it names none), refunds by the chain's, customers by the chain's.
    /// A raw-archive replay after switching on applies it.
    /// </summary>
    private async ValueTask<string?> PausedByPilotAsync(ShopifyEvent canonical, CancellationToken ct)
    {
        (PilotFlow Flow, string? ChannelLocation)? governed = canonical switch
        {
            ShopifyEvent.OrderCreated e => (PilotFlow.WebOrders, e.Order.ChannelLocationId),
            ShopifyEvent.OrderUpdated e => (PilotFlow.WebOrders, e.Order.ChannelLocationId),
            ShopifyEvent.OrderPaid e => (PilotFlow.WebOrders, e.Order.ChannelLocationId),
            ShopifyEvent.OrderFulfilled e => (PilotFlow.WebOrders, e.Order.ChannelLocationId),
            ShopifyEvent.OrderCancelled e => (PilotFlow.WebOrders, e.Order.ChannelLocationId),
            ShopifyEvent.FulfillmentCreated e => (PilotFlow.WebOrders, e.Fulfillment.ChannelLocationId),
            ShopifyEvent.RefundCreated or ShopifyEvent.OrderEdited => (PilotFlow.WebOrders, null),
            ShopifyEvent.CustomerUpserted => (PilotFlow.Customers, null),
            _ => null,
        };
        if (governed is not { } g) return null;
        var (mode, location) = await pilot.ModeByAliasAsync(g.Flow, SourceSystems.Shopify, g.ChannelLocation, ct);
        return mode == FlowMode.Off
            ? $"pilot: {PilotFlows.Name(g.Flow)} is off{(location is null ? "" : $" at {location}")}; archived, not applied"
            : null;
    }

    private async Task<string> UpsertProductAsync(ProductSnapshot product, CancellationToken ct)
    {
        var mapped = 0;
        var skipped = new List<string>();
        foreach (var variant in product.Variants)
        {
            var existing = await catalog.ResolveSkuAsync(SourceSystems.Shopify, AliasKinds.Variant, variant.VariantId, ct);
            var sku = existing ?? (string.IsNullOrWhiteSpace(variant.Sku) ? null : variant.Sku.Trim());
            if (sku is null)
            {
                skipped.Add(variant.VariantId);
                continue;
            }
            await catalog.UpsertItemAsync(ShopifyStockPlan.CatalogItemOf(product, variant, sku), ct);
            mapped++;
        }
        return skipped.Count == 0
            ? $"product {product.ChannelProductId}: {mapped} variants mapped"
            : $"product {product.ChannelProductId}: {mapped} variants mapped; variants without SKU not mapped: {string.Join(", ", skipped)}";
    }
}

/// <summary>Tally of what happened to the movements of one event, for the delivery record.</summary>
public sealed class PostingCounts
{
    private int _applied, _alreadyApplied, _exceptions;

    public void Add(PostingOutcome outcome)
    {
        switch (outcome)
        {
            case PostingOutcome.Applied: _applied++; break;
            case PostingOutcome.AlreadyApplied: _alreadyApplied++; break;
            default: _exceptions++; break;
        }
    }

    public int Applied => _applied;
    public int AlreadyApplied => _alreadyApplied;
    public int Exceptions => _exceptions;

    public override string ToString() =>
        new StringBuilder().Append(_applied).Append(" movements applied, ")
            .Append(_alreadyApplied).Append(" already applied, ")
            .Append(_exceptions).Append(" exceptions").ToString();
}

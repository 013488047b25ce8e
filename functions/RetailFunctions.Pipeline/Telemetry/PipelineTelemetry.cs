using System.Diagnostics;
using System.Diagnostics.Metrics;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Telemetry;

/// <summary>
/// The pipeline's traces and metrics, on the base class library's ActivitySource and Meter so the core needs no
/// telemetry package; the hosts export them (Azure Monitor, OTLP or the console). A trace crosses queues through the
/// W3C traceparent carried in each envelope's headers, and spans carry the business keys (shop, store, order, SKU...).
/// </summary>
public static class PipelineTelemetry
{
    public const string Name = "RetailFunctions";
    public const string TraceParentHeader = "traceparent";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Messages = Meter.CreateCounter<long>("retail.messages", description: "Queue messages handled, by queue and outcome");
    public static readonly Histogram<double> MessageDuration = Meter.CreateHistogram<double>("retail.message.duration", "ms", "Time to handle one queue message");
    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("retail.deadletters", description: "Messages dead-lettered, by queue and failure class");
    public static readonly Counter<long> ExceptionsRaised = Meter.CreateCounter<long>("retail.exceptions.raised", description: "Business exceptions raised, by owner and reason");
    public static readonly Counter<double> OversellUnits = Meter.CreateCounter<double>("retail.oversell.units", description: "Units reserved beyond available on a channel that must not oversell");
    public static readonly Counter<long> OrdersPlaced = Meter.CreateCounter<long>("retail.orders.placed", description: "Orders recorded, by channel and fulfilment method");
    public static readonly Counter<long> Shipments = Meter.CreateCounter<long>("retail.fulfillment.shipments",
        description: "Shipments allocated, by channel and method: divided by retail.orders.placed, the fulfilment cost per order in parcels");
    public static readonly Histogram<double> Backorders = Meter.CreateHistogram<double>("retail.orders.backordered.units", description: "Units backordered, by channel");
    public static readonly Counter<long> ShopifyIdMismatches = Meter.CreateCounter<long>("retail.shopify.id_mismatches",
        description: "Web-store ids whose number disagreed with their admin_graphql_api_id (rounded through a double upstream): the gid was used");
    public static readonly Histogram<double> AvailabilityFreshness = Meter.CreateHistogram<double>("retail.availability.freshness", "ms",
        "From a stock change being committed to its availability reaching the channels");

    /// <summary>Why something failed, as one dimension operators can split alerts by.</summary>
    public static class FailureClasses
    {
        public const string InvalidPayload = "invalid_payload";
        public const string InvalidMasterData = "invalid_master_data";
        public const string Throttled = "throttled";
        public const string Timeout = "timeout";
        public const string DownstreamRejection = "downstream_rejection";
        public const string DownstreamUnavailable = "downstream_unavailable";
        public const string Bug = "bug";
    }

    public static string Classify(string? exceptionType, string reason) => exceptionType?.Split('.')[^1] switch
    {
        nameof(PayloadException) or "unreadable" => FailureClasses.InvalidPayload,
        nameof(ChannelPushException) when reason.Contains("429", StringComparison.Ordinal) => FailureClasses.Throttled,
        nameof(ChannelPushException) when reason.Contains("circuit open", StringComparison.Ordinal) || reason.Contains("unreachable", StringComparison.Ordinal) => FailureClasses.DownstreamUnavailable,
        nameof(ChannelPushException) => FailureClasses.DownstreamRejection,
        "TimeoutException" or "TimeoutRejectedException" or "TaskCanceledException" => FailureClasses.Timeout,
        _ when reason.Contains("not found", StringComparison.OrdinalIgnoreCase) || reason.Contains("not mapped", StringComparison.OrdinalIgnoreCase) => FailureClasses.InvalidMasterData,
        _ => FailureClasses.Bug,
    };

    /// <summary>Starts the span of handling a message, as a child of the span that sent it.</summary>
    public static Activity? StartProcessing(Envelope envelope, string queue)
    {
        ActivityContext.TryParse(envelope.Header(TraceParentHeader), null, out var parent);
        var activity = Source.StartActivity($"{queue} process", ActivityKind.Consumer, parent);
        if (activity is null) return null;
        activity.SetTag("messaging.destination.name", queue);
        activity.SetTag("messaging.message.id", envelope.Id);
        activity.SetTag("retail.message.type", envelope.Type);
        activity.SetTag("retail.correlation_id", envelope.CorrelationId);
        foreach (var (key, value) in envelope.Keys) activity.SetTag($"retail.{key}", value);
        return activity;
    }

    /// <summary>The envelope with the current span as its trace parent, so the trace continues after the queue.</summary>
    public static Envelope WithTraceParent(Envelope envelope)
    {
        if (Activity.Current?.Id is not { } traceParent || envelope.Header(TraceParentHeader) == traceParent) return envelope;
        var headers = new Dictionary<string, string>(envelope.Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            [TraceParentHeader] = traceParent,
        };
        return envelope with { Headers = headers };
    }
}

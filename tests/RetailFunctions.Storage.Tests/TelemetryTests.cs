using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Telemetry;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>A trace crosses the queue, spans carry business keys, and failures are counted by class.</summary>
public sealed class TelemetryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task TheWorkersSpanContinuesTheSendersTraceAndAPoisonMessageIsCountedByFailureClass()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var queue = $"otel-{Guid.NewGuid():N}"[..20];
        await account.Queue(queue).CreateAsync();

        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) spans.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);
        var deadLettered = new List<(long Value, string? Class)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) => { if (instrument.Name == "retail.deadletters") l.EnableMeasurementEvents(instrument); };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags) if (tag.Key == "failure_class") lock (deadLettered) deadLettered.Add((value, tag.Value as string));
        });
        meters.Start();

        using var sender = new Activity("webhook received").Start();
        var envelope = new Envelope("otel-1", "test", "otel-1", "otel-1", null, new Dictionary<string, string> { ["shop"] = "s.myshopify.com", ["order"] = "1001" },
            DateTimeOffset.UtcNow, "test", "{}");
        await new QueueMessageSender(account, new BlobStore(account)).SendAsync(queue, envelope, CancellationToken.None);
        sender.Stop();

        var processor = new QueueProcessor(account, new TableDeadLetterStore(account, new BlobStore(account)), TimeProvider.System, NullLogger<QueueProcessor>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var run = processor.RunAsync(queue, (_, _) => Task.FromResult<HandlerOutcome>(new HandlerOutcome.Poison("field id: missing", nameof(PayloadException))),
            QueueWorkerOptions.Default, stop.Token);
        while (!stop.IsCancellationRequested && !spans.Any(s => s.OperationName == $"{queue} process")) await Task.Delay(50);
        await stop.CancelAsync();
        await run;

        var span = spans.Single(s => s.OperationName == $"{queue} process");
        Assert.Equal(sender.TraceId, span.TraceId);
        Assert.Equal("s.myshopify.com", span.GetTagItem("retail.shop"));
        Assert.Equal("1001", span.GetTagItem("retail.order"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains((1L, "invalid_payload"), deadLettered);
    }
}

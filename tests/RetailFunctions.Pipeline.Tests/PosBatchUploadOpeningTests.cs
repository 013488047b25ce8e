using System.Text;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// A POS batch's message names its upload, so the handler opens the blob while it reads the batch row. The row stays
/// the authority: a message naming another blob, a completed batch or a message sent without the name still read
/// the batch's own upload or none, and an upload opened for nothing is closed.
/// </summary>
public class PosBatchUploadOpeningTests
{
    /// <summary>Answers the batch row only when the test releases it.</summary>
    private sealed class HeldBatches(PosBatch batch) : IPosBatchStore
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<PosBatch> Saved { get; } = [];

        public Task CreateAsync(PosBatch b, CancellationToken cancellationToken) => Task.CompletedTask;
        public async Task<PosBatch?> GetAsync(string batchId, CancellationToken cancellationToken)
        {
            await Release.Task.WaitAsync(cancellationToken);
            return batch;
        }
        public Task<IReadOnlyList<PosBatch>> ListByDayAsync(DateOnly day, int max, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<PosTransactionStatus>> GetTransactionsAsync(string batchId, int skip, int take, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task SaveChunkAsync(PosBatch b, IReadOnlyList<PosTransactionStatus> statuses, CancellationToken cancellationToken)
        {
            Saved.Add(b);
            return Task.CompletedTask;
        }
    }

    private sealed class TrackedStream(byte[] content) : MemoryStream(content)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>Blobs by name; a name it does not hold is a missing blob. Records each open and signals the first.</summary>
    private sealed class Blobs(IReadOnlyDictionary<string, string> bodies) : IBlobStore
    {
        public List<(string Name, TrackedStream Stream)> Opened { get; } = [];
        public TaskCompletionSource FirstOpened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task PutIfAbsentAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken,
            IReadOnlyDictionary<string, string>? metadata = null) => throw new NotSupportedException();
        public IAsyncEnumerable<(string Name, IReadOnlyDictionary<string, string> Metadata)> ListAsync(string container, string prefix, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<ReadOnlyMemory<byte>> ReadAsync(string container, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Stream> OpenReadAsync(string container, string name, CancellationToken cancellationToken)
        {
            Assert.Equal(ContainerNames.PosUploads, container);
            FirstOpened.TrySetResult();
            if (!bodies.TryGetValue(name, out var body)) return Task.FromException<Stream>(new FileNotFoundException($"no blob {name}"));
            var stream = new TrackedStream(Encoding.UTF8.GetBytes(body));
            Opened.Add((name, stream));
            return Task.FromResult<Stream>(stream);
        }
    }

    // Two transactions without a business day: malformed, so the handler touches neither stock nor orders.
    private const string TwoMalformed = """
        {"storeId":"101","currency":"USD","transactions":[
          {"workstationId":"1","sequenceNumber":"1","type":"sale","lines":[{"itemId":"A","quantity":1,"unitPrice":1,"extendedAmount":1}],"tenders":[{"type":"cash","amount":1}],"total":1},
          {"workstationId":"1","sequenceNumber":"2","type":"sale","lines":[{"itemId":"A","quantity":1,"unitPrice":1,"extendedAmount":1}],"tenders":[{"type":"cash","amount":1}],"total":1}]}
        """;

    private static PosBatch Batch(string blob, string status = PosBatchStatuses.Received) =>
        new("b1", null, PosFormats.Json, blob, status, 2, 0, 0, 0, 0, 0, 0, DateTimeOffset.UnixEpoch, null);

    private static PosBatchHandler Handler(IPosBatchStore batches, IBlobStore blobs) =>
        new(batches, blobs, null!, null!, null!, PilotGate.AllOn(TimeProvider.System), new PosHandlerOptions(50), TimeProvider.System);

    private static ReceivedMessage Message(string? upload)
    {
        var envelope = upload is null
            ? new Envelope("m1", MessageTypes.PosBatchReceived, "pos-batch:b1", "b1", null, new Dictionary<string, string> { [BusinessKeys.Batch] = "b1" },
                DateTimeOffset.UnixEpoch, "pos", null)
            : PosBatchEnvelopes.Received("b1", upload, null, "b1", DateTimeOffset.UnixEpoch, "pos");
        return new ReceivedMessage(envelope, QueueNames.PosBatches, 1, DateTimeOffset.UnixEpoch);
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheNamedUpload_IsOpenedWhileTheBatchRowIsRead()
    {
        var batches = new HeldBatches(Batch("2026/12/07/b1.json"));
        var blobs = new Blobs(new Dictionary<string, string> { ["2026/12/07/b1.json"] = TwoMalformed });
        var handling = Handler(batches, blobs).HandleAsync(Message("2026/12/07/b1.json"), CancellationToken.None);

        // The row is still held: only an open started alongside the read can have happened.
        await blobs.FirstOpened.Task.WaitAsync(Patience);
        Assert.False(handling.IsCompleted);
        batches.Release.SetResult();

        Assert.IsType<HandlerOutcome.Completed>(await handling.WaitAsync(Patience));
        var (name, stream) = Assert.Single(blobs.Opened);
        Assert.Equal("2026/12/07/b1.json", name);
        Assert.True(stream.Disposed);
        Assert.Equal(2, batches.Saved[^1].Malformed);
        Assert.Equal(PosBatchStatuses.Completed, batches.Saved[^1].Status);
    }

    [Fact]
    public async Task AMessageNamingAnotherBlob_ReadsTheBatchRowsOwnUpload()
    {
        var batches = new HeldBatches(Batch("2026/12/07/b1.json"));
        batches.Release.SetResult();
        var blobs = new Blobs(new Dictionary<string, string> { ["elsewhere.json"] = "not the batch", ["2026/12/07/b1.json"] = TwoMalformed });

        Assert.IsType<HandlerOutcome.Completed>(await Handler(batches, blobs).HandleAsync(Message("elsewhere.json"), CancellationToken.None));

        Assert.Equal(["elsewhere.json", "2026/12/07/b1.json"], blobs.Opened.Select(o => o.Name));
        Assert.All(blobs.Opened, o => Assert.True(o.Stream.Disposed));
        Assert.Equal(2, batches.Saved[^1].Malformed);
    }

    [Fact]
    public async Task ACompletedBatch_ClosesTheUploadOpenedForNothing()
    {
        var batches = new HeldBatches(Batch("2026/12/07/b1.json", PosBatchStatuses.Completed));
        batches.Release.SetResult();
        var blobs = new Blobs(new Dictionary<string, string> { ["2026/12/07/b1.json"] = TwoMalformed });

        var outcome = await Handler(batches, blobs).HandleAsync(Message("2026/12/07/b1.json"), CancellationToken.None);

        Assert.Equal("batch b1 already completed", Assert.IsType<HandlerOutcome.Completed>(outcome).Summary);
        Assert.True(Assert.Single(blobs.Opened).Stream.Disposed);
        Assert.Empty(batches.Saved);
    }

    [Fact]
    public async Task ACompletedBatchWhoseUploadIsGone_IsStillCompleted()
    {
        var batches = new HeldBatches(Batch("2026/12/07/b1.json", PosBatchStatuses.Completed));
        batches.Release.SetResult();

        var outcome = await Handler(batches, new Blobs(new Dictionary<string, string>())).HandleAsync(Message("2026/12/07/b1.json"), CancellationToken.None);

        Assert.Equal("batch b1 already completed", Assert.IsType<HandlerOutcome.Completed>(outcome).Summary);
    }

    [Fact]
    public async Task AnOpenBatchWhoseUploadIsGone_FailsForARetry()
    {
        var batches = new HeldBatches(Batch("2026/12/07/b1.json"));
        batches.Release.SetResult();

        await Assert.ThrowsAsync<FileNotFoundException>(() =>
            Handler(batches, new Blobs(new Dictionary<string, string>())).HandleAsync(Message("2026/12/07/b1.json"), CancellationToken.None));
        Assert.Empty(batches.Saved);
    }

    [Fact]
    public async Task AMessageSentWithoutTheUploadsName_OpensItAfterTheRow()
    {
        var batches = new HeldBatches(Batch("2026/12/07/b1.json"));
        var blobs = new Blobs(new Dictionary<string, string> { ["2026/12/07/b1.json"] = TwoMalformed });
        var handling = Handler(batches, blobs).HandleAsync(Message(upload: null), CancellationToken.None);

        Assert.False(blobs.FirstOpened.Task.IsCompleted);
        batches.Release.SetResult();

        Assert.IsType<HandlerOutcome.Completed>(await handling.WaitAsync(Patience));
        Assert.Equal("2026/12/07/b1.json", Assert.Single(blobs.Opened).Name);
        Assert.Equal(PosBatchStatuses.Completed, batches.Saved[^1].Status);
    }
}

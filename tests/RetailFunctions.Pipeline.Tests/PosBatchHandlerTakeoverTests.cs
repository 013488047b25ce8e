using System.Text;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// A POS batch message whose visibility lapsed while a slow consumer worked on it is taken over by another consumer.
/// The first consumer learns it when it tries to keep the message (its pop receipt is stale) and must then write
/// nothing: its batch row, read before the other consumer completed the batch, would put it back to processing.
/// </summary>
public class PosBatchHandlerTakeoverTests
{
    private sealed class Batches(PosBatch batch) : IPosBatchStore
    {
        public List<PosBatch> Saved { get; } = [];

        public Task CreateAsync(PosBatch b, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<PosBatch?> GetAsync(string batchId, CancellationToken cancellationToken) => Task.FromResult<PosBatch?>(batch);
        public Task<IReadOnlyList<PosBatch>> ListByDayAsync(DateOnly day, int max, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PosBatch>>([batch]);
        public Task<IReadOnlyList<PosTransactionStatus>> GetTransactionsAsync(string batchId, int skip, int take, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PosTransactionStatus>>([]);
        public Task SaveChunkAsync(PosBatch b, IReadOnlyList<PosTransactionStatus> statuses, CancellationToken cancellationToken)
        {
            Saved.Add(b);
            return Task.CompletedTask;
        }
    }

    private sealed class Blobs(string body) : IBlobStore
    {
        public Task PutIfAbsentAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken,
            IReadOnlyDictionary<string, string>? metadata = null) => Task.CompletedTask;
        public IAsyncEnumerable<(string Name, IReadOnlyDictionary<string, string> Metadata)> ListAsync(string container, string prefix, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<Stream> OpenReadAsync(string container, string name, CancellationToken cancellationToken) => Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        public Task<ReadOnlyMemory<byte>> ReadAsync(string container, string name, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class TakenOver() : Exception("the message's pop receipt is stale: another consumer has it");

    // Two transactions without a business day: malformed, so the handler touches neither stock nor orders.
    private const string Upload = """
        {"storeId":"101","currency":"USD","transactions":[
          {"workstationId":"1","sequenceNumber":"1","type":"sale","lines":[{"itemId":"A","quantity":1,"unitPrice":1,"extendedAmount":1}],"tenders":[{"type":"cash","amount":1}],"total":1},
          {"workstationId":"1","sequenceNumber":"2","type":"sale","lines":[{"itemId":"A","quantity":1,"unitPrice":1,"extendedAmount":1}],"tenders":[{"type":"cash","amount":1}],"total":1}]}
        """;

    private static (PosBatchHandler Handler, Batches Store) Build(int chunkSize)
    {
        var store = new Batches(new PosBatch("b1", null, PosFormats.Json, "b1.json", PosBatchStatuses.Received, 2, 0, 0, 0, 0, 0, 0, DateTimeOffset.UnixEpoch, null));
        return (new PosBatchHandler(store, new Blobs(Upload), null!, null!, null!, PilotGate.AllOn(TimeProvider.System), new PosHandlerOptions(chunkSize),
            TimeProvider.System), store);
    }

    private static ReceivedMessage Message(Func<CancellationToken, Task> keepAlive) =>
        new(new Envelope("m1", "pos.batch.received", "k", "c", null, new Dictionary<string, string> { [BusinessKeys.Batch] = "b1" }, DateTimeOffset.UnixEpoch, "test", null),
            "pos-batches", 2, DateTimeOffset.UnixEpoch) { KeepAlive = keepAlive };

    [Theory]
    [InlineData(1)] // a chunk save comes first
    [InlineData(50)] // only the final save
    public async Task AConsumerThatLostItsMessage_WritesNothing(int chunkSize)
    {
        var (handler, store) = Build(chunkSize);
        await Assert.ThrowsAsync<TakenOver>(() => handler.HandleAsync(Message(_ => throw new TakenOver()), CancellationToken.None));
        Assert.Empty(store.Saved);
    }

    [Fact]
    public async Task AConsumerThatStillHoldsItsMessage_SavesEachChunkAndCompletes()
    {
        var (handler, store) = Build(1);
        var kept = 0;
        var outcome = await handler.HandleAsync(Message(_ => { kept++; return Task.CompletedTask; }), CancellationToken.None);
        Assert.IsType<HandlerOutcome.Completed>(outcome);
        Assert.Equal([PosBatchStatuses.Processing, PosBatchStatuses.Processing, PosBatchStatuses.Completed], store.Saved.Select(b => b.Status));
        Assert.Equal(2, store.Saved[^1].Malformed);
        Assert.Equal(3, kept);
    }
}

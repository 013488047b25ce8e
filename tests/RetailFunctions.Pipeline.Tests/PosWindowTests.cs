using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// How much of a POS batch its first window takes: all that is left when it fits one window (each window costs every
/// SKU it touches a ledger write and a push), else one chunk, so a long batch shows progress soon.
/// </summary>
public class PosWindowTests
{
    private static PosBatch Batch(int declared, int processedThrough) =>
        new("b1", null, PosFormats.Xml, "b1.xml", PosBatchStatuses.Received, declared, processedThrough, 0, 0, 0, 0, 0, DateTimeOffset.UnixEpoch, null);

    [Theory]
    [InlineData(100, 0, 1000)] // a small upload: one window
    [InlineData(1000, 0, 1000)] // exactly one window
    [InlineData(1001, 0, 50)] // longer: progress after the first chunk
    [InlineData(10_000, 9_500, 1000)] // resumed near its end: the rest fits one window
    [InlineData(10_000, 5_000, 50)] // resumed with more than a window left
    public void GivenABatch_WhenItsFirstWindowIsChosen_ThenItIsAllThatIsLeftWhenThatFitsOneWindowAndElseOneChunk(int declared, int processedThrough,
        int expected)
    {
        Assert.Equal(expected, new PosHandlerOptions(ChunkSize: 50, WindowSize: 1000).FirstWindow(Batch(declared, processedThrough)));
    }

    [Fact]
    public void GivenAWindowSmallerThanAChunk_WhenOptionsAreRead_ThenAWindowIsAtLeastOneChunkAndAChunkFitsOneTransaction()
    {
        var options = new PosHandlerOptions(ChunkSize: 500, WindowSize: 10);

        Assert.Equal((99, 99), (options.EffectiveChunkSize, options.EffectiveWindowSize));
        Assert.Equal(99, options.FirstWindow(Batch(1000, 0)));
    }
}

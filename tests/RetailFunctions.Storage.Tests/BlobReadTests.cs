using System.Text;
using Azure;
using RetailFunctions.Pipeline;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// Reading an uploaded blob on a real Azurite: a small one comes whole in one request, a long one goes on in ranges
/// from where the first read ended, and a blob replaced half way is refused rather than read as a mix of the two.
/// </summary>
public sealed class BlobReadTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly StorageRoundTrips _requests = new();
    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false, countBlobs: true);
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string> UploadAsync(byte[] content)
    {
        var name = $"reads/{Guid.NewGuid():N}.xml";
        await new BlobStore(_account).UploadAsync(ContainerNames.PosUploads, name, new MemoryStream(content), "application/xml", CancellationToken.None);
        return name;
    }

    private static byte[] Content(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)('a' + i * 7 % 26))];

    /// <summary>Reads as the POSLog parser does: synchronously, a small buffer at a time.</summary>
    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) copy.Write(buffer, 0, read);
        return copy.ToArray();
    }

    [Fact]
    public async Task GivenASmallUpload_WhenItIsOpened_ThenOneRequestBringsItWhole()
    {
        var content = Encoding.UTF8.GetBytes("<POSLog><Transaction/></POSLog>");
        var name = await UploadAsync(content);
        _requests.Reset();

        await using var stream = await new BlobStore(_account).OpenReadAsync(ContainerNames.PosUploads, name, CancellationToken.None);

        Assert.Equal(content, ReadAll(stream));
        Assert.Equal(1, _requests[$"GET {ContainerNames.PosUploads}"]);
        Assert.Equal(1, _requests.Total);
    }

    [Fact]
    public async Task GivenAnUploadLongerThanTheFirstRead_WhenItIsRead_ThenEveryByteComesInOrder()
    {
        var content = Content(BlobStore.FirstReadBytes + 300_001);
        var name = await UploadAsync(content);

        await using var stream = await new BlobStore(_account).OpenReadAsync(ContainerNames.PosUploads, name, CancellationToken.None);

        Assert.Equal(content, ReadAll(stream));
    }

    [Fact]
    public async Task GivenAnUploadExactlyAsLongAsTheFirstRead_WhenItIsOpened_ThenNothingMoreIsRequested()
    {
        var content = Content(BlobStore.FirstReadBytes);
        var name = await UploadAsync(content);
        _requests.Reset();

        await using var stream = await new BlobStore(_account).OpenReadAsync(ContainerNames.PosUploads, name, CancellationToken.None);

        Assert.Equal(content, ReadAll(stream));
        Assert.Equal(1, _requests.Total);
    }

    [Fact]
    public async Task GivenAnEmptyBlob_WhenItIsOpened_ThenTheStreamIsEmpty()
    {
        var name = await UploadAsync([]);

        await using var stream = await new BlobStore(_account).OpenReadAsync(ContainerNames.PosUploads, name, CancellationToken.None);

        Assert.Empty(ReadAll(stream));
    }

    [Fact]
    public async Task GivenALongUploadReplacedAfterItsFirstRead_WhenTheRestIsRead_ThenTheReadIsRefused()
    {
        var content = Content(BlobStore.FirstReadBytes + 1_000);
        var name = await UploadAsync(content);
        await using var stream = await new BlobStore(_account).OpenReadAsync(ContainerNames.PosUploads, name, CancellationToken.None);

        await new BlobStore(_account).UploadAsync(ContainerNames.PosUploads, name, new MemoryStream(Content(BlobStore.FirstReadBytes + 2_000)),
            "application/xml", CancellationToken.None);

        var refused = Assert.ThrowsAny<RequestFailedException>(() => ReadAll(stream));
        Assert.Equal(412, refused.Status);
    }

    [Theory]
    [InlineData("bytes 0-99/1234", 1234L)]
    [InlineData("bytes 0-0/1", 1L)]
    [InlineData(null, null)]
    [InlineData("bytes 0-99", null)]
    public void ContentRangeGivesTheBlobsLength(string? contentRange, long? length) =>
        Assert.Equal(length, BlobStore.BlobLength(contentRange));
}

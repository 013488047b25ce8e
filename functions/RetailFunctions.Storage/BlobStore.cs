using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

public sealed class BlobStore(StorageAccount account) : IBlobStore
{
    public async Task PutIfAbsentAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        try
        {
            await account.Container(container).GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Metadata = metadata?.ToDictionary(kv => kv.Key, kv => kv.Value),
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Already written by an earlier attempt: same name, same content.
        }
    }

    public async IAsyncEnumerable<(string Name, IReadOnlyDictionary<string, string> Metadata)> ListAsync(
        string container, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var blob in account.Container(container).GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken))
            yield return (blob.Name, (IReadOnlyDictionary<string, string>)blob.Metadata);
    }

    /// <summary>The first read of a blob takes this much; a longer blob is read on from there in ranges.</summary>
    public const int FirstReadBytes = 4 * 1024 * 1024;

    /// <summary>
    /// A till's upload is usually small: one read brings it whole, where opening a ranged reader cost a request for the
    /// blob's length first and then blocked the parser's thread on its first range. A longer blob continues where the
    /// first read ended, in ranges read as the caller asks, and only while it is the same blob (its ETag).
    /// </summary>
    public async Task<Stream> OpenReadAsync(string container, string name, CancellationToken cancellationToken)
    {
        var blob = account.Container(container).GetBlobClient(name);
        BlobDownloadResult first;
        try
        {
            first = (await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(0, FirstReadBytes) }, cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            return new MemoryStream([], writable: false); // An empty blob has no first byte to range from.
        }
        var head = first.Content.ToArray();
        if (BlobLength(first.Details.ContentRange) is not { } length || head.Length >= length)
            return new MemoryStream(head, writable: false);
        var rest = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: true)
        {
            Position = head.Length,
            Conditions = new BlobRequestConditions { IfMatch = first.Details.ETag },
        }, cancellationToken);
        return new ContinuedStream(head, rest);
    }

    /// <summary>The whole blob's length from a ranged read's Content-Range ("bytes 0-99/1234"); null when there is none.</summary>
    public static long? BlobLength(string? contentRange) =>
        contentRange?.LastIndexOf('/') is { } slash and >= 0 && long.TryParse(contentRange.AsSpan(slash + 1), out var length) ? length : null;

    public async Task<ReadOnlyMemory<byte>> ReadAsync(string container, string name, CancellationToken cancellationToken) =>
        (await account.Container(container).GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToMemory();

    public async Task UploadAsync(string container, string name, Stream content, string contentType, CancellationToken cancellationToken) =>
        await account.Container(container).GetBlobClient(name).UploadAsync(content, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
        }, cancellationToken);
}

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

    public async Task<Stream> OpenReadAsync(string container, string name, CancellationToken cancellationToken) =>
        await account.Container(container).GetBlobClient(name).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken);

    public async Task<ReadOnlyMemory<byte>> ReadAsync(string container, string name, CancellationToken cancellationToken) =>
        (await account.Container(container).GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToMemory();

    public async Task UploadAsync(string container, string name, Stream content, string contentType, CancellationToken cancellationToken) =>
        await account.Container(container).GetBlobClient(name).UploadAsync(content, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
        }, cancellationToken);
}

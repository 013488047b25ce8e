using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Storage;

public sealed class BlobStore(StorageAccount account) : IBlobStore
{
    public async Task PutIfAbsentAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            await account.Container(container).GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Already written by an earlier attempt: same name, same content.
        }
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

using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using RetailFunctions.Pipeline;

namespace RetailFunctions.Storage;

/// <summary>
/// The three storage clients, from a connection string (Azurite locally: UseDevelopmentStorage=true) or, in Azure,
/// from an account name and the app's managed identity, so no key is ever in settings.
/// </summary>
public sealed class StorageAccount(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs)
{
    public TableServiceClient Tables { get; } = tables;
    public QueueServiceClient Queues { get; } = queues;
    public BlobServiceClient Blobs { get; } = blobs;

    public static StorageAccount FromConnectionString(string connectionString)
    {
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        return new StorageAccount(
            new TableServiceClient(connectionString),
            new QueueServiceClient(connectionString, queueOptions),
            new BlobServiceClient(connectionString));
    }

    public static StorageAccount FromAccountName(string accountName, string? managedIdentityClientId)
    {
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = managedIdentityClientId });
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        return new StorageAccount(
            new TableServiceClient(new Uri($"https://{accountName}.table.core.windows.net"), credential),
            new QueueServiceClient(new Uri($"https://{accountName}.queue.core.windows.net"), credential, queueOptions),
            new BlobServiceClient(new Uri($"https://{accountName}.blob.core.windows.net"), credential));
    }

    public TableClient Table(string name) => Tables.GetTableClient(name);
    public QueueClient Queue(string name) => Queues.GetQueueClient(name);
    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(name);

    /// <summary>Creates every queue, table and container the pipeline uses (the names infra deploys).</summary>
    public async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        var names = ResourceNameList.Embedded;
        await Task.WhenAll(
            names.Queues.Select(q => Queue(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken))
                .Concat(names.Tables.Select(t => (Task)Table(t).CreateIfNotExistsAsync(cancellationToken)))
                .Concat(names.Containers.Select(c => (Task)Container(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken))));
    }
}

using Azure.Core;
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

    /// <summary>How many storage calls backlog work may have under way at once (<see cref="BacklogGate"/>).</summary>
    public const int DefaultBacklogWidth = 16;

    public static StorageAccount FromConnectionString(string connectionString, int backlogWidth = DefaultBacklogWidth)
    {
        var (tableOptions, queueOptions, blobOptions) = Options(new BacklogGate(backlogWidth));
        return new StorageAccount(
            new TableServiceClient(connectionString, tableOptions),
            new QueueServiceClient(connectionString, queueOptions),
            new BlobServiceClient(connectionString, blobOptions));
    }

    public static StorageAccount FromAccountName(string accountName, string? managedIdentityClientId, int backlogWidth = DefaultBacklogWidth)
    {
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = managedIdentityClientId });
        var (tableOptions, queueOptions, blobOptions) = Options(new BacklogGate(backlogWidth));
        return new StorageAccount(
            new TableServiceClient(new Uri($"https://{accountName}.table.core.windows.net"), credential, tableOptions),
            new QueueServiceClient(new Uri($"https://{accountName}.queue.core.windows.net"), credential, queueOptions),
            new BlobServiceClient(new Uri($"https://{accountName}.blob.core.windows.net"), credential, blobOptions));
    }

    /// <summary>The three clients share one gate: it bounds the account's backlog calls, whichever service they go to.</summary>
    private static (TableClientOptions, QueueClientOptions, BlobClientOptions) Options(BacklogGate gate)
    {
        var tables = new TableClientOptions();
        var queues = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var blobs = new BlobClientOptions();
        tables.AddPolicy(gate, HttpPipelinePosition.PerRetry);
        queues.AddPolicy(gate, HttpPipelinePosition.PerRetry);
        blobs.AddPolicy(gate, HttpPipelinePosition.PerRetry);
        return (tables, queues, blobs);
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

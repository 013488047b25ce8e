using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace RetailFunctions.Storage.Tests;

/// <summary>A storage account whose Table client counts every request it sends (a transaction is one, a retry is not another).</summary>
internal sealed class CountedTables : HttpPipelineSynchronousPolicy
{
    private int _count;

    private CountedTables(string connectionString)
    {
        var options = new TableClientOptions();
        options.AddPolicy(this, HttpPipelinePosition.PerCall);
        Account = new StorageAccount(new TableServiceClient(connectionString, options),
            new QueueServiceClient(connectionString), new BlobServiceClient(connectionString));
    }

    public StorageAccount Account { get; }

    public int Count => Volatile.Read(ref _count);

    public static CountedTables For(string connectionString) => new(connectionString);

    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
}

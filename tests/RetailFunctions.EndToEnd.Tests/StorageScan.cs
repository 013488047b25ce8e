using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A value found where it should not be: the table row and property, queue message or blob, and what.</summary>
public sealed record Finding(string Where, string What);

/// <summary>
/// Reads every table row, queue message and blob (with its name and metadata) of a storage account and reports where
/// given strings occur, and where a 13-19 digit Luhn-valid number (a card number the edge should have masked) does.
/// </summary>
public static partial class StorageScan
{
    public static async Task<IReadOnlyList<Finding>> FindAsync(string connectionString, IReadOnlyList<string> needles)
    {
        var findings = new List<Finding>();
        void Search(string where, string? text)
        {
            if (string.IsNullOrEmpty(text)) return;
            foreach (var value in needles)
                if (text.Contains(value, StringComparison.OrdinalIgnoreCase)) findings.Add(new(where, value));
            foreach (var pan in CardNumbers(text)) findings.Add(new(where, $"card number {pan}"));
        }
        var tables = new TableServiceClient(connectionString);
        await foreach (var table in tables.QueryAsync())
            await foreach (var row in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
                foreach (var (key, value) in row)
                    if (key is not ("odata.etag" or "Timestamp")) Search($"{table.Name}/{row.PartitionKey}/{row.RowKey}.{key}", value?.ToString());
        var queues = new QueueServiceClient(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await foreach (var queue in queues.GetQueuesAsync())
        {
            var peeked = (await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value;
            Assert.True(peeked.Length < 32, $"{queue.Name} holds more messages than one peek shows");
            foreach (var message in peeked) Search($"{queue.Name}/{message.MessageId}", message.Body.ToString());
        }
        var blobs = new BlobServiceClient(connectionString);
        await foreach (var container in blobs.GetBlobContainersAsync())
        {
            var client = blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, null, default))
            {
                var where = $"{container.Name}/{blob.Name}";
                Search(where, blob.Name);
                Search(where, string.Join(" ", blob.Metadata.Values));
                Search(where, (await client.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());
            }
        }
        return findings;
    }

    /// <summary>
    /// 13 to 19 digits, grouped by single spaces or dashes or not at all, that pass the Luhn check, outside the GUIDs the
    /// pipeline names its messages and rows by: about one random GUID in 460 holds such a run between two of its letters.
    /// </summary>
    public static IEnumerable<string> CardNumbers(string text) =>
        CardNumber().Matches(Guid().Replace(text, " ")).Select(m => m.Value).Where(v => Luhn.IsValid(v.Replace(" ", "").Replace("-", "")));

    public static void AssertClean(IReadOnlyList<Finding> findings, string when) =>
        Assert.True(findings.Count == 0, $"{when}, {findings.Count} copies remain:\n{string.Join("\n", findings.Select(f => $"{f.What} in {f.Where}"))}");

    [GeneratedRegex(@"(?<![\d])\d(?:[ \-]?\d){12,18}(?![\d])")]
    private static partial Regex CardNumber();

    [GeneratedRegex(@"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?![0-9A-Fa-f])")]
    private static partial Regex Guid();
}

/// <summary>Webhooks sent and their handling awaited, by the webhook id the delivery log keeps.</summary>
public static class Deliveries
{
    public static async Task SendAsync(HttpClient http, string shop, string topic, string body, string webhookId) =>
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.SendAsync(Calls.ShopifyWebhook(topic, body, webhookId, shop: shop))).StatusCode);

    /// <summary>Waits until the delivery is recorded with an outcome that starts as given.</summary>
    public static async Task WaitAsync(string connectionString, string shop, string webhookId, string startsWith)
    {
        var deliveries = new TableClient(connectionString, "Deliveries");
        await Calls.Eventually(async () =>
        {
            var row = await deliveries.GetEntityIfExistsAsync<TableEntity>(shop, $"w:{webhookId}");
            return row.HasValue ? row.Value!.GetString("Outcome") : null;
        }, o => o is not null && o.StartsWith(startsWith, StringComparison.Ordinal), $"delivery {webhookId} to be handled", 120);
    }
}

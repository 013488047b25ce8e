using System.Net;
using System.Text;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A runtime with small chunks and a short visibility timeout, so a killed worker's message returns quickly.</summary>
public sealed class CrashFixture : RuntimeFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Pos__ChunkSize"] = "5",
        // Windows of a few chunks, so the batch is part-way for a while (one default window would hold all of it).
        ["Pos__WindowSize"] = "20",
        ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:03",
    };
}

public sealed class CrashRecoveryTests(CrashFixture fixture) : IClassFixture<CrashFixture>
{
    private static string BatchOfSales(int count)
    {
        var builder = new StringBuilder("""{ "storeId": "31", "transactions": [""");
        for (var i = 1; i <= count; i++)
        {
            if (i > 1) builder.Append(',');
            builder.Append($$"""
                { "workstationId": "1", "sequenceNumber": "{{i}}", "businessDay": "2026-11-21", "type": "sale",
                  "lines": [ { "itemId": "SOCK-01", "quantity": 1, "unitPrice": 3, "extendedAmount": 3 } ], "tenders": [ { "type": "cash", "amount": 3 } ] }
                """);
        }
        return builder.Append("]}").ToString();
    }

    [Fact]
    public async Task GivenRuntimeKilledMidBatch_WhenRestarted_ThenEveryTransactionIsAppliedExactlyOnce()
    {
        const int transactions = 300;
        await fixture.Http.PutJson("api/catalog/locations/STORE-31", new { aliases = new[] { new { system = "pos", value = "31" } } });
        await fixture.Http.PutJson("api/catalog/skus/SOCK-01", new { title = "Socks" });

        var response = await fixture.Http.PostAsync("api/pos/transactions", new StringContent(BatchOfSales(transactions), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var batchId = (await response.Json()).GetProperty("batchId").GetString()!;

        // Kill the process while the batch is part-way through: some chunks saved, others not.
        var partWay = await Calls.Eventually(() => fixture.Http.GetJson($"api/pos/batches/{batchId}?take=1"),
            b => b.GetProperty("batch").GetProperty("processedThrough").GetInt32() >= 20, "the batch to be part-way", timeoutSeconds: 120);
        fixture.Runtime.Kill();
        Assert.True(partWay.GetProperty("batch").GetProperty("processedThrough").GetInt32() < transactions - 20,
            "the batch finished before the kill, so the test proved nothing about recovery");

        await using var restarted = new RuntimeProcess(fixture.Settings());
        await restarted.StartAsync();
        using var http = RuntimeFixture.CreateClient(restarted);
        var batch = await Calls.Eventually(() => http.GetJson($"api/pos/batches/{batchId}?take={transactions}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the batch to complete after the restart", timeoutSeconds: 300);

        var statuses = batch.GetProperty("transactions").EnumerateArray().ToList();
        Assert.Equal(transactions, statuses.Count);
        Assert.All(statuses, s => Assert.Equal("applied", s.GetProperty("status").GetString()));
        Assert.Equal(Enumerable.Range(1, transactions), statuses.Select(s => s.GetProperty("position").GetInt32()));
        Assert.Equal(-transactions, await http.OnHand("SOCK-01", "STORE-31"));
        Assert.Equal(transactions, batch.GetProperty("batch").GetProperty("applied").GetInt32());
    }
}

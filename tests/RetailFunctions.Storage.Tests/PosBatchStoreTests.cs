using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>A day's list of till uploads, as the console and the CLI read it, against a real Azurite.</summary>
public sealed class PosBatchStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GivenADayOfUploads_WhenTheDayIsListed_ThenEveryBatchComesBackInTheOrderItArrivedUpToTheLimit()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var store = new TablePosBatchStore(account);
        var day = new DateTimeOffset(2026, 10, 3, 9, 0, 0, TimeSpan.Zero);
        // Batch ids sort by time, as the runtime's version-7 ids do.
        var ids = Enumerable.Range(1, 25).Select(i => $"b{i:D3}").ToList();
        foreach (var id in ids.AsEnumerable().Reverse())
            await store.CreateAsync(new PosBatch(id, "900", "poslog", $"pos/{id}.xml", "received", 1, 0, 0, 0, 0, 0, 0, day, null), CancellationToken.None);

        var all = await store.ListByDayAsync(DateOnly.FromDateTime(day.UtcDateTime), 100, CancellationToken.None);
        var first = await store.ListByDayAsync(DateOnly.FromDateTime(day.UtcDateTime), 10, CancellationToken.None);

        Assert.Equal(ids, all.Select(b => b.BatchId));
        Assert.All(all, b => Assert.Equal("900", b.Store));
        Assert.Equal(ids.Take(10), first.Select(b => b.BatchId));
        Assert.Empty(await store.ListByDayAsync(DateOnly.FromDateTime(day.UtcDateTime).AddDays(1), 100, CancellationToken.None));
    }
}

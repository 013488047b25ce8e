using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>A window of till sales indexes its orders together: each is found by its full receipt, its printed number and its id.</summary>
public sealed class OrderIndexBatchTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GivenAHundredTillSalesIndexedTogether_WhenEachIsLookedUp_ThenEveryReferenceFindsItsOwnOrder()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var store = $"{Random.Shared.Next(100_000, 999_999)}";
        var receipts = Enumerable.Range(1, 100).Select(i => new ReceiptKey(store, "1", new DateOnly(2026, 11, 20), $"{i}")).ToList();
        var orders = new TableOrderStore(account);

        // Three rows each: more than one entity-group transaction holds.
        await orders.IndexAllAsync(Channels.Pos, [.. receipts.Select(r => (OrderIds.ForReceipt(r), PosOrderCommands.References(r)))], CancellationToken.None);

        foreach (var receipt in receipts)
        {
            var orderId = OrderIds.ForReceipt(receipt);
            Assert.Equal(orderId, await orders.FindAsync(Channels.Pos, receipt.ToString(), CancellationToken.None));
            Assert.Equal(orderId, await orders.FindAsync(Channels.Pos, $"{store}-{receipt.SequenceNumber}", CancellationToken.None));
            Assert.Equal(orderId, await orders.FindAsync(Channels.Pos, orderId, CancellationToken.None));
        }
    }

    [Fact]
    public async Task GivenTwentyAppOrdersPlacedSideBySide_WhenEachIndexesItsReference_ThenAFewTransactionsHoldThemAndEachIsFound()
    {
        var counted = new StorageRoundTrips();
        var account = StorageRoundTrips.Account(azurite.ConnectionString, counted, countQueues: false);
        await account.ProvisionAsync(CancellationToken.None);
        var before = counted.Total;
        var orders = new TableOrderStore(account);
        var ids = Enumerable.Range(1, 20).Select(i => $"IDX-{Guid.NewGuid():N}-{i}").ToList();

        await Task.WhenAll(ids.Select(id => orders.IndexAsync(OrderIds.ForChannel(Channels.App, id), Channels.App,
            [new ChannelReference(Channels.App, "id", id)], CancellationToken.None)));

        Assert.InRange(counted.Total - before, 1, 4);
        foreach (var id in ids)
            Assert.Equal(OrderIds.ForChannel(Channels.App, id), await orders.FindAsync(Channels.App, id.ToUpperInvariant(), default));
    }
}

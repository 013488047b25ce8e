using Azure.Data.Tables;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Privacy;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// Each order's row has a key of its own, and the listings (by id prefix, with unfinished effects) find order rows
/// only, never the index rows beside them, even an index row whose reference reads like an order row's key.
/// </summary>
public sealed class OrderRowTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GivenOrdersWithAndWithoutUnfinishedEffects_WhenListed_ThenOnlyTheirOwnRowsAreFound()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var orders = new TableOrderStore(account);
        var prefix = $"app-ROWS{Random.Shared.Next(100_000, 999_999)}-";
        var (pending, settled) = ($"{prefix}1", $"{prefix}2");
        await SaveAsync(orders, pending, [new OrderEffect.RouteStock("route:1")]);
        await SaveAsync(orders, settled, []);
        // An index row whose reference is written like an order row's key.
        await orders.IndexAsync(pending, Channels.App, [new ChannelReference(Channels.App, "name", $"Order:{pending}")], CancellationToken.None);

        var table = account.Table(TableNames.Orders);
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(pending, $"Order:{pending}")).HasValue, "the order's row is keyed by its id");
        Assert.Equal([pending, settled], (await orders.ListIdsAsync(prefix, CancellationToken.None)).Order(StringComparer.Ordinal).ToArray());
        var stalled = await orders.ListWithPendingAsync(DateTimeOffset.UtcNow.AddMinutes(1), 1_000, CancellationToken.None);
        Assert.Contains(pending, stalled);
        Assert.DoesNotContain(settled, stalled);
        Assert.Equal(pending, await orders.FindAsync(Channels.App, $"Order:{pending}", CancellationToken.None));
        // The erasure sweep reads every order row's text: the index row is not one of them.
        var copied = new List<string>();
        await foreach (var copy in new StoragePersonalDataCopies(account).ListAsync(CancellationToken.None))
            if (copy.Kind == CopyKind.Order) copied.Add(copy.Location);
        Assert.Contains($"{TableNames.Orders}/{pending}/Order:{pending}", copied);
        Assert.DoesNotContain(copied, location => location.StartsWith($"{TableNames.Orders}/ref:", StringComparison.Ordinal));
        Assert.Equal(Order.Empty(pending).OrderId, (await orders.LoadAsync(pending, CancellationToken.None)).Order.OrderId);
        Assert.Single((await orders.LoadAsync(pending, CancellationToken.None)).Pending);
    }

    private static async Task SaveAsync(TableOrderStore orders, string orderId, IReadOnlyList<OrderEffect> pending)
    {
        var loaded = await orders.LoadAsync(orderId, CancellationToken.None);
        Assert.NotNull(await orders.TrySaveAsync(orderId, loaded, new OrderChange(Order.Empty(orderId) with { Sequence = 1 }, pending), CancellationToken.None));
    }
}

using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>After a merge the survivor carries the absorbed profile's loyalty: its spend toward tiers and its orders' returns, on a real Azurite.</summary>
public sealed class CustomerMergeLoyaltyTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private CustomerService _service = null!;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public async Task InitializeAsync()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var options = CustomerOptions.Default;
        _service = new CustomerService(new TableCustomerStore(account), new LoyaltyService(new TableLoyaltyStore(account), options, TimeProvider.System),
            new TableExceptionStore(account), options, TimeProvider.System);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];

    private static CustomerActivity Purchase(string order, CustomerReference who, decimal net) =>
        new($"p-{order}", ActivityKind.Purchase, who, order, Channels.Pos, "STORE-9", new Money(net, "EUR"), Now);

    [Fact]
    public async Task GivenTwoProfilesMerged_WhenTheAbsorbedProfilesOrderIsReturned_ThenTheSurvivorsPointsAreReversedAndTheAbsorbedSpendCountsTowardItsTier()
    {
        var absorbedOrder = $"order-{Unique()}";
        var survivor = await _service.RecordActivityAsync(Purchase($"order-{Unique()}", new CustomerReference(Email: $"a.{Unique()}@example.com"), 300m),
            CancellationToken.None);
        var absorbed = await _service.RecordActivityAsync(Purchase(absorbedOrder, new CustomerReference(LoyaltyId: $"L-{Unique()}"), 400m), CancellationToken.None);
        var mergeId = await _service.MergeAsync(survivor.CustomerId!, absorbed.CustomerId!, "manual", "same person", "crm-1", $"m-{Unique()}", Now,
            CancellationToken.None);

        var merged = (await _service.GetRecordAsync(survivor.CustomerId!, CancellationToken.None))!.Loyalty;
        Assert.Equal((700L, 700m, "silver"), (merged.Balance, merged.RollingSpend, merged.Tier));

        var returned = await _service.RecordActivityAsync(new CustomerActivity($"r-{Unique()}", ActivityKind.Return, new CustomerReference(), $"ret-{Unique()}",
            Channels.Pos, "STORE-9", new Money(100m, "EUR"), Now, absorbedOrder), CancellationToken.None);

        Assert.Equal((survivor.CustomerId, -100L), (returned.CustomerId, returned.PointsDelta));
        var after = (await _service.GetRecordAsync(survivor.CustomerId!, CancellationToken.None))!.Loyalty;
        Assert.Equal((600L, 600m), (after.Balance, after.RollingSpend));

        await _service.ReverseMergeAsync(survivor.CustomerId!, mergeId, "crm-1", Now, CancellationToken.None);
        // Unmerged, the spend that came in goes back; the return recorded while merged stays where it was recorded, like its points.
        var alone = (await _service.GetRecordAsync(survivor.CustomerId!, CancellationToken.None))!.Loyalty;
        var restored = (await _service.GetRecordAsync(absorbed.CustomerId!, CancellationToken.None))!.Loyalty;
        Assert.Equal((200m, 200L), (alone.RollingSpend, alone.Balance));
        Assert.Equal((400m, 400L), (restored.RollingSpend, restored.Balance));
    }
}

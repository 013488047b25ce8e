using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// The Table round trips of a web shopper's profile and points, counted on a real Azurite: a purchase is decided on the
/// account alone (a new profile's not read at all, nor one this process last wrote) and its write proves the order and
/// the key unseen; what the program cannot give in the purchase's currency is refused without reading the ledger; a new
/// shopper's profile is added in one write with their first purchase, a new web-store customer's with its names and
/// consent. Points are still given once: a repeat, or returns that came first, fail the write and are decided on all
/// the rows.
/// </summary>
public sealed class CustomerActivityRoundTripTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly StorageRoundTrips _requests = new();
    private CustomerService _service = null!;
    private LoyaltyService _loyalty = null!;

    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false);
        await _account.ProvisionAsync(CancellationToken.None);
        _loyalty = new LoyaltyService(new TableLoyaltyStore(_account), CustomerOptions.Default, TimeProvider.System);
        _service = new CustomerService(new TableCustomerStore(_account), _loyalty, new TableExceptionStore(_account), CustomerOptions.Default,
            TimeProvider.System);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static CustomerReference Shopper() => new(Email: $"ada.{Guid.NewGuid():N}@example.com");

    private static CustomerActivity Purchase(CustomerReference who, string orderId, decimal net, string currency = "EUR",
        string? key = null) =>
        new(key ?? $"{orderId}:purchase", ActivityKind.Purchase, who, orderId, Channels.Web, null, new Money(net, currency), Now);

    private static string Order() => $"order-{Guid.NewGuid():N}";

    [Fact]
    public async Task GivenAShopperWithPoints_WhenAnotherPurchaseAccrues_ThenTheLedgerThisProcessWroteIsWrittenOnceAndNotRead()
    {
        var shopper = Shopper();
        await _service.RecordActivityAsync(Purchase(shopper, Order(), 40m), CancellationToken.None);
        _requests.Reset();

        var second = await _service.RecordActivityAsync(Purchase(shopper, Order(), 60m), CancellationToken.None);

        Assert.Equal((60L, 100L), (second.PointsDelta, second.Balance));
        Assert.True(_requests["GET Loyalty"] == 0, $"{_requests}");
        Assert.Single(_requests.Batches("Loyalty"));
    }

    /// <summary>A second runtime on the same storage: what it does is a change made elsewhere for this one's hints.</summary>
    private CustomerService Elsewhere() => new(new TableCustomerStore(_account), new LoyaltyService(new TableLoyaltyStore(_account), CustomerOptions.Default,
        TimeProvider.System), new TableExceptionStore(_account), CustomerOptions.Default, TimeProvider.System);

    [Fact]
    public async Task GivenAProfileAnonymizedElsewhere_WhenItsShopperBuysAgainHere_ThenANewProfileIsMadeAndTheErasedOneGetsNothing()
    {
        var shopper = Shopper();
        var first = await _service.RecordActivityAsync(Purchase(shopper, Order(), 40m), CancellationToken.None);
        await Elsewhere().AnonymizeAsync(first.CustomerId!, "erasure request", Now, CancellationToken.None);

        var again = await _service.RecordActivityAsync(Purchase(shopper, Order(), 60m), CancellationToken.None);

        Assert.Equal("new", again.Resolution);
        Assert.NotEqual(first.CustomerId, again.CustomerId);
        Assert.Equal(40L, (await _loyalty.SummaryAsync(first.CustomerId!, CancellationToken.None)).Balance);
        Assert.Equal(60L, again.Balance);
    }

    [Fact]
    public async Task GivenAnErasedShopperWhoCameBackElsewhere_WhenTheyBuyHere_ThenThePurchaseGoesToTheirNewProfile()
    {
        var shopper = Shopper();
        var erased = await _service.RecordActivityAsync(Purchase(shopper, Order(), 40m), CancellationToken.None);
        var elsewhere = Elsewhere();
        await elsewhere.AnonymizeAsync(erased.CustomerId!, "erasure request", Now, CancellationToken.None);
        var back = await elsewhere.RecordActivityAsync(Purchase(shopper, Order(), 10m), CancellationToken.None);

        var here = await _service.RecordActivityAsync(Purchase(shopper, Order(), 60m), CancellationToken.None);

        Assert.NotEqual(erased.CustomerId, back.CustomerId);
        Assert.Equal((back.CustomerId, 70L), (here.CustomerId, here.Balance));
    }

    [Fact]
    public async Task GivenAProfileMergedElsewhere_WhenItsShopperBuysAgainHere_ThenThePurchaseGoesToTheSurvivor()
    {
        var (shopper, other) = (Shopper(), Shopper());
        var absorbed = await _service.RecordActivityAsync(Purchase(shopper, Order(), 40m), CancellationToken.None);
        var elsewhere = Elsewhere();
        var survivor = await elsewhere.RecordActivityAsync(Purchase(other, Order(), 10m), CancellationToken.None);
        await elsewhere.MergeAsync(survivor.CustomerId!, absorbed.CustomerId!, "email", "one shopper", "crm", $"merge-{Guid.NewGuid():N}", Now,
            CancellationToken.None);

        var again = await _service.RecordActivityAsync(Purchase(shopper, Order(), 60m), CancellationToken.None);

        Assert.Equal(survivor.CustomerId, again.CustomerId);
        Assert.Equal(110L, again.Balance);
    }

    [Fact]
    public async Task GivenAMergeReversedElsewhere_WhenTheAbsorbedShopperBuysAgainHere_ThenThePurchaseGoesBackToTheirOwnProfile()
    {
        var (shopper, other, mergeId) = (Shopper(), Shopper(), $"merge-{Guid.NewGuid():N}");
        var own = await _service.RecordActivityAsync(Purchase(shopper, Order(), 40m), CancellationToken.None);
        var elsewhere = Elsewhere();
        var survivor = await elsewhere.RecordActivityAsync(Purchase(other, Order(), 10m), CancellationToken.None);
        await elsewhere.MergeAsync(survivor.CustomerId!, own.CustomerId!, "email", "one shopper", "crm", mergeId, Now, CancellationToken.None);
        // Here the shopper's email now leads to the survivor.
        var here = Elsewhere();
        Assert.Equal(survivor.CustomerId, (await here.RecordActivityAsync(Purchase(shopper, Order(), 5m), CancellationToken.None)).CustomerId);
        await elsewhere.ReverseMergeAsync(survivor.CustomerId!, mergeId, "crm", Now, CancellationToken.None);

        var again = await here.RecordActivityAsync(Purchase(shopper, Order(), 60m), CancellationToken.None);

        Assert.Equal(own.CustomerId, again.CustomerId);
    }

    [Fact]
    public async Task GivenANewShopper_WhenTheirFirstPurchaseIsRecorded_ThenNeitherTheirNewProfileNorTheirLedgerIsReadBeforeBeingWritten()
    {
        _requests.Reset();

        var first = await _service.RecordActivityAsync(Purchase(Shopper(), Order(), 25m), CancellationToken.None);

        Assert.Equal(("new", 25L, 25L), (first.Resolution, first.PointsDelta, first.Balance));
        // The one read is the email's index row: whether the shopper is known.
        Assert.True(_requests["GET Customers"] == 1, $"{_requests}");
        Assert.True(_requests["GET Loyalty"] == 0, $"{_requests}");
        Assert.Single(_requests.Batches("Loyalty"));
    }

    [Fact]
    public async Task GivenANewShopper_WhenTheirFirstPurchaseIsRecorded_ThenTheirProfileAndThePurchaseAreAddedInOneWrite()
    {
        _requests.Reset();

        var first = await _service.RecordActivityAsync(Purchase(Shopper(), Order(), 25m), CancellationToken.None);

        // The email claimed and the order's owner remembered, each a row of its own; the profile with its purchase.
        Assert.True(first.Recorded);
        Assert.True(_requests["POST Customers"] == 2 && _requests.Batches("Customers") is [2], $"{_requests}");
        var record = (await _service.GetRecordAsync(first.CustomerId!, CancellationToken.None))!;
        Assert.Equal(first.CustomerId, Assert.Single(record.History).RecordedOn);
        Assert.Equal(25L, record.Loyalty.Balance);
    }

    [Fact]
    public async Task GivenANewWebStoreCustomer_WhenUpserted_ThenTheProfileIsAddedOnceWithNamesAndConsentAndNotRead()
    {
        var snapshot = new CustomerSnapshot(Random.Shared.NextInt64(1_000_000, long.MaxValue).ToString(), $"lee.{Guid.NewGuid():N}@example.com",
            null, "Lee", "Park", Now, true, false, null);
        _requests.Reset();

        var resolved = await _service.UpsertFromShopifyAsync("demo.myshopify.com", snapshot, Now, CancellationToken.None);

        // One index read per identifier (the customer id, the email), each then claimed, and the profile added.
        Assert.True(_requests["GET Customers"] == 2 && _requests["POST Customers"] == 3 && _requests.Total == 5, $"{_requests}");
        var record = (await _service.GetRecordAsync(resolved!.CustomerId, CancellationToken.None))!;
        Assert.Equal(("Lee", "Park", 2), (record.Profile.FirstName, record.Profile.LastName, record.Profile.Contacts.Count));
        Assert.True(record.Profile.Consent[ConsentPurposes.Email].Granted);
        Assert.False(record.Profile.Consent[ConsentPurposes.Sms].Granted);
    }

    [Fact]
    public async Task GivenAPurchaseInACurrencyTheProgramDoesNotRun_WhenRecorded_ThenNoPointsAndTheLedgerIsNotTouched()
    {
        var shopper = Shopper();
        await _service.RecordActivityAsync(Purchase(shopper, Order(), 30m), CancellationToken.None);
        _requests.Reset();

        var dollars = await _service.RecordActivityAsync(Purchase(shopper, Order(), 80m, "USD"), CancellationToken.None);

        Assert.True(dollars.Recorded);
        Assert.Equal((0L, (long?)null), (dollars.PointsDelta, dollars.Balance));
        Assert.Contains("earn no points", dollars.Loyalty);
        Assert.True(_requests["GET Loyalty"] == 0 && _requests.Batches("Loyalty").Count == 0, $"{_requests}");
        Assert.Equal(30L, (await _loyalty.SummaryAsync(dollars.CustomerId!, CancellationToken.None)).Balance);
    }

    [Fact]
    public async Task GivenAnAccruedPurchase_WhenItsActivityComesAgain_ThenNoPointsAreGivenTwice()
    {
        var (shopper, order) = (Shopper(), Order());
        var first = await _service.RecordActivityAsync(Purchase(shopper, order, 50m), CancellationToken.None);

        var again = await _service.RecordActivityAsync(Purchase(shopper, order, 50m), CancellationToken.None);

        Assert.Equal((50L, 0L, 50L), (first.PointsDelta, again.PointsDelta, again.Balance));
        Assert.False(again.Recorded);
    }

    [Fact]
    public async Task GivenAnAccruedPurchase_WhenTheSameOrderComesUnderAnotherKey_ThenItsRowStopsASecondAccrual()
    {
        var (shopper, order) = (Shopper(), Order());
        var first = await _service.RecordActivityAsync(Purchase(shopper, order, 50m), CancellationToken.None);

        var resent = Purchase(shopper, order, 50m, key: $"{order}:purchase-resent");
        var again = await _service.RecordActivityAsync(resent, CancellationToken.None);

        Assert.Equal((50L, 0L, 50L), (first.PointsDelta, again.PointsDelta, again.Balance));
    }

    [Fact]
    public async Task GivenAReturnThatCameBeforeItsPurchase_WhenThePurchaseAccrues_ThenTheHeldReturnIsReversedAtOnce()
    {
        var customer = $"cus-{Guid.NewGuid():N}";
        var order = Order();
        var returned = new LoyaltyCommand.Reverse(customer, order, "return-1", new Money(40m, "EUR"), "return-1", Now);
        await _loyalty.ExecuteAsync(returned, CancellationToken.None);

        var purchase = new LoyaltyCommand.Accrue(customer, order, Channels.Web, new Money(100m, "EUR"), $"{order}:purchase", Now);
        var accrued = await _loyalty.ExecuteAsync(purchase, CancellationToken.None);

        Assert.Equal(CommandOutcome.Applied, accrued.Outcome);
        Assert.Equal(60L, accrued.Account.Balance);
        Assert.Contains(accrued.Events, e => e is LoyaltyEvent.Reversed { Delta: -40 });
    }
}

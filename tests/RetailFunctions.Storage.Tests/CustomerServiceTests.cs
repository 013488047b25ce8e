using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>Identity resolution, activity, merges and anonymization end to end on a real Azurite.</summary>
public sealed class CustomerServiceTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private CustomerService _service = null!;
    private CustomerService _otherInstance = null!;
    private TableExceptionStore _exceptions = null!;
    private TableCustomerStore _store = null!;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public async Task InitializeAsync()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        _exceptions = new TableExceptionStore(account);
        _store = new TableCustomerStore(account);
        _service = Service(account, _store);
        _otherInstance = Service(account, new TableCustomerStore(account));
    }

    private CustomerService Service(StorageAccount account, ICustomerStore store)
    {
        var options = CustomerOptions.Default with { StoreRegions = new Dictionary<string, string> { ["STORE-US"] = "US" } };
        return new CustomerService(store, new LoyaltyService(new TableLoyaltyStore(account), options, TimeProvider.System), _exceptions, options, TimeProvider.System);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>A UK mobile number no other test uses.</summary>
    private static string NewPhone() => $"07700 9{Random.Shared.Next(0, 99999):D5}";

    private static CustomerActivity Purchase(string key, CustomerReference who, decimal net, string channel = Channels.Pos, string? store = "STORE-9") =>
        new(key, ActivityKind.Purchase, who with { Store = store }, $"order-{key}", channel, store, new Money(net, "EUR"), Now);

    [Fact]
    public async Task GivenATillPurchaseByPhoneAndAWebPurchaseByTheLinkedEmail_ThenOneProfileWithBothPurchasesAndTheirPoints()
    {
        var (phone, email) = (NewPhone(), $"jane.{Unique()}@example.com");
        var till = await _service.RecordActivityAsync(Purchase($"pos-{Unique()}", new CustomerReference(Phone: phone), 40m), CancellationToken.None);
        Assert.Equal("new", till.Resolution);
        await _service.AddContactsAsync(till.CustomerId!, new CustomerReference(Email: email), Now, CancellationToken.None);

        var web = await _service.RecordActivityAsync(Purchase($"web-{Unique()}", new CustomerReference(Channels.Web, Email: email.ToUpperInvariant()), 60m, Channels.Web, null), CancellationToken.None);
        Assert.Equal((till.CustomerId, "email"), (web.CustomerId, web.Resolution));
        var record = (await _service.GetRecordAsync(till.CustomerId!, CancellationToken.None))!;
        Assert.Equal(2, record.History.Count);
        Assert.Equal(100L, record.Loyalty.Balance);
        Assert.Equal([new Money(100m, "EUR")], record.LifetimeValue);
    }

    [Fact]
    public async Task GivenTwoComplementaryProfiles_WhenAnEventCarriesBothIdentifiers_ThenTheyMergeAndThePointsFollow()
    {
        var (phone, email) = (NewPhone(), $"sam.{Unique()}@example.com");
        var till = await _service.RecordActivityAsync(Purchase($"pos-{Unique()}", new CustomerReference(Phone: phone), 30m), CancellationToken.None);
        var web = await _service.RecordActivityAsync(Purchase($"web-{Unique()}", new CustomerReference(Email: email), 20m, Channels.Web, null), CancellationToken.None);
        Assert.NotEqual(till.CustomerId, web.CustomerId);

        var both = await _service.RecordActivityAsync(Purchase($"web-{Unique()}", new CustomerReference(Email: email, Phone: phone), 10m, Channels.Web, null), CancellationToken.None);
        Assert.Equal((web.CustomerId, "bridge:email+phone"), (both.CustomerId, both.Resolution));
        Assert.Equal(60L, both.Balance);
        Assert.Equal(web.CustomerId, await _service.FindAsync(new CustomerReference(Phone: phone), CancellationToken.None));
        var record = (await _service.GetRecordAsync(till.CustomerId!, CancellationToken.None))!;
        Assert.Equal(web.CustomerId, record.Profile.CustomerId);
        Assert.Equal(3, record.History.Count);
        Assert.Equal("bridge:email+phone", Assert.Single(record.Profile.Merges).Rule);
    }

    [Fact]
    public async Task GivenAMerge_WhenReversed_ThenEachProfileStandsAloneWithItsOwnPoints()
    {
        var a = await _service.RecordActivityAsync(Purchase($"a-{Unique()}", new CustomerReference(Email: $"a.{Unique()}@example.com"), 50m), CancellationToken.None);
        var b = await _service.RecordActivityAsync(Purchase($"b-{Unique()}", new CustomerReference(Phone: NewPhone()), 70m), CancellationToken.None);
        var mergeId = await _service.MergeAsync(a.CustomerId!, b.CustomerId!, "manual", "same person at the till", "crm-1", $"m-{Unique()}", Now, CancellationToken.None);
        Assert.Equal(120L, (await _service.GetRecordAsync(a.CustomerId!, CancellationToken.None))!.Loyalty.Balance);

        await _service.ReverseMergeAsync(a.CustomerId!, mergeId, "crm-1", Now, CancellationToken.None);
        await _service.ReverseMergeAsync(a.CustomerId!, mergeId, "crm-1", Now, CancellationToken.None);
        var first = (await _service.GetRecordAsync(a.CustomerId!, CancellationToken.None))!;
        var second = (await _service.GetRecordAsync(b.CustomerId!, CancellationToken.None))!;
        Assert.Equal((50L, 70L), (first.Loyalty.Balance, second.Loyalty.Balance));
        Assert.Equal((1, 1), (first.History.Count, second.History.Count));
        Assert.Equal(b.CustomerId, second.Profile.CustomerId);
    }

    [Fact]
    public async Task GivenAnEmailOnOneProfileAndAPhoneOnAnotherWithADifferentPhone_WhenBothArrive_ThenAnExceptionForTheCrmAndNothingMerges()
    {
        var email = $"kim.{Unique()}@example.com";
        var (phone, otherPhone) = (NewPhone(), NewPhone());
        var web = await _service.RecordActivityAsync(Purchase($"w-{Unique()}", new CustomerReference(Email: email, Phone: otherPhone), 10m), CancellationToken.None);
        var till = await _service.RecordActivityAsync(Purchase($"t-{Unique()}", new CustomerReference(Phone: phone), 10m), CancellationToken.None);

        var key = $"x-{Unique()}";
        var both = await _service.RecordActivityAsync(Purchase(key, new CustomerReference(Email: email, Phone: phone), 10m), CancellationToken.None);
        Assert.Equal(web.CustomerId, both.CustomerId);
        Assert.StartsWith("ambiguous", both.Resolution);
        Assert.Equal(till.CustomerId, await _service.FindAsync(new CustomerReference(Phone: phone), CancellationToken.None));

        var raised = (await _exceptions.ListAsync(Owners.Crm, null, 500, CancellationToken.None)).Single(e => e.SourceMessageId == key);
        Assert.Equal(CustomerService.AmbiguousMatch, raised.Reason);
        Assert.Contains(till.CustomerId!, raised.Detail);
        Assert.DoesNotContain(email, raised.Detail);
        Assert.DoesNotContain("+447", raised.Detail);
    }

    [Fact]
    public async Task GivenTheFirstPurchasesOfOneNewPhoneOnTwoInstancesAtOnce_ThenOneProfileHoldsThemBoth()
    {
        var phone = NewPhone();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? _service : _otherInstance)
            .RecordActivityAsync(Purchase($"race-{Unique()}", new CustomerReference(Phone: phone), 10m), CancellationToken.None)));
        Assert.Single(results.Select(r => r.CustomerId).Distinct());
        Assert.Equal(60L, (await _service.GetRecordAsync(results[0].CustomerId!, CancellationToken.None))!.Loyalty.Balance);
    }

    [Fact]
    public async Task GivenTheSameActivityTwice_ThenItIsInTheHistoryOnceAndEarnsOnce()
    {
        var activity = Purchase($"dup-{Unique()}", new CustomerReference(LoyaltyId: $"L-{Unique()}"), 25m);
        var first = await _service.RecordActivityAsync(activity, CancellationToken.None);
        var second = await _service.RecordActivityAsync(activity, CancellationToken.None);
        Assert.Equal((true, false), (first.Recorded, second.Recorded));
        Assert.Equal((25L, 0L), (first.PointsDelta, second.PointsDelta));
        Assert.Single((await _service.GetRecordAsync(first.CustomerId!, CancellationToken.None))!.History);
    }

    [Fact]
    public async Task GivenAReturningWebShopperThisProcessKnows_WhenTheyBuyAgain_ThenOneProfileReadAndNoIndexReadFindsThem()
    {
        var counting = new CountingCustomerStore(_store);
        var service = Service(StorageAccount.FromConnectionString(azurite.ConnectionString), counting);
        var shopper = new CustomerReference(SourceSystems.Shopify, Unique(), $"ada.{Unique()}@example.com");
        var first = await service.RecordActivityAsync(Purchase($"web-{Unique()}", shopper, 30m, Channels.Web, null), CancellationToken.None);
        Assert.Equal("new", first.Resolution);

        (counting.Finds, counting.Reads) = (0, 0);
        var again = await service.RecordActivityAsync(Purchase($"web-{Unique()}", shopper, 20m, Channels.Web, null), CancellationToken.None);

        Assert.Equal((first.CustomerId, "channel-id", true, 50L), (again.CustomerId, again.Resolution, again.Recorded, again.Balance));
        // The profile the id led to last time, read to match on, lists the id: the index would name it too.
        Assert.Equal((0, 1), (counting.Finds, counting.Reads));
        Assert.Equal(2, (await service.GetRecordAsync(first.CustomerId!, CancellationToken.None))!.History.Count);
    }

    [Fact]
    public async Task GivenAReturningWebShopperAnotherProcessMet_WhenTheyBuyAgainHere_ThenOneIndexReadAndOneProfileReadFindThem()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        var shopper = new CustomerReference(SourceSystems.Shopify, Unique(), $"ada.{Unique()}@example.com");
        var first = await Service(account, _store).RecordActivityAsync(Purchase($"web-{Unique()}", shopper, 30m, Channels.Web, null), CancellationToken.None);
        var counting = new CountingCustomerStore(_store);

        var again = await Service(account, counting).RecordActivityAsync(Purchase($"web-{Unique()}", shopper, 20m, Channels.Web, null), CancellationToken.None);

        Assert.Equal((first.CustomerId, "channel-id", true, 50L), (again.CustomerId, again.Resolution, again.Recorded, again.Balance));
        Assert.Equal((1, 1), (counting.Finds, counting.Reads));
    }

    [Fact]
    public async Task GivenAnEmailHeldByAnotherProfile_WhenAShopperFoundByTheirIdNamesIt_ThenTheEmailIsStillLookedUpAndTheProfilesMerge()
    {
        var (id, email) = (Unique(), $"bo.{Unique()}@example.com");
        var byId = await _service.RecordActivityAsync(Purchase($"web-{Unique()}", new CustomerReference(SourceSystems.Shopify, id), 10m, Channels.Web, null),
            CancellationToken.None);
        var byEmail = await _service.RecordActivityAsync(Purchase($"pos-{Unique()}", new CustomerReference(Email: email), 10m), CancellationToken.None);

        var both = await _service.RecordActivityAsync(Purchase($"web-{Unique()}", new CustomerReference(SourceSystems.Shopify, id, email), 10m, Channels.Web, null),
            CancellationToken.None);

        Assert.Equal((byId.CustomerId, "bridge:channel-id+email"), (both.CustomerId, both.Resolution));
        Assert.Equal(byId.CustomerId, await _service.FindAsync(new CustomerReference(Email: email), CancellationToken.None));
        Assert.NotEqual(byId.CustomerId, byEmail.CustomerId);
    }

    /// <summary>Counts the contact-point index reads and the profile reads the service makes.</summary>
    private sealed class CountingCustomerStore(TableCustomerStore inner) : ICustomerStore
    {
        public int Finds, Reads;

        public Task<string?> FindAsync(ContactPoint point, CancellationToken ct)
        {
            Interlocked.Increment(ref Finds);
            return inner.FindAsync(point, ct);
        }

        public Task<CustomerState> GetAsync(string customerId, CancellationToken ct)
        {
            Interlocked.Increment(ref Reads);
            return inner.GetAsync(customerId, ct);
        }

        public Task<CustomerRow> LoadAsync(string customerId, CancellationToken ct)
        {
            Interlocked.Increment(ref Reads);
            return inner.LoadAsync(customerId, ct);
        }

        public Task<CustomerRow?> TrySaveAsync(string customerId, CustomerRow loaded, CustomerState change, CancellationToken ct) =>
            inner.TrySaveAsync(customerId, loaded, change, ct);
        public Task<bool> ClaimAsync(ContactPoint point, string customerId, CancellationToken ct) => inner.ClaimAsync(point, customerId, ct);
        public Task<IReadOnlyList<string>> HoldersAsync(ContactKind kind, string prefix, CancellationToken ct) => inner.HoldersAsync(kind, prefix, ct);
        public Task ReleaseAsync(ContactPoint point, string customerId, CancellationToken ct) => inner.ReleaseAsync(point, customerId, ct);
        public Task<bool> AddHistoryAsync(string customerId, HistoryEntry entry, CancellationToken ct) => inner.AddHistoryAsync(customerId, entry, ct);
        public Task<bool> TryAddWithHistoryAsync(string customerId, CustomerState state, HistoryEntry first, CancellationToken ct) =>
            inner.TryAddWithHistoryAsync(customerId, state, first, ct);
        public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string customerId, CancellationToken ct) => inner.GetHistoryAsync(customerId, ct);
        public Task LinkOrderAsync(string orderId, string customerId, CancellationToken ct) => inner.LinkOrderAsync(orderId, customerId, ct);
        public Task<string?> FindOrderAsync(string orderId, CancellationToken ct) => inner.FindOrderAsync(orderId, ct);
    }

    [Fact]
    public async Task GivenAReturn_ThenThePointsOfTheReturnedShareAreReversedAndTheValueFalls()
    {
        var who = new CustomerReference(LoyaltyId: $"L-{Unique()}");
        var purchase = Purchase($"p-{Unique()}", who, 80m);
        var bought = await _service.RecordActivityAsync(purchase, CancellationToken.None);
        var returned = await _service.RecordActivityAsync(new CustomerActivity($"r-{Unique()}", ActivityKind.Return, who, $"ret-{Unique()}", Channels.Pos, "STORE-9",
            new Money(20m, "EUR"), Now, purchase.OrderId), CancellationToken.None);
        Assert.Equal(-20L, returned.PointsDelta);
        var record = (await _service.GetRecordAsync(bought.CustomerId!, CancellationToken.None))!;
        Assert.Equal(60L, record.Loyalty.Balance);
        Assert.Equal([new Money(60m, "EUR")], record.LifetimeValue);
    }

    [Fact]
    public async Task GivenAReturnThatNamesNoShopper_ThenTheBuyerOfTheOriginalOrderIsFoundAndTheirPointsReversed()
    {
        var purchase = Purchase($"p-{Unique()}", new CustomerReference(Phone: NewPhone()), 50m);
        var bought = await _service.RecordActivityAsync(purchase, CancellationToken.None);
        var returned = await _service.RecordActivityAsync(new CustomerActivity($"r-{Unique()}", ActivityKind.Return, new CustomerReference(), $"ret-{Unique()}",
            Channels.Web, null, new Money(50m, "EUR"), Now, purchase.OrderId), CancellationToken.None);
        Assert.Equal((bought.CustomerId, "original-order", -50L), (returned.CustomerId, returned.Resolution, returned.PointsDelta));
    }

    [Fact]
    public async Task GivenNoUsableIdentifier_ThenNoProfileAndNoPoints()
    {
        var result = await _service.RecordActivityAsync(Purchase($"anon-{Unique()}", new CustomerReference(Phone: "n/a"), 10m), CancellationToken.None);
        Assert.Null(result.CustomerId);
        Assert.Equal("unidentified", result.Resolution);
    }

    [Fact]
    public async Task GivenANationalNumberAtAStoreInAnotherRegion_ThenItIsReadInThatStoresRegion()
    {
        var at = await _service.RecordActivityAsync(Purchase($"us-{Unique()}", new CustomerReference(Phone: $"(201) 555-{Random.Shared.Next(1000, 9999)}"), 10m, store: "STORE-US"), CancellationToken.None);
        var profile = Assert.IsType<CustomerState.Active>(await _store.GetAsync(at.CustomerId!, CancellationToken.None)).Profile;
        Assert.StartsWith("+1201555", Assert.Single(profile.Contacts).Value);
    }

    [Fact]
    public async Task GivenAWebStoreCustomer_WhenUpserted_ThenNamesConsentAndContactsAreOnTheProfile()
    {
        var id = Random.Shared.NextInt64(1_000_000, long.MaxValue).ToString();
        var snapshot = new CustomerSnapshot(id, $"lee.{Unique()}@example.com", NewPhone().Replace("07700", "+447700"), "Lee", "Park", Now, true, false, null);
        var resolved = await _service.UpsertFromShopifyAsync("demo.myshopify.com", snapshot, Now, CancellationToken.None);
        var profile = Assert.IsType<CustomerState.Active>(await _store.GetAsync(resolved!.CustomerId, CancellationToken.None)).Profile;
        Assert.Equal(("Lee", "Park"), (profile.FirstName, profile.LastName));
        Assert.True(profile.Consent[ConsentPurposes.Email].Granted);
        Assert.False(profile.Consent[ConsentPurposes.Sms].Granted);
        Assert.Equal(3, profile.Contacts.Count);

        var again = await _service.UpsertFromShopifyAsync("demo.myshopify.com", snapshot with { AcceptsEmailMarketing = true, UpdatedAt = Now.AddDays(-1) }, Now, CancellationToken.None);
        Assert.Equal(resolved.CustomerId, again!.CustomerId);
    }

    [Fact]
    public async Task GivenARedactRequest_ThenPersonalDataAndLookupsAreGoneButHistoryAndPointsStay()
    {
        var id = Random.Shared.NextInt64(1_000_000, long.MaxValue).ToString();
        var email = $"ria.{Unique()}@example.com";
        var bought = await _service.RecordActivityAsync(Purchase($"p-{Unique()}", new CustomerReference("shopify", id, email), 45m, Channels.Web, null), CancellationToken.None);

        var redact = ShopifyCustomerRedact.Parse(System.Text.Encoding.UTF8.GetBytes(
            $$"""{"shop_id": 954889, "shop_domain": "demo.myshopify.com", "customer": {"id": {{id}}, "email": "{{email}}", "phone": null}, "orders_to_redact": [299938, 280263]}"""));
        Assert.Equal(1, await _service.RedactAsync(redact, Now, CancellationToken.None));
        Assert.Equal(0, await _service.RedactAsync(redact, Now, CancellationToken.None));

        Assert.Null(await _service.FindAsync(new CustomerReference(Email: email), CancellationToken.None));
        Assert.IsType<CustomerState.Anonymized>(await _store.GetAsync(bought.CustomerId!, CancellationToken.None));
        var record = (await _service.GetRecordAsync(bought.CustomerId!, CancellationToken.None))!;
        Assert.Empty(record.Combined.Contacts);
        Assert.Null(record.Combined.FirstName);
        Assert.Single(record.History);
        Assert.Equal(45L, record.Loyalty.Balance);
    }
}

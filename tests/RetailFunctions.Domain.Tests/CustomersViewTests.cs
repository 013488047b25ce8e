using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;

namespace RetailFunctions.Domain.Tests;

public sealed class CustomersViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static CustomerRecord Record()
    {
        var profile = CustomerProfile.New("C1", Now.AddDays(-10)) with
        {
            FirstName = "Jane",
            LastName = "Doe",
            Contacts = [new(ContactKind.Email, "jane@example.com"), new(ContactKind.Phone, "+447700900123")],
            Consent = new Dictionary<string, ConsentChoice> { [ConsentPurposes.Email] = new(true, "web", Now) },
            Notes = [new ServiceNote("n1", Now, "associate-7", "prefers size M")],
        };
        var absorbed = CustomerProfile.New("C2", Now.AddDays(-20)) with
        {
            Contacts = [new(ContactKind.LoyaltyId, "L-1")],
            Consent = new Dictionary<string, ConsentChoice> { [ConsentPurposes.Email] = new(false, "pos", Now.AddMinutes(1)) },
            PreferredStore = "STORE-9",
        };
        var history = new List<HistoryEntry>
        {
            new("k1", ActivityKind.Purchase, "pos-1", null, Channels.Pos, "STORE-9", new Money(100m, "EUR"), Now.AddDays(-9), "C2"),
            new("k2", ActivityKind.Purchase, "web-1", null, Channels.Web, null, new Money(50m, "EUR"), Now.AddDays(-1), "C1"),
            new("k3", ActivityKind.Return, "ret-1", "web-1", Channels.Web, null, new Money(20m, "EUR"), Now, "C1"),
        };
        var loyalty = new LoyaltySummary(120, 120, "member", 130m, 1.2m, "EUR", [new LoyaltyEntry(1, "accrual", 100, 100, "pos-1", null, Now)]);
        return new CustomerRecord(profile, [absorbed], history, loyalty);
    }

    private static string[] Fields(object view) => view.GetType().GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void GivenAStoreAssociate_WhenReadingAProfile_ThenHistoryLoyaltyConsentNotesAndOnlyMaskedContacts()
    {
        var view = Assert.IsType<StoreAssociateView>(CustomerViews.For(CustomerRoles.StoreAssociate, Record(), Now));
        Assert.Equal(["Consent", "CustomerId", "FirstName", "History", "LastName", "Loyalty", "MaskedContacts", "Notes", "PreferredStore"], Fields(view));
        Assert.Equal(["j***@example.com", "+44*******123"], view.MaskedContacts);
        Assert.Equal(3, view.History.Count);
    }

    [Fact]
    public void GivenMarketing_WhenReadingAProfile_ThenSegmentsConsentTierAndStoreOnly()
    {
        var view = Assert.IsType<MarketingView>(CustomerViews.For(CustomerRoles.Marketing, Record(), Now));
        Assert.Equal(["Consent", "CustomerId", "PreferredStore", "Segments", "Tier"], Fields(view));
        Assert.Equal(["tier:member", "omnichannel", "repeat-buyer", "new"], view.Segments);
    }

    [Fact]
    public void GivenFinance_WhenReadingAProfile_ThenTransactionsValueAndLedgerWithoutNotesOrContacts()
    {
        var view = Assert.IsType<FinanceView>(CustomerViews.For(CustomerRoles.Finance, Record(), Now));
        Assert.Equal(["Currency", "CustomerId", "Ledger", "LifetimeValue", "PointsBalance", "PointsValue", "Transactions"], Fields(view));
        Assert.Equal([new Money(130m, "EUR")], view.LifetimeValue);
    }

    [Fact]
    public void GivenTheCrm_WhenReadingAProfile_ThenEverythingIncludingContactsAndMerges()
    {
        var view = Assert.IsType<CrmView>(CustomerViews.For(CustomerRoles.Crm, Record(), Now));
        Assert.Equal(["Consent", "Contacts", "CreatedAt", "CustomerId", "FirstName", "History", "LastName", "LifetimeValue", "Loyalty", "Merges",
            "Notes", "PreferredStore", "Segments", "UpdatedAt"], Fields(view));
        Assert.Equal(3, view.Contacts.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("inventory-manager")]
    public void GivenARoleThatMayNotRead_WhenReadingAProfile_ThenForbidden(string? role) =>
        Assert.Equal(RefusalKind.Forbidden, Assert.Throws<Refused>(() => CustomerViews.For(role, Record(), Now)).Kind);

    [Fact]
    public void GivenAnAbsorbedProfile_WhenCombined_ThenTheNewestConsentWinsAndTheAbsorbedStoreFillsTheGap()
    {
        var record = Record();
        Assert.False(record.Combined.Consent[ConsentPurposes.Email].Granted);
        Assert.Equal("STORE-9", record.PreferredStore);
    }
}

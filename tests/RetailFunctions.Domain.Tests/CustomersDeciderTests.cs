using RetailFunctions.Domain.Customers;
using static RetailFunctions.Domain.Customers.CustomerCommand;

namespace RetailFunctions.Domain.Tests;

public sealed class CustomersDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly ContactPoint Email = new(ContactKind.Email, "jane@example.com");
    private static readonly ContactPoint Phone = new(ContactKind.Phone, "+447700900123");

    private static CustomerState Run(CustomerState state, CustomerCommand command) =>
        CustomerDecider.Evolve(state, CustomerDecider.Decide(command, state));

    private static CustomerState.Active ActiveJane(params (string Purpose, bool Granted, DateTimeOffset At)[] consent)
    {
        var choices = consent.ToDictionary(c => c.Purpose, c => new ConsentChoice(c.Granted, "web", c.At));
        return Assert.IsType<CustomerState.Active>(Run(CustomerState.None, new Register("C1", [Email], "Jane", "Doe", choices, "STORE-9", Now)));
    }

    [Fact]
    public void GivenNoProfile_WhenRegistered_ThenActiveWithContactsNamesConsentAndStore()
    {
        var profile = ActiveJane((ConsentPurposes.Email, true, Now)).Profile;
        Assert.Equal(("Jane", "Doe", "STORE-9"), (profile.FirstName, profile.LastName, profile.PreferredStore));
        Assert.Equal([Email], profile.Contacts);
        Assert.True(profile.Consent[ConsentPurposes.Email].Granted);
    }

    [Fact]
    public void GivenAnActiveProfile_WhenTheSameRegistrationArrivesAgain_ThenNoEvents()
    {
        var jane = ActiveJane((ConsentPurposes.Email, true, Now));
        Assert.Empty(CustomerDecider.Decide(new Register("C1", [Email], "Jane", "Doe",
            new Dictionary<string, ConsentChoice> { [ConsentPurposes.Email] = new(true, "web", Now) }, "STORE-9", Now), jane));
    }

    [Fact]
    public void GivenAWithdrawal_WhenAnOlderOptInArrives_ThenTheWithdrawalStands()
    {
        var jane = ActiveJane((ConsentPurposes.Sms, false, Now));
        Assert.Empty(CustomerDecider.Decide(new RecordConsent("C1", ConsentPurposes.Sms, new ConsentChoice(true, "pos", Now.AddDays(-1))), jane));
    }

    [Fact]
    public void GivenAnOptIn_WhenANewerWithdrawalArrives_ThenItWins()
    {
        var jane = Run(ActiveJane((ConsentPurposes.Sms, true, Now)), new RecordConsent("C1", ConsentPurposes.Sms, new ConsentChoice(false, "pos", Now.AddMinutes(1))));
        Assert.False(Assert.IsType<CustomerState.Active>(jane).Profile.Consent[ConsentPurposes.Sms].Granted);
    }

    [Fact]
    public void GivenAnOptIn_WhenAWithdrawalArrivesAtTheSameInstant_ThenTheWithdrawalWins()
    {
        var jane = Run(ActiveJane((ConsentPurposes.Email, true, Now)), new RecordConsent("C1", ConsentPurposes.Email, new ConsentChoice(false, "crm", Now)));
        Assert.False(Assert.IsType<CustomerState.Active>(jane).Profile.Consent[ConsentPurposes.Email].Granted);
    }

    [Fact]
    public void GivenAWithdrawal_WhenANewerExplicitOptInArrives_ThenTheOptInWins()
    {
        var jane = Run(ActiveJane((ConsentPurposes.Email, false, Now)), new RecordConsent("C1", ConsentPurposes.Email, new ConsentChoice(true, "web", Now.AddDays(1))));
        Assert.True(Assert.IsType<CustomerState.Active>(jane).Profile.Consent[ConsentPurposes.Email].Granted);
    }

    [Fact]
    public void GivenAnUnknownPurpose_WhenConsentIsRecorded_ThenRefusedNamingThePurpose()
    {
        var refused = Assert.Throws<Refused>(() => CustomerDecider.Decide(new RecordConsent("C1", "fax", new ConsentChoice(true, "web", Now)), ActiveJane()));
        Assert.Equal((RefusalKind.Invalid, "purpose"), (refused.Kind, refused.Field));
    }

    [Fact]
    public void GivenAProfile_WhenANewContactIsLinkedTwice_ThenItIsLinkedOnce()
    {
        var linked = Run(ActiveJane(), new LinkContacts("C1", [Phone, Email], Now));
        Assert.Equal([Email, Phone], Assert.IsType<CustomerState.Active>(linked).Profile.Contacts);
        Assert.Empty(CustomerDecider.Decide(new LinkContacts("C1", [Phone], Now), linked));
    }

    [Fact]
    public void GivenANote_WhenAddedAgainWithTheSameId_ThenNoEvents()
    {
        var note = new ServiceNote("n1", Now, "associate-7", "prefers size M");
        var state = Run(ActiveJane(), new AddNote("C1", note));
        Assert.Empty(CustomerDecider.Decide(new AddNote("C1", note), state));
    }

    [Fact]
    public void GivenAnEmptyNote_WhenAdded_ThenRefusedNamingTheText() =>
        Assert.Equal("text", Assert.Throws<Refused>(() => CustomerDecider.Decide(new AddNote("C1", new ServiceNote("n1", Now, "a", " ")), ActiveJane())).Field);

    [Fact]
    public void GivenTwoProfiles_WhenMergedAndReversed_ThenBothAreAsBeforeWithTheMergeKeptAsHistory()
    {
        var merge = new MergeRecord("m1", "C2", "manual", "same person", "crm-1", Now);
        var survivor = Run(ActiveJane(), new Absorb("C1", merge));
        var absorbed = Run(new CustomerState.Active(CustomerProfile.New("C2", Now)), new MarkMerged("C2", "C1", "m1", Now));
        Assert.Equal("C1", Assert.IsType<CustomerState.Merged>(absorbed).Into);
        Assert.Equal(["C2"], Assert.IsType<CustomerState.Active>(survivor).Profile.AbsorbedIds);

        survivor = Run(survivor, new ReverseMerge("C1", "m1", "crm-1", Now.AddHours(1)));
        absorbed = Run(absorbed, new Restore("C2", "m1", Now.AddHours(1)));
        Assert.IsType<CustomerState.Active>(absorbed);
        var merges = Assert.IsType<CustomerState.Active>(survivor).Profile.Merges;
        Assert.Equal(Now.AddHours(1), Assert.Single(merges).ReversedAt);
        Assert.Empty(Assert.IsType<CustomerState.Active>(survivor).Profile.AbsorbedIds);
        Assert.Empty(CustomerDecider.Decide(new ReverseMerge("C1", "m1", "crm-1", Now.AddHours(2)), survivor));
    }

    [Fact]
    public void GivenAMergedProfile_WhenChangedDirectly_ThenRefusedPointingAtTheSurvivor()
    {
        var merged = new CustomerState.Merged(CustomerProfile.New("C2", Now), "C1", "m1");
        var refused = Assert.Throws<Refused>(() => CustomerDecider.Decide(new AddNote("C2", new ServiceNote("n", Now, "a", "x")), merged));
        Assert.Equal(RefusalKind.Conflict, refused.Kind);
        Assert.Contains("C1", refused.Reason);
    }

    [Fact]
    public void GivenAProfileThatAbsorbedAnother_WhenItIsMergedIntoThatOne_ThenRefused()
    {
        var survivor = Run(ActiveJane(), new Absorb("C1", new MergeRecord("m1", "C2", "manual", "same", "crm", Now)));
        Assert.Equal(RefusalKind.Conflict, Assert.Throws<Refused>(() => CustomerDecider.Decide(new MarkMerged("C1", "C2", "m2", Now), survivor)).Kind);
    }

    [Fact]
    public void GivenAProfile_WhenAnonymized_ThenPersonalDataIsGoneTheContactsAreListedForUnindexingAndASecondRequestIsANoOp()
    {
        var jane = Run(ActiveJane(), new LinkContacts("C1", [Phone], Now));
        var events = CustomerDecider.Decide(new Anonymize("C1", "customers/redact", Now), jane);
        Assert.Equal([Email, Phone], Assert.IsType<CustomerEvent.Anonymized>(Assert.Single(events)).Removed);
        var anonymized = Assert.IsType<CustomerState.Anonymized>(CustomerDecider.Evolve(jane, events));
        Assert.Equal("C1", anonymized.CustomerId);
        Assert.Empty(CustomerDecider.Decide(new Anonymize("C1", "again", Now), anonymized));
    }

    [Fact]
    public void GivenNoProfile_WhenANoteIsAdded_ThenNotFound() =>
        Assert.Equal(RefusalKind.NotFound, Assert.Throws<Refused>(() => CustomerDecider.Decide(new AddNote("C9", new ServiceNote("n", Now, "a", "x")), CustomerState.None)).Kind);
}

using RetailFunctions.Domain.Customers;

namespace RetailFunctions.Domain.Tests;

public sealed class CustomersResolutionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly ContactPoint Email = new(ContactKind.Email, "jane@example.com");
    private static readonly ContactPoint Phone = new(ContactKind.Phone, "+447700900123");
    private static readonly ContactPoint OtherPhone = new(ContactKind.Phone, "+447700900999");
    private static readonly ContactPoint Card = new(ContactKind.LoyaltyId, "L-1");

    private static CustomerProfile Profile(string id, int ageDays, params ContactPoint[] contacts) =>
        CustomerProfile.New(id, Now.AddDays(-ageDays)) with { Contacts = contacts };

    [Fact]
    public void GivenNoIdentifiers_WhenResolved_ThenUnidentified() =>
        Assert.IsType<Resolution.Unidentified>(IdentityResolver.Resolve([], []));

    [Fact]
    public void GivenNoMatch_WhenResolved_ThenANewProfileWithEveryIdentifier() =>
        Assert.Equal([Email, Phone], Assert.IsType<Resolution.New>(IdentityResolver.Resolve([Email, Phone], [])).Contacts);

    [Fact]
    public void GivenOneProfileMatchedByPhone_WhenAnEmailComesWithIt_ThenMatchedAndTheEmailIsLinked()
    {
        var till = Profile("C1", 3, Phone);
        var matched = Assert.IsType<Resolution.Matched>(IdentityResolver.Resolve([Email, Phone], [new(Phone, till)]));
        Assert.Equal(("C1", "phone"), (matched.CustomerId, matched.Rule));
        Assert.Equal([Email], matched.ToLink);
    }

    [Fact]
    public void GivenTwoComplementaryProfiles_WhenAnEventBridgesThem_ThenTheStrongerRulesProfileAbsorbsTheOther()
    {
        var web = Profile("C-web", 1, Email);
        var till = Profile("C-till", 5, Phone);
        var merge = Assert.IsType<Resolution.Merge>(IdentityResolver.Resolve([Email, Phone], [new(Email, web), new(Phone, till)]));
        Assert.Equal(("C-web", "C-till", "bridge:email+phone"), (merge.SurvivorId, merge.AbsorbedId, merge.Rule));
    }

    [Fact]
    public void GivenAnEmailProfileWithAnotherPhone_WhenThePhoneMatchesASecondProfile_ThenAmbiguousForTheCrmAndNothingMerges()
    {
        var web = Profile("C-web", 1, Email, OtherPhone);
        var till = Profile("C-till", 5, Phone);
        var ambiguous = Assert.IsType<Resolution.Ambiguous>(IdentityResolver.Resolve([Email, Phone], [new(Email, web), new(Phone, till)]));
        Assert.Equal("C-web", ambiguous.CustomerId);
        Assert.Equal(["C-web", "C-till"], ambiguous.Candidates);
        Assert.Contains("phone", ambiguous.Reason);
        Assert.DoesNotContain("+44", ambiguous.Reason);
    }

    [Fact]
    public void GivenALoyaltyCardAndAnEmailOnDifferentProfiles_WhenResolved_ThenTheCardRuleComesFirst()
    {
        var card = Profile("C-card", 1, Card);
        var web = Profile("C-web", 100, Email);
        var merge = Assert.IsType<Resolution.Merge>(IdentityResolver.Resolve([Email, Card], [new(Email, web), new(Card, card)]));
        Assert.Equal(("C-card", "bridge:loyalty-id+email"), (merge.SurvivorId, merge.Rule));
    }

    [Fact]
    public void GivenTwoShopifyAccounts_WhenBridged_ThenAmbiguous()
    {
        var a = Profile("A", 1, new ContactPoint(ContactKind.ChannelId, "shopify:1"), Email);
        var b = Profile("B", 1, new ContactPoint(ContactKind.ChannelId, "shopify:2"), Phone);
        Assert.IsType<Resolution.Ambiguous>(IdentityResolver.Resolve([Email, Phone], [new(Email, a), new(Phone, b)]));
    }

    [Fact]
    public void GivenThreeProfiles_WhenResolved_ThenAmbiguous()
    {
        var card = new ContactPoint(ContactKind.LoyaltyId, "L-9");
        Assert.IsType<Resolution.Ambiguous>(IdentityResolver.Resolve([Email, Phone, card],
            [new(Email, Profile("A", 1, Email)), new(Phone, Profile("B", 1, Phone)), new(card, Profile("C", 1, card))]));
    }
}

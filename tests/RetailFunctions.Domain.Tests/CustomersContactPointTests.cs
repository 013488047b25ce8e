using PhoneNumbers;
using RetailFunctions.Domain.Customers;
using E164 = RetailFunctions.Domain.Customers.PhoneNumbers;

namespace RetailFunctions.Domain.Tests;

public sealed class CustomersContactPointTests
{
    [Theory]
    [InlineData("  Jane.Doe@Example.COM ", "jane.doe@example.com")]
    [InlineData("J.a.n.e+shoes@GoogleMail.com", "jane@gmail.com")]
    [InlineData("jane.doe+news@gmail.com", "janedoe@gmail.com")]
    [InlineData("jane.doe+news@outlook.com", "jane.doe+news@outlook.com")]
    public void GivenAnEmail_WhenNormalized_ThenCaseAndBlanksGoAndOnlyDocumentedProviderRulesApply(string raw, string expected) =>
        Assert.Equal(expected, EmailAddresses.Normalize(raw));

    [Theory]
    [InlineData("jane")]
    [InlineData("jane@localhost")]
    [InlineData("@example.com")]
    [InlineData("jane doe@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("+tag@gmail.com")]
    public void GivenSomethingThatIsNoEmail_WhenNormalized_ThenNull(string raw) => Assert.Null(EmailAddresses.Normalize(raw));

    [Theory]
    [InlineData("020 7946 0018", "GB", "+442079460018")]
    [InlineData("+44 (0)20 7946 0018", "US", "+442079460018")]
    [InlineData("0044 20 7946 0018", "DE", "+442079460018")]
    [InlineData("(201) 555-0123", "US", "+12015550123")]
    [InlineData("1-201-555-0123", "US", "+12015550123")]
    [InlineData("011 44 20 7946 0018", "US", "+442079460018")]
    [InlineData("06 12 34 56 78", "FR", "+33612345678")]
    [InlineData("02 1234 5678", "IT", "+390212345678")]
    [InlineData("030 123456 ext. 12", "DE", "+4930123456")]
    [InlineData("+81 3-1234-5678", "GB", "+81312345678")]
    public void GivenAPhone_WhenNormalizedForTheStoreRegion_ThenE164(string raw, string region, string expected) =>
        Assert.Equal(expected, E164.ToE164(raw, region));

    [Theory]
    [InlineData("12345", "GB")]
    [InlineData("call me", "GB")]
    [InlineData("555-0123", "US")]
    [InlineData("020 7946 0018", "XX")]
    [InlineData("+44 20", "GB")]
    public void GivenTextThatIsNoNumberOfTheRegion_WhenNormalized_ThenNullRatherThanAGuess(string raw, string region) =>
        Assert.Null(E164.ToE164(raw, region));

    /// <summary>libphonenumber's example numbers of every supported region, written nationally and internationally.</summary>
    /// <summary>(Each written form comes with the region it is written in: an out-of-country form, the caller's.)</summary>
    public static TheoryData<string, string, string> ExampleNumbers()
    {
        var util = PhoneNumberUtil.GetInstance();
        var data = new TheoryData<string, string, string>();
        foreach (var region in E164.Regions.Keys.Order(StringComparer.Ordinal))
        {
            foreach (var type in new[] { PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE })
            {
                if (util.GetExampleNumberForType(region, type) is not { } example) continue;
                var expected = util.Format(example, PhoneNumberFormat.E164);
                data.Add(region, util.Format(example, PhoneNumberFormat.NATIONAL), expected);
                data.Add(region, util.Format(example, PhoneNumberFormat.INTERNATIONAL), expected);
                var caller = region == "US" ? "GB" : "US";
                data.Add(caller, util.FormatOutOfCountryCallingNumber(example, caller), expected);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleNumbers))]
    public void GivenAnyWayANumberIsWritten_WhenNormalized_ThenTheSameE164AsLibphonenumber(string region, string written, string expected) =>
        Assert.Equal(expected, E164.ToE164(written, region));

    [Fact]
    public void GivenAReferenceWithEveryIdentifier_WhenNormalized_ThenEachBecomesAContactPointAndBadOnesAreNamed()
    {
        var normalized = ContactPoints.Normalize(new CustomerReference("shopify", " 207119551 ", "Jane@Example.com", "not a phone", " L-000123 ", "STORE-9"), "GB");
        Assert.Equal(
            ["loyalty:L-000123", "channel:shopify:207119551", "email:jane@example.com"],
            normalized.Points.Select(p => p.Key).ToArray());
        Assert.Equal(["phone"], normalized.Unusable);
    }
}

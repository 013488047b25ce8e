using System.Text;
using System.Text.Json;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

public sealed class ShopifyHmacTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":450789469,\"note\":\"hello\"}");

    public static TheoryData<string> VectorIds()
    {
        var data = new TheoryData<string>();
        if (SharedFixtures.Root is null)
        {
            data.Add("(fixtures absent)");
            return data;
        }
        foreach (var vector in LoadVectors().EnumerateArray())
            data.Add(vector.GetProperty("id").GetString()!);
        return data;
    }

    [SharedFixtureTheory]
    [MemberData(nameof(VectorIds))]
    public void PublishedAndDerivedVectors_VerifyAsExpected(string id)
    {
        var vector = LoadVectors().EnumerateArray().Single(v => v.GetProperty("id").GetString() == id);
        var body = Encoding.UTF8.GetBytes(vector.GetProperty("body").GetString()!);
        var header = vector.GetProperty("headers").GetProperty("X-Shopify-Hmac-Sha256").GetString();
        var secret = vector.GetProperty("secret").GetString()!;

        Assert.Equal(vector.GetProperty("expected_valid").GetBoolean(), ShopifyHmac.IsValid(body, header, [secret]));
        if (vector.TryGetProperty("computed_hmac_base64_of_this_body", out var computed))
            Assert.Equal(computed.GetString(), ShopifyHmac.Sign(body, secret));
        if (vector.TryGetProperty("expected_hmac_base64", out var expected))
            Assert.Equal(expected.GetString(), ShopifyHmac.Sign(body, secret));
    }

    [Fact]
    public void GivenRotation_WhenSignedWithSecondSecret_ThenAccepted()
    {
        var header = ShopifyHmac.Sign(Body, "new-secret");
        Assert.True(ShopifyHmac.IsValid(Body, header, ["old-secret", "new-secret"]));
        Assert.False(ShopifyHmac.IsValid(Body, header, ["old-secret"]));
    }

    [Fact]
    public void GivenTamperedBody_ThenRejected()
    {
        var header = ShopifyHmac.Sign(Body, "s3cret");
        var tampered = Encoding.UTF8.GetBytes("{\"id\":450789469,\"note\":\"hellO\"}");
        Assert.True(ShopifyHmac.IsValid(Body, header, ["s3cret"]));
        Assert.False(ShopifyHmac.IsValid(tampered, header, ["s3cret"]));
    }

    [Fact]
    public void GivenWrongSecret_ThenRejected() =>
        Assert.False(ShopifyHmac.IsValid(Body, ShopifyHmac.Sign(Body, "attacker"), ["s3cret"]));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    [InlineData("+R9TwYM4mbLTk3hEAOBkpA7zW2lc9vNFmVKs2u2jtyY")]
    public void GivenMissingOrMalformedHeader_ThenRejectedWithoutThrowing(string? header) =>
        Assert.False(ShopifyHmac.IsValid(Body, header, ["s3cret"]));

    [Fact]
    public void GivenNoSecrets_ThenRejected() =>
        Assert.False(ShopifyHmac.IsValid(Body, ShopifyHmac.Sign(Body, "s3cret"), []));

    [Fact]
    public void Sign_MatchesPublishedShopifyExample() =>
        Assert.Equal(
            "+R9TwYM4mbLTk3hEAOBkpA7zW2lc9vNFmVKs2u2jtyY=",
            ShopifyHmac.Sign("{\"foo\":\"bar\"}"u8, "7008c5f4da4718b9b45d26d3fcbbb157"));

    private static JsonElement LoadVectors()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedFixtures.PathOf("shopify/hmac/webhook_hmac_test_vectors.json")));
        return document.RootElement.GetProperty("vectors").Clone();
    }
}

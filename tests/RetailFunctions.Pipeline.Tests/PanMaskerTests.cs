using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

public sealed class PanMaskerTests
{
    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("5105105105105100", true)]
    [InlineData("79927398713", true)]
    [InlineData("41111111a1111111", false)]
    [InlineData("", false)]
    public void Luhn_ChecksDigits(string digits, bool valid) => Assert.Equal(valid, Luhn.IsValid(digits));

    [Theory]
    [InlineData("4111 1111 1111 1111", "************1111", 1)]
    [InlineData("4111-1111-1111-1111", "************1111", 1)]
    [InlineData("4111111111111111", "************1111", 1)]
    [InlineData("paid with 5105105105105100, thanks", "paid with ************5100, thanks", 1)]
    [InlineData("4111111111111111 and 4012888888881881", "************1111 and ************1881", 2)]
    // Amex, 15 digits, 4-6-5 grouping.
    [InlineData("3782 822463 10005", "***********0005", 1)]
    // A PAN followed by a quantity still masks the PAN, not the quantity.
    [InlineData("4111 1111 1111 1111 12", "************1111 12", 1)]
    public void MaskText_MasksWholeRunKeepingLastFour(string text, string expected, int count)
    {
        var (masked, n) = PanMasker.MaskText(text);
        Assert.Equal(expected, masked);
        Assert.Equal(count, n);
    }

    [Theory]
    // Fails Luhn.
    [InlineData("4111 1111 1111 1112")]
    // Too short, too long.
    [InlineData("411111111111")]
    [InlineData("00000000000000400000666770")]
    // Double separators break a run into numbers too short to be a PAN.
    [InlineData("4111  1111  1111  1111")]
    [InlineData("order 450789469 qty 3")]
    public void MaskText_LeavesNonPansAlone(string text)
    {
        var (masked, n) = PanMasker.MaskText(text);
        Assert.Same(text, masked);
        Assert.Equal(0, n);
    }

    [Fact]
    public void MaskShopifyJson_WithoutPanShapedDigits_ReturnsInputUnparsed()
    {
        var body = Encoding.UTF8.GetBytes("{\"id\":450789469,\"note\":\"no card here\",\"x\":[1,2]}").AsMemory();
        var result = PanMasker.MaskShopifyJson(body);
        Assert.Equal(0, result.Masked);
        Assert.True(result.Body.Equals(body));
    }

    [Fact]
    public void MaskShopifyJson_LuhnValidIdsOnly_AreUntouchedAndBodyNotRewritten()
    {
        // Both ids pass Luhn; only free text may ever be masked.
        var body = Encoding.UTF8.GetBytes(
            "{\"id\":4111111111111111,\"variant_id\":\"5105105105105100\",\"token\":\"4012888888881881\",\"phone\":\"4111 1111 1111 1111\",\"note\":\"ok\"}").AsMemory();
        var result = PanMasker.MaskShopifyJson(body);
        Assert.Equal(0, result.Masked);
        Assert.True(result.Body.Equals(body));
    }

    [Fact]
    public void MaskShopifyJson_MasksFreeTextAtAnyDepth_AndKeepsIdsExact()
    {
        var json = """
            {"id":4111111111111111,"note":"card 4111 1111 1111 1111","admin_graphql_api_id":"gid://shopify/Order/4111111111111111",
             "billing_address":{"address1":"5105105105105100 Main St","company":"4012-8888-8888-1881","name":"4111111111111111","phone":"4111111111111111"},
             "note_attributes":[{"name":"4111111111111111","value":"4111111111111111"},{"name":"n","value":4111111111111111}],
             "line_items":[{"id":5105105105105100,"variant_id":4111111111111111,"properties":[{"name":"Engraving","value":"for 4111-1111-1111-1111 ✓"}]}],
             "payment_details":{"credit_card_number":"4111111111111111"},
             "customer":{"customer_note":"4111111111111111","order_number":4111111111111111}}
            """;
        var result = PanMasker.MaskShopifyJson(Encoding.UTF8.GetBytes(json));
        Assert.Equal(7, result.Masked);

        var node = JsonNode.Parse(result.Body.Span)!;
        Assert.Equal("4111111111111111", node["id"]!.ToJsonString());
        Assert.Equal("gid://shopify/Order/4111111111111111", (string?)node["admin_graphql_api_id"]);
        Assert.Equal("card ************1111", (string?)node["note"]);
        Assert.Equal("************5100 Main St", (string?)node["billing_address"]!["address1"]);
        Assert.Equal("************1881", (string?)node["billing_address"]!["company"]);
        Assert.Equal("4111111111111111", (string?)node["billing_address"]!["name"]);
        Assert.Equal("4111111111111111", (string?)node["billing_address"]!["phone"]);
        Assert.Equal("4111111111111111", (string?)node["note_attributes"]![0]!["name"]);
        Assert.Equal("************1111", (string?)node["note_attributes"]![0]!["value"]);
        Assert.Equal("4111111111111111", node["note_attributes"]![1]!["value"]!.ToJsonString());
        Assert.Equal("5105105105105100", node["line_items"]![0]!["id"]!.ToJsonString());
        Assert.Equal("4111111111111111", node["line_items"]![0]!["variant_id"]!.ToJsonString());
        Assert.Equal("for ************1111 ✓", (string?)node["line_items"]![0]!["properties"]![0]!["value"]);
        Assert.Equal("************1111", (string?)node["payment_details"]!["credit_card_number"]);
        Assert.Equal("************1111", (string?)node["customer"]!["customer_note"]);
        Assert.Equal("4111111111111111", node["customer"]!["order_number"]!.ToJsonString());
        Assert.DoesNotContain("\\u2713", Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public void MaskShopifyJson_InvalidJsonWithPanShapedDigits_ThrowsPayloadException() =>
        Assert.Throws<PayloadException>(() => PanMasker.MaskShopifyJson(Encoding.UTF8.GetBytes("{\"note\":\"4111111111111111\"")));

    [Fact]
    public void MaskPosJson_MasksTenderAccountsAndNotes_NotIds()
    {
        var body = Samples.Bytes("pos_batch.json");
        var result = PanMasker.MaskPosJson(body);
        Assert.Equal(2, result.Masked);
        var node = JsonNode.Parse(result.Body.Span)!;
        var sale = node["transactions"]![0]!;
        Assert.Equal("************1111", (string?)sale["tenders"]![0]!["account"]);
        Assert.Equal("customer read card ************1111 aloud", (string?)sale["notes"]);
        Assert.Equal("0012345678905", (string?)sale["lines"]![0]!["barcode"]);
    }

    [Fact]
    public void MaskPosJson_CardNumberSentAsJsonNumber_IsMasked()
    {
        var result = PanMasker.MaskPosJson("{\"transactions\":[{\"tenders\":[{\"cardNumber\":4111111111111111}],\"sequenceNumber\":4111111111111111}]}"u8.ToArray());
        Assert.Equal(1, result.Masked);
        var tx = JsonNode.Parse(result.Body.Span)!["transactions"]![0]!;
        Assert.Equal("************1111", (string?)tx["tenders"]![0]!["cardNumber"]);
        Assert.Equal("4111111111111111", tx["sequenceNumber"]!.ToJsonString());
    }

    [Fact]
    public void MaskPosLogXml_MasksCardDataOnly_AndPreservesPrefixes()
    {
        using var input = Samples.Open("poslog_masking.xml");
        using var output = new MemoryStream();
        var report = PanMasker.MaskPosLogXml(input, output);

        Assert.Equal(new PosMaskReport(4, 2), report);
        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.Contains("<poslog:RetailStoreID>4111111111111111</poslog:RetailStoreID>", text);
        Assert.Contains("<poslog:TenderID>4111111111111111</poslog:TenderID>", text);
        Assert.Contains("<poslog:PrimaryAccountNumber>************1111</poslog:PrimaryAccountNumber>", text);
        Assert.Contains("acs:Track=\"************0004\"", text);
        Assert.Contains("<poslog:ItemID>4012888888881881</poslog:ItemID>", text);
        Assert.Contains("<poslog:Comment>card ************1881 declined</poslog:Comment>", text);
        Assert.Contains("<acs:CustomerCardNumber>************5100</acs:CustomerCardNumber>", text);
        Assert.StartsWith("<?xml", text);

        var root = XDocument.Parse(text).Root!;
        Assert.Equal("http://www.nrf-arts.org/IXRetail/namespace/", root.Name.NamespaceName);
        Assert.Equal("poslog", root.GetPrefixOfNamespace(root.Name.Namespace));
    }

    [SharedFixtureFact]
    public void MaskPosLogXml_NcrFixtureWithoutPans_IsCopiedUnchanged()
    {
        var path = SharedFixtures.PathOf("poslog/ncr_acs_poslog_small.xml");
        using var input = File.OpenRead(path);
        using var output = new MemoryStream();
        var report = PanMasker.MaskPosLogXml(input, output);

        Assert.Equal(new PosMaskReport(0, 2), report);
        output.Position = 0;
        Assert.True(XNode.DeepEquals(XDocument.Load(path), XDocument.Load(output)));
    }

    [Fact]
    public void MaskPosLogXml_NotWellFormed_ThrowsWithLineAndPosition()
    {
        using var input = new MemoryStream("<POSLog>\n  <Transaction><RetailStoreID>1</Retail></Transaction>\n</POSLog>"u8.ToArray());
        var ex = Assert.Throws<PayloadException>(() => PanMasker.MaskPosLogXml(input, new MemoryStream()));
        Assert.Equal("/POSLog/Transaction/RetailStoreID", ex.Field);
        Assert.Contains("line 2, position", ex.Reason);
    }

    [Fact]
    public void MaskPosLogXml_RefusesDtd()
    {
        using var input = Samples.Open("poslog_xxe.xml");
        var ex = Assert.Throws<PayloadException>(() => PanMasker.MaskPosLogXml(input, new MemoryStream()));
        Assert.Contains("DTD", ex.Reason);
    }
}

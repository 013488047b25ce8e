using System.Globalization;
using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Pos;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The reader's quick paths give what the general ones gave: amounts keep their value and scale whatever way they are
/// written, a bad amount names its field, and a customer named anywhere in the receipt is found while one never named
/// leaves nothing to find.
/// </summary>
public sealed class PosLogReaderFastPathTests
{
    [Theory]
    [InlineData("1.50", "1.50")]
    [InlineData("-2.5", "-2.5")]
    [InlineData("+3", "3")]
    [InlineData("0.00", "0.00")]
    [InlineData(".5", "0.5")]
    [InlineData("7.", "7")]
    [InlineData("-0.00", "0.00")]
    [InlineData("123456789012345678.9", "123456789012345678.9")]
    [InlineData("12345678901234567890", "12345678901234567890")]
    [InlineData(" 4.20 ", "4.20")]
    public void GivenAnAmountWrittenThisWay_WhenTheLineIsRead_ThenItHasTheValueAndScaleTheGeneralParserGives(string written, string expected)
    {
        var line = Assert.Single(Read(Receipt($"<ExtendedAmount>{written}</ExtendedAmount>")).Lines);

        var general = decimal.Parse(written, NumberStyles.Number | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        Assert.Equal(general, line.ExtendedAmount);
        Assert.Equal(expected, line.ExtendedAmount.ToString(CultureInfo.InvariantCulture).Replace("-0.00", "0.00", StringComparison.Ordinal));
        Assert.Equal(decimal.GetBits(general), decimal.GetBits(line.ExtendedAmount));
    }

    [Fact]
    public void GivenAnAmountWithACommaForThePoint_WhenRead_ThenTheTransactionIsMalformedNamingTheField()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Receipt("<ExtendedAmount>1,50</ExtendedAmount>")));

        var malformed = Assert.IsType<PosParseResult.Malformed>(Assert.Single(PosLogReader.Read(stream)));

        Assert.Contains("LineItem[1]/Sale/ExtendedAmount", malformed.Reason, StringComparison.Ordinal);
        Assert.Contains("'1,50' is not a decimal number", malformed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GivenACustomerNamedDeepInTheReceipt_WhenRead_ThenTheirLoyaltyAccountEmailAndPhoneAreFound()
    {
        var transaction = Read(Receipt("<ExtendedAmount>1.50</ExtendedAmount>",
            "<Customer><CustomerAccount><LoyaltyAccountID> L-77 </LoyaltyAccountID></CustomerAccount><EMail>a@example.com</EMail>" +
            "<Telephone><PhoneNumber>555 0100</PhoneNumber></Telephone></Customer>"));

        Assert.Equal("L-77", transaction.LoyaltyId);
        Assert.Equal("a@example.com", transaction.CustomerEmail);
        Assert.Equal("555 0100", transaction.CustomerPhone);
    }

    [Fact]
    public void GivenAReceiptNamingNoCustomer_WhenReadAfterOneThatDid_ThenItHasNoCustomer()
    {
        var xml = $"<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">{Transaction("1", "<ExtendedAmount>1.50</ExtendedAmount>", "<LoyaltyID>L-1</LoyaltyID>")}"
            + $"{Transaction("2", "<ExtendedAmount>1.50</ExtendedAmount>", "")}</POSLog>";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));

        var read = PosLogReader.Read(stream).Cast<PosParseResult.Parsed>().Select(p => p.Transaction).ToList();

        Assert.Equal(["L-1", null], read.Select(t => t.LoyaltyId));
        Assert.All(read, t => Assert.Null(t.CustomerEmail));
    }

    private static PosTransaction Read(string xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Assert.IsType<PosParseResult.Parsed>(Assert.Single(PosLogReader.Read(stream))).Transaction;
    }

    private static string Receipt(string amount, string customer = "") =>
        $"<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">{Transaction("1", amount, customer)}</POSLog>";

    private static string Transaction(string sequence, string amount, string customer) => $"""
        <Transaction><RetailStoreID>12</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>{sequence}</SequenceNumber>
          <BusinessDayDate>2026-11-20</BusinessDayDate><CurrencyCode>USD</CurrencyCode>
          <RetailTransaction>{customer}
            <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>A</ItemID>{amount}<Quantity>1</Quantity></Sale></LineItem>
          </RetailTransaction></Transaction>
        """;
}

using System.Globalization;
using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Pos;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The reader's quick paths give what the general ones gave: amounts keep their value and scale whatever way they are
/// written, a bad amount names its field, timestamps and business days read as the general parsers read them (or are
/// refused as they refuse them), and a customer named anywhere in the receipt is found while one never named leaves
/// nothing to find.
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

    [Theory]
    [InlineData("2026-11-20T15:04:05")]
    [InlineData("2026-11-20T15:04:05Z")]
    [InlineData("2026-11-20T15:04:05z")]
    [InlineData("2026-11-20T15:04:05+01:00")]
    [InlineData("2026-11-20T15:04:05-05:30")]
    [InlineData("2026-11-20T15:04:05-00:00")]
    [InlineData("2026-11-20T15:04:05+14:00")]
    [InlineData("2026-11-20T15:04:05+14:01")]
    [InlineData("2026-11-20T15:04:05+15:00")]
    [InlineData("2026-11-20T15:04:05+01:75")]
    [InlineData("2026-11-20T15:04:05+01")]
    [InlineData("2026-11-20T15:04:05+0100")]
    [InlineData("2026-11-20T15:04:05.250")]
    [InlineData("2026-11-20T15:04:05.1234567+02:00")]
    [InlineData(" 2026-11-20T15:04:05 ")]
    [InlineData("2026-11-20 15:04:05")]
    [InlineData("2026-11-20T15:04")]
    [InlineData("2026-11-20")]
    [InlineData("2024-02-29T23:59:59")]
    [InlineData("2026-02-29T10:00:00")]
    [InlineData("2026-11-31T10:00:00")]
    [InlineData("2026-13-01T10:00:00")]
    [InlineData("2026-00-10T10:00:00")]
    [InlineData("2026-11-20T24:00:00")]
    [InlineData("2026-11-20T23:60:00")]
    [InlineData("2026-11-20T23:59:60")]
    [InlineData("0000-11-20T10:00:00")]
    [InlineData("0001-01-01T00:00:00")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    [InlineData("2026-11-20T1a:04:05")]
    [InlineData("20 Nov 2026 15:04")]
    [InlineData("\uFF12\uFF10\uFF12\uFF16-11-20T10:00:00")]
    public void GivenAnEndTimeWrittenThisWay_WhenRead_ThenItIsWhatTheGeneralParserGivesOrRefusedAsItRefuses(string written)
    {
        written = System.Text.RegularExpressions.Regex.Unescape(written);
        var result = ReadOne(Receipt("<ExtendedAmount>1.50</ExtendedAmount>", endDateTime: written));

        if (DateTimeOffset.TryParse(written.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var general))
        {
            var end = Assert.IsType<PosParseResult.Parsed>(result).Transaction.EndDateTime;
            Assert.Equal(general, end);
            Assert.Equal(general.Offset, end!.Value.Offset);
        }
        else
        {
            Assert.Contains("Transaction/EndDateTime", Assert.IsType<PosParseResult.Malformed>(result).Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("2026-11-20")]
    [InlineData(" 2026-11-20 ")]
    [InlineData("2026-11-20T00:00:00")]
    [InlineData("2024-02-29")]
    [InlineData("2026-02-29")]
    [InlineData("2026-04-31")]
    [InlineData("2026-13-20")]
    [InlineData("2026-1-20")]
    [InlineData("0000-01-01")]
    [InlineData("0001-01-01")]
    [InlineData("9999-12-31")]
    [InlineData("2026-11-20X")]
    [InlineData("2026/11/20")]
    [InlineData("\uFF12\uFF10\uFF12\uFF16-11-20")]
    public void GivenABusinessDayWrittenThisWay_WhenRead_ThenItIsWhatTheExactParserGivesOrRefusedAsItRefuses(string written)
    {
        written = System.Text.RegularExpressions.Regex.Unescape(written);
        var result = ReadOne(Receipt("<ExtendedAmount>1.50</ExtendedAmount>", businessDay: written));

        var trimmed = written.Trim();
        var datePart = trimmed.Length > 10 && trimmed[10] == 'T' ? trimmed[..10] : trimmed;
        if (DateOnly.TryParseExact(datePart, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var general))
        {
            Assert.Equal(general, Assert.IsType<PosParseResult.Parsed>(result).Transaction.Receipt.BusinessDay);
        }
        else
        {
            var malformed = Assert.IsType<PosParseResult.Malformed>(result);
            Assert.Contains("Transaction/BusinessDayDate", malformed.Reason, StringComparison.Ordinal);
        }
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

    private static PosTransaction Read(string xml) => Assert.IsType<PosParseResult.Parsed>(ReadOne(xml)).Transaction;

    private static PosParseResult ReadOne(string xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Assert.Single(PosLogReader.Read(stream));
    }

    private static string Receipt(string amount, string customer = "", string businessDay = "2026-11-20", string? endDateTime = null) =>
        $"<POSLog xmlns=\"{PosLogReader.ArtsNamespace}\">{Transaction("1", amount, customer, businessDay, endDateTime)}</POSLog>";

    private static string Transaction(
        string sequence, string amount, string customer, string businessDay = "2026-11-20", string? endDateTime = null) => $"""
        <Transaction><RetailStoreID>12</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>{sequence}</SequenceNumber>
          <BusinessDayDate>{businessDay}</BusinessDayDate>{EndDateTime(endDateTime)}<CurrencyCode>USD</CurrencyCode>
          <RetailTransaction>{customer}
            <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>A</ItemID>{amount}<Quantity>1</Quantity></Sale></LineItem>
          </RetailTransaction></Transaction>
        """;

    private static string EndDateTime(string? written) => written is null ? "" : $"<EndDateTime>{written}</EndDateTime>";
}

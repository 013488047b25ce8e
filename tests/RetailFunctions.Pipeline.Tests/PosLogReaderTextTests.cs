using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Pos;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The reader keeps each transaction's text in one buffer it reuses: a value is all the text inside its element in
/// document order, however the XML splits it, whatever its length, and nothing of one transaction shows in the next.
/// </summary>
public sealed class PosLogReaderTextTests
{
    [Fact]
    public void GivenValuesSplitByCommentsCdataEntitiesAndChildElements_WhenRead_ThenEachIsItsWholeTextInDocumentOrder()
    {
        var line = Assert.Single(Read(Receipt(
            "<ItemID>SKU<!-- a till's note -->&amp;<![CDATA[<1>]]>&#65;</ItemID>",
            "<Description>Blue <b>shirt</b>, <i>size <u>M</u></i></Description>",
            "<ExtendedAmount> 1<!-- split -->2.5<![CDATA[0]]> </ExtendedAmount>")).Lines);

        Assert.Equal("SKU&<1>A", line.ItemId);
        Assert.Equal("Blue shirt, size M", line.Description);
        Assert.Equal(12.50m, line.ExtendedAmount);
    }

    [Fact]
    public void GivenATextLongerThanTheReadersBuffer_WhenRead_ThenItIsKeptWhole()
    {
        var description = string.Concat(Enumerable.Range(0, 3_000).Select(i => $"{i % 10}abc"));

        var receipt = Receipt("<ItemID>A</ItemID>", $"<Description>{description}</Description>", "<ExtendedAmount>1</ExtendedAmount>");

        var line = Assert.Single(Read(receipt).Lines);

        Assert.Equal(description, line.Description);
    }

    [Fact]
    public void GivenALongTransactionThenAShortOne_WhenRead_ThenTheShortOneHasOnlyItsOwnValues()
    {
        var longOne = Transaction("1", string.Concat(Enumerable.Range(1, 40).Select(i =>
            $"<LineItem><Sale><ItemID>LONG-{i}</ItemID><Description>{new string('x', 200)}</Description>" +
            $"<ExtendedAmount>{i}.00</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>")));
        var shortOne = Transaction("2", "<LineItem><Sale><ItemID>B</ItemID><ExtendedAmount>2.00</ExtendedAmount></Sale></LineItem>");
        var emptyItem = Transaction("3", "<LineItem><Sale><ItemID/><ExtendedAmount>3.00</ExtendedAmount></Sale></LineItem>");

        var read = ReadAll(Document(longOne + shortOne + emptyItem));

        Assert.Equal(40, Assert.IsType<PosParseResult.Parsed>(read[0]).Transaction.Lines.Count);
        var line = Assert.Single(Assert.IsType<PosParseResult.Parsed>(read[1]).Transaction.Lines);
        Assert.Equal(("B", null, 2.00m, 1m), (line.ItemId, line.Description, line.ExtendedAmount, line.Quantity));
        var malformed = Assert.IsType<PosParseResult.Malformed>(read[2]);
        Assert.Contains("LineItem[1]/Sale/ItemID: missing", malformed.Reason, StringComparison.Ordinal);
    }

    private static PosTransaction Read(string xml) =>
        Assert.IsType<PosParseResult.Parsed>(Assert.Single(ReadAll(xml))).Transaction;

    private static List<PosParseResult> ReadAll(string xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return [.. PosLogReader.Read(stream)];
    }

    private static string Receipt(params string[] sale) =>
        Document(Transaction("1", $"<LineItem><SequenceNumber>1</SequenceNumber><Sale>{string.Concat(sale)}</Sale></LineItem>"));

    private static string Document(string transactions) =>
        $"<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">{transactions}</POSLog>";

    private static string Transaction(string sequence, string lines) => $"""
        <Transaction><RetailStoreID>12</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>{sequence}</SequenceNumber>
          <BusinessDayDate>2026-11-20</BusinessDayDate><CurrencyCode>USD</CurrencyCode>
          <RetailTransaction>{lines}</RetailTransaction></Transaction>
        """;
}

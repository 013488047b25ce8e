using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Pos;

namespace RetailFunctions.Pipeline.Tests;

public sealed class PosJsonBatchReaderTests
{
    private static List<PosParseResult> ReadSample()
    {
        using var stream = Samples.Open("pos_batch.json");
        return [.. PosJsonBatchReader.Read(stream)];
    }

    private static List<PosParseResult> ReadText(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return [.. PosJsonBatchReader.Read(stream)];
    }

    private static PosTransaction ParsedAt(List<PosParseResult> results, int position) =>
        Assert.IsType<PosParseResult.Parsed>(results.Single(r => r.Position == position)).Transaction;

    [Fact]
    public void Sale_MapsEveryField_NumbersAsNumbersOrStrings()
    {
        var sale = ParsedAt(ReadSample(), 1);

        Assert.Equal(new ReceiptKey("12", "3", new DateOnly(2026, 11, 20), "1001"), sale.Receipt);
        Assert.Equal(PosTransactionKind.Sale, sale.Kind);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 14, 3, 11, TimeSpan.Zero), sale.EndDateTime);
        Assert.Equal("77", sale.OperatorId);
        Assert.Equal("USD", sale.Currency);
        Assert.Equal(("LOY-0042", "ana@example.com", "+15555550100"), (sale.LoyaltyId, sale.CustomerEmail, sale.CustomerPhone));
        Assert.Equal(22.85m, sale.Total);

        Assert.Equal(2, sale.Lines.Count);
        Assert.Equal(
            new PosLine(1, PosLineKind.Sale, "SKU-4471", "0012345678905", "Blue shirt M", 1m, "EA", 19.99m, 19.99m, 0m, 1.60m, false, null),
            sale.Lines[0]);
        Assert.Equal(
            new PosLine(2, PosLineKind.Sale, "SKU-APPLE", null, "Apples loose", 0.42m, "KGM", 2.99m, 1.26m, 0m, 0m, false, null),
            sale.Lines[1]);
        Assert.Equal(new PosTax("State", 0.08m, 19.99m, 1.60m), Assert.Single(sale.Taxes));
        Assert.Empty(sale.Discounts);
    }

    [Fact]
    public void RawPanInTenderAccount_IsMaskedAndFlagged()
    {
        var sale = ParsedAt(ReadSample(), 1);
        Assert.Equal(new PosTender("card", 22.85m, false, "visa", "************1111", "A1B2C3"), Assert.Single(sale.Tenders));
        Assert.True(sale.PanMasked);
    }

    [Fact]
    public void Return_OverridesStoreAndCurrency_AndLinksOriginalReceipt()
    {
        var ret = ParsedAt(ReadSample(), 3);
        Assert.Equal(new ReceiptKey("14", "1", new DateOnly(2026, 11, 22), "5001"), ret.Receipt);
        Assert.Equal(PosTransactionKind.Return, ret.Kind);
        Assert.Equal("CAD", ret.Currency);
        var line = Assert.Single(ret.Lines);
        Assert.Equal(PosLineKind.Return, line.Kind);
        Assert.Equal(19.99m, line.ExtendedAmount);
        Assert.Equal(new ReceiptKey("12", "3", new DateOnly(2026, 11, 20), "1001"), line.OriginalReceipt);
        Assert.False(ret.PanMasked);
    }

    [Fact]
    public void VoidAndTillClose_AreMapped()
    {
        var results = ReadSample();
        var voided = ParsedAt(results, 4);
        Assert.Equal(PosTransactionKind.Void, voided.Kind);
        Assert.True(Assert.Single(voided.Lines).Voided);

        var close = ParsedAt(results, 6);
        Assert.Equal(PosTransactionKind.TillClose, close.Kind);
        Assert.Equal([new TenderTotal("cash", 100.00m, 3), new TenderTotal("card", 22.85m, 1)], close.TillTotals);
    }

    [Fact]
    public void BadTransactions_AreMalformedWithPositionAndField_OthersParse()
    {
        var results = ReadSample();
        Assert.Equal([1, 2, 3, 4, 5, 6], results.Select(r => r.Position));
        Assert.Equal(4, results.OfType<PosParseResult.Parsed>().Count());

        var missing = Assert.IsType<PosParseResult.Malformed>(results[1]);
        Assert.Equal("transactions[1].businessDay: missing", missing.Reason);
        Assert.Equal("12-3-?-1002", missing.ReceiptHint);

        var badNumber = Assert.IsType<PosParseResult.Malformed>(results[4]);
        Assert.Equal("transactions[4].lines[0].quantity: \"one\" is not a decimal number", badNumber.Reason);
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("[]", "$")]
    [InlineData("{\"storeId\":\"1\"}", "transactions")]
    [InlineData("{\"transactions\":{}}", "transactions")]
    public void BatchLevelProblems_Throw(string json, string field)
    {
        var ex = Assert.Throws<PayloadException>(() => ReadText(json));
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void UnknownType_NamesTheField()
    {
        var result = Assert.IsType<PosParseResult.Malformed>(Assert.Single(ReadText(
            """{"storeId":"1","transactions":[{"workstationId":"1","sequenceNumber":"9","businessDay":"2026-01-02","type":"layaway"}]}""")));
        Assert.StartsWith("transactions[0].type: 'layaway'", result.Reason);
        Assert.Equal("1-1-2026-01-02-9", result.ReceiptHint);
    }

    [Fact]
    public void MissingStoreEverywhere_IsMalformed()
    {
        var result = Assert.IsType<PosParseResult.Malformed>(Assert.Single(ReadText(
            """{"transactions":[{"workstationId":"1","sequenceNumber":"9","businessDay":"2026-01-02","type":"sale"}]}""")));
        Assert.Equal("transactions[0].storeId: missing", result.Reason);
    }
}

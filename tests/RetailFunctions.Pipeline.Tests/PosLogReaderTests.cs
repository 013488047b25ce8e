using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

public sealed class PosLogReaderTests
{
    private static List<PosParseResult> ReadSample(string name)
    {
        using var stream = Samples.Open(name);
        return [.. PosLogReader.Read(stream)];
    }

    private static PosTransaction ParsedAt(List<PosParseResult> results, int position) =>
        Assert.IsType<PosParseResult.Parsed>(results.Single(r => r.Position == position)).Transaction;

    [SharedFixtureFact]
    public void NcrFixture_YieldsSignOnControlThenWeighedAppleSale()
    {
        using var stream = File.OpenRead(SharedFixtures.PathOf("poslog/ncr_acs_poslog_small.xml"));
        var results = PosLogReader.Read(stream).ToList();

        Assert.Equal(2, results.Count);
        var signOn = ParsedAt(results, 1);
        Assert.Equal(new ReceiptKey("9", "34", new DateOnly(2017, 9, 30), "160"), signOn.Receipt);
        Assert.Equal(PosTransactionKind.Control, signOn.Kind);
        Assert.Equal("94", signOn.OperatorId);
        Assert.Equal(new DateTimeOffset(2017, 10, 1, 2, 1, 31, TimeSpan.Zero), signOn.EndDateTime);
        Assert.Empty(signOn.Lines);

        var sale = ParsedAt(results, 2);
        Assert.Equal(new ReceiptKey("9", "34", new DateOnly(2017, 9, 30), "161"), sale.Receipt);
        Assert.Equal(PosTransactionKind.Sale, sale.Kind);
        Assert.Equal("USD", sale.Currency);
        var apple = Assert.Single(sale.Lines);
        Assert.Equal(1, apple.Position);
        Assert.Equal(PosLineKind.Sale, apple.Kind);
        Assert.Equal("00000000067591", apple.ItemId);
        Assert.Equal("00000000067591", apple.Barcode);
        Assert.Equal("APPLE HONEYCRISP ORG", apple.Description);
        Assert.Equal(0.42m, apple.Quantity);
        Assert.Equal(2.99m, apple.UnitPrice);
        Assert.Equal(1.26m, apple.ExtendedAmount);
        Assert.Equal(0m, apple.DiscountAmount);
        Assert.False(apple.Voided);
        Assert.Null(apple.OriginalReceipt);

        var tender = Assert.Single(sale.Tenders);
        Assert.Equal(new PosTender("CreditDebit", 1.07m, false, "Debit", null, "734277"), tender);
        Assert.Equal("0000000000000040000066677", sale.LoyaltyId);
        // The detailed monetary reward (-0.19) is the discount; its summarized twin is not counted again.
        var discount = Assert.Single(sale.Discounts);
        Assert.Equal(new PosDiscount("loyalty promotion 5123", 0.19m), discount);
        Assert.Equal(1.07m, sale.Total);
        Assert.Equal(sale.Lines.Sum(l => l.ExtendedAmount) - sale.Discounts.Sum(d => d.Amount), sale.Total);
        Assert.False(sale.PanMasked);
    }

    [Fact]
    public void Sale_MapsLinesTendersTaxesDiscountsAndCustomer()
    {
        var sale = ParsedAt(ReadSample("poslog_batch.xml"), 1);

        Assert.Equal(new ReceiptKey("12", "3", new DateOnly(2026, 11, 20), "1001"), sale.Receipt);
        Assert.Equal(PosTransactionKind.Sale, sale.Kind);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 14, 3, 11, TimeSpan.FromHours(1)), sale.EndDateTime);
        Assert.Equal("77", sale.OperatorId);
        Assert.Equal("EUR", sale.Currency);
        Assert.Equal("LOY-0042", sale.LoyaltyId);
        Assert.Equal("ana@example.com", sale.CustomerEmail);
        Assert.Equal("+15555550100", sale.CustomerPhone);
        Assert.Equal(43.24m, sale.Total);

        Assert.Equal(3, sale.Lines.Count);
        var shirt = sale.Lines[0];
        Assert.Equal(("SKU-4471", "0012345678905", "Blue shirt M"), (shirt.ItemId, shirt.Barcode, shirt.Description));
        Assert.Equal((2m, "EA", 19.99m, 39.98m, 2.00m, 7.98m), (shirt.Quantity, shirt.UnitOfMeasure, shirt.UnitPrice, shirt.ExtendedAmount, shirt.DiscountAmount, shirt.TaxAmount));
        var apples = sale.Lines[1];
        Assert.Equal((0.42m, "KGM", 2.99m, 1.26m), (apples.Quantity, apples.UnitOfMeasure, apples.UnitPrice, apples.ExtendedAmount));
        Assert.Null(apples.Barcode);
        var voided = sale.Lines[2];
        Assert.Equal(("SKU-9", 3, true), (voided.ItemId, voided.Position, voided.Voided));
        Assert.Equal(5.00m, voided.ExtendedAmount);

        Assert.Equal(new PosTax("VAT", 0.21m, 37.98m, 7.98m), Assert.Single(sale.Taxes));
        // The line's own modifier is its discount (2.00 above); only the receipt's coupon is a receipt discount.
        Assert.Equal([new PosDiscount("COUPON5", 5.00m)], sale.Discounts);
        Assert.Equal(
            [
                new PosTender("CreditDebit", 36.24m, false, "Visa", "************1111", "A1B2C3"),
                new PosTender("Cash", 10.00m, false, null, null, null),
                new PosTender("Cash", 3.00m, true, null, null, null),
            ],
            sale.Tenders);
    }

    [Fact]
    public void PanInTenderField_IsMaskedBeforeReachingTheModel()
    {
        var sale = ParsedAt(ReadSample("poslog_batch.xml"), 1);
        Assert.True(sale.PanMasked);
        Assert.Equal("************1111", sale.Tenders[0].MaskedAccount);
        Assert.DoesNotContain(sale.Tenders, t => t.MaskedAccount?.Contains("4111 1111") == true);
    }

    [Fact]
    public void Return_IsLinkedToTheOriginalReceipt()
    {
        var ret = ParsedAt(ReadSample("poslog_batch.xml"), 3);
        Assert.Equal(PosTransactionKind.Return, ret.Kind);
        Assert.Equal(new DateOnly(2026, 11, 21), ret.Receipt.BusinessDay);
        var line = Assert.Single(ret.Lines);
        Assert.Equal(PosLineKind.Return, line.Kind);
        Assert.Equal(("SKU-4471", 1m, 19.99m), (line.ItemId, line.Quantity, line.UnitPrice));
        Assert.Equal(new ReceiptKey("12", "3", new DateOnly(2026, 11, 20), "1001"), line.OriginalReceipt);
        Assert.Equal(19.99m, Assert.Single(ret.Tenders).Amount);
    }

    [Fact]
    public void CancelledTransaction_IsVoid()
    {
        var voided = ParsedAt(ReadSample("poslog_batch.xml"), 4);
        Assert.Equal(PosTransactionKind.Void, voided.Kind);
        Assert.Equal("1003", voided.Receipt.SequenceNumber);
        Assert.Equal(3.50m, Assert.Single(voided.Lines).ExtendedAmount);
    }

    [Fact]
    public void TillSettle_IsTillCloseWithEndingTotalsPerTender()
    {
        var close = ParsedAt(ReadSample("poslog_batch.xml"), 6);
        Assert.Equal(PosTransactionKind.TillClose, close.Kind);
        Assert.Equal([new TenderTotal("Cash", 250.00m, 5), new TenderTotal("CreditDebit", 36.24m, 1)], close.TillTotals);
        Assert.Empty(close.Lines);
    }

    [Fact]
    public void MalformedTransactions_AreReportedByPosition_AndTheRestStillParse()
    {
        var results = ReadSample("poslog_batch.xml");

        Assert.Equal([1, 2, 3, 4, 5, 6], results.Select(r => r.Position));
        Assert.Equal(
            [typeof(PosParseResult.Parsed), typeof(PosParseResult.Malformed), typeof(PosParseResult.Parsed),
             typeof(PosParseResult.Parsed), typeof(PosParseResult.Malformed), typeof(PosParseResult.Parsed)],
            results.Select(r => r.GetType()));

        var missingDay = Assert.IsType<PosParseResult.Malformed>(results[1]);
        Assert.Equal("Transaction/BusinessDayDate: missing, and no EndDateTime to date the transaction by", missingDay.Reason);
        Assert.Equal("12-3-?-1002", missingDay.ReceiptHint);

        var badQuantity = Assert.IsType<PosParseResult.Malformed>(results[4]);
        Assert.Equal("Transaction/RetailTransaction/LineItem[1]/Sale/Quantity: '1,5' is not a decimal number", badQuantity.Reason);
        Assert.Equal("12-3-2026-11-20-1004", badQuantity.ReceiptHint);
    }

    [Fact]
    public void DtdWithExternalEntity_IsRefusedAndNeverResolved()
    {
        using var stream = Samples.Open("poslog_xxe.xml");
        var ex = Assert.Throws<PayloadException>(() => PosLogReader.Read(stream).ToList());
        Assert.Contains("DTD", ex.Reason);
        Assert.DoesNotContain("root:", ex.Message);
    }

    [Fact]
    public void SecureSettings_ProhibitDtdAndResolveNothing()
    {
        var settings = PosLogReader.Secure;
        Assert.Equal(System.Xml.DtdProcessing.Prohibit, settings.DtdProcessing);
        settings.DtdProcessing = System.Xml.DtdProcessing.Parse;
        Assert.Equal(System.Xml.DtdProcessing.Prohibit, PosLogReader.Secure.DtdProcessing);
    }

    [Fact]
    public void BrokenXmlAfterGoodTransactions_ThrowsNamingTheNextPosition()
    {
        var xml = """
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/">
              <Transaction><RetailStoreID>1</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>1</SequenceNumber><BusinessDayDate>2026-01-02</BusinessDayDate></Transaction>
              <Transaction><RetailStoreID>1</RetailStoreID><Oops></Transaction>
            </POSLog>
            """;
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml));
        var seen = new List<PosParseResult>();
        var ex = Assert.Throws<PayloadException>(() =>
        {
            foreach (var result in PosLogReader.Read(stream))
                seen.Add(result);
        });
        Assert.IsType<PosParseResult.Parsed>(Assert.Single(seen));
        Assert.Equal("Transaction[2]", ex.Field);
        Assert.Contains("line 3", ex.Reason);
    }

    [Fact]
    public void LargeFile_IsStreamedOneTransactionAtATime()
    {
        // A generated stream: the reader must yield the first result before the document ends.
        using var stream = new GeneratedPosLog(transactions: 50_000);
        using var results = PosLogReader.Read(stream).GetEnumerator();
        Assert.True(results.MoveNext());
        Assert.Equal(1, results.Current.Position);
        Assert.True(stream.Position < stream.Length / 10);
        var count = 1;
        while (results.MoveNext())
            count++;
        Assert.Equal(50_000, count);
    }

    /// <summary>A POSLog of n identical sales, produced on demand rather than held in memory.</summary>
    private sealed class GeneratedPosLog(int transactions) : Stream
    {
        private static readonly byte[] Head = "<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">"u8.ToArray();
        private static readonly byte[] Item = "<Transaction><RetailStoreID>1</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>1</SequenceNumber><BusinessDayDate>2026-01-02</BusinessDayDate><RetailTransaction><LineItem><Sale><ItemID>A</ItemID><Quantity>1</Quantity><ActualSalesUnitPrice>1.00</ActualSalesUnitPrice></Sale></LineItem></RetailTransaction></Transaction>"u8.ToArray();
        private static readonly byte[] Tail = "</POSLog>"u8.ToArray();
        private long position;

        public override long Length => Head.Length + ((long)Item.Length * transactions) + Tail.Length;
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var written = 0;
            while (written < count && position < Length)
            {
                var (chunk, at) = position < Head.Length ? (Head, position)
                    : position < Length - Tail.Length ? (Item, (position - Head.Length) % Item.Length)
                    : (Tail, position - (Length - Tail.Length));
                var n = (int)Math.Min(count - written, chunk.Length - at);
                Array.Copy(chunk, at, buffer, offset + written, n);
                written += n;
                position += n;
            }
            return written;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using System.Text;
using System.Text.Json;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Tests.Reference;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// The reader's light element tree against the LINQ to XML mapping it replaced (frozen in Reference/): every result of
/// every document, parsed and malformed, and the error that stops a document, must be the same, field by field.
/// </summary>
public sealed class PosLogReaderDifferentialTests
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static TheoryData<string> ProjectDocuments()
    {
        var data = new TheoryData<string>();
        foreach (var file in TillCorpus.Consistent.Append(TillCorpus.Mismatch)) data.Add(TillCorpus.PathOf(file));
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Samples"), "*.xml").Order()) data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(ProjectDocuments))]
    public void GivenAProjectDocument_WhenReadByBothReaders_ThenEveryResultIsTheSame(string path)
    {
        var bytes = File.ReadAllBytes(path);

        Assert.Equal(Outcome(s => XElementPosLogReference.Read(s), bytes), Outcome(s => PosLogReader.Read(s), bytes));
    }

    [SharedFixtureFact]
    public void GivenTheSharedNcrExport_WhenReadByBothReaders_ThenEveryResultIsTheSame()
    {
        foreach (var path in Directory.GetFiles(SharedFixtures.PathOf("poslog"), "*.xml"))
        {
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(Outcome(s => XElementPosLogReference.Read(s), bytes), Outcome(s => PosLogReader.Read(s), bytes));
        }
    }

    [Theory]
    [InlineData(OddShapes)]
    [InlineData(OddShapes + "<Transaction><RetailStoreID>1</RetailStoreID>")]
    [InlineData("<POSLog><Transaction><RetailStoreID>1</RetailStoreID></Transaction><Transaction a='1' a='2'/></POSLog>")]
    public void GivenOddButLegalShapesAndBrokenDocuments_WhenReadByBothReaders_ThenEveryResultAndErrorIsTheSame(string xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);

        Assert.Equal(Outcome(s => XElementPosLogReference.Read(s), bytes), Outcome(s => PosLogReader.Read(s), bytes));
    }

    // Mixed content, CDATA, entities, prefixes, flags as attributes and as elements, empty and duplicate elements,
    // elements of other namespaces, a nested account number, a till settle, a linked return, a malformed receipt.
    private const string OddShapes = """
        <?xml version="1.0" encoding="UTF-8"?>
        <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/" xmlns:acs="http://www.ncr.com/acs" xmlns:x="urn:other">
          <x:Transaction><RetailStoreID>ignored</RetailStoreID></x:Transaction>
          <Transaction acs:TransactionStatus="Totaled">
            <RetailStoreID> 101 </RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>77</SequenceNumber>
            <BusinessDayDate>2026-11-20T00:00:00</BusinessDayDate><EndDateTime>2026-11-20T10:15:00</EndDateTime>
            <OperatorID></OperatorID><OperatorID>op-2</OperatorID><CurrencyCode>EUR</CurrencyCode>
            <RetailTransaction TransactionStatus="Finished">
              <LineItem><SequenceNumber>1</SequenceNumber>
                <Sale><ItemID>SKU<![CDATA[-A&B]]>1</ItemID><Description>Mug 4111 1111 1111 1111 &amp; co</Description>
                  <POSIdentity POSIDType="EAN"><POSItemID>4006381333931</POSItemID></POSIdentity>
                  <Quantity UnitOfMeasureCode="EA">2</Quantity><RegularSalesUnitPrice>5.00</RegularSalesUnitPrice>
                  <ActualSalesUnitPrice>4.50</ActualSalesUnitPrice><ExtendedAmount>9.00</ExtendedAmount>
                  <RetailPriceModifier><Amount>1.00</Amount><ReasonCode>MARKDOWN</ReasonCode></RetailPriceModifier>
                  <Tax TaxType="VAT"><TaxableAmount TaxIncludedInTaxableAmountFlag="true">9.00</TaxableAmount>
                    <Amount>1.44</Amount><Percent>19</Percent></Tax>
                </Sale></LineItem>
              <LineItem VoidFlag="true"><Sale><ItemID>SKU-V</ItemID><Quantity>1</Quantity><ExtendedAmount>3</ExtendedAmount></Sale></LineItem>
              <LineItem><Return><ItemID>SKU-R</ItemID><Quantity>1</Quantity><ExtendedAmount>2.00</ExtendedAmount>
                <TransactionLink><WorkstationID>9</WorkstationID><SequenceNumber>5</SequenceNumber>
                  <BusinessDayDate>2026-11-19</BusinessDayDate></TransactionLink></Return></LineItem>
              <LineItem><Discount><Amount>-0.50</Amount><Description>coupon <b>five</b> off</Description></Discount></LineItem>
              <LineItem><LoyaltyReward detailedData="true"><RewardCategory>Monetary</RewardCategory>
                <ExtendedRewardAmount>-0.25</ExtendedRewardAmount><PromotionID>P1</PromotionID></LoyaltyReward></LineItem>
              <LineItem><Tender TenderType="CreditDebit" TypeCode="Sale"><Amount>6.00</Amount>
                <CreditDebit CardType="Visa"><acs:Card><PrimaryAccountNumber> 4111111111111111 </PrimaryAccountNumber></acs:Card>
                  <CashBackAmount>2.00</CashBackAmount></CreditDebit><AuthorizationCode>A1</AuthorizationCode>
                <TenderChange TenderType="Cash"><Amount>0.10</Amount></TenderChange></Tender></LineItem>
              <LineItem><TenderChange><Amount>0.20</Amount></TenderChange></LineItem>
              <Total TotalType="TransactionGrandAmount">6.00</Total><Total TotalType="TransactionTaxAmount">1.44</Total>
              <Customer><LoyaltyID/><acs:LoyaltyAccountID>L-9</acs:LoyaltyAccountID><EMail>a@b.example</EMail></Customer>
              <TrainingModeFlag>false</TrainingModeFlag>
            </RetailTransaction>
          </Transaction>
          <Transaction><RetailStoreID>101</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>78</SequenceNumber>
            <BusinessDayDate>2026-11-20</BusinessDayDate>
            <TenderControlTransaction><TillSettle>
              <Ending TenderType="Cash"><Amount>100.00</Amount><Count>3</Count></Ending>
              <Loan TenderType="Cash"><Amount>20.00</Amount></Loan><Pickup TenderType="Cash"><Amount>5</Amount></Pickup>
              <Sales TenderType="Cash"><Amount>85.00</Amount></Sales></TillSettle></TenderControlTransaction>
          </Transaction>
          <Transaction><RetailStoreID>101</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>79</SequenceNumber>
            <BusinessDayDate>2026-11-20</BusinessDayDate><RetailTransaction><LineItem><Sale><Quantity>x</Quantity></Sale></LineItem>
            </RetailTransaction></Transaction>
          <Transaction><WorkstationID>2</WorkstationID></Transaction>
          <Transaction/>
          <Transaction VoidFlag="true"><RetailStoreID>101</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>80</SequenceNumber>
            <BusinessDayDate>2026-11-20</BusinessDayDate><RetailTransaction><LineItem><Return><ItemID>R</ItemID></Return></LineItem>
            <SuspendFlag>true</SuspendFlag></RetailTransaction></Transaction>
        </POSLog>
        """;

    /// <summary>Every result as JSON, then the error that stopped the document, if one did.</summary>
    private static string Outcome(Func<Stream, IEnumerable<PosParseResult>> read, byte[] xml)
    {
        var text = new StringBuilder();
        try
        {
            using var stream = new MemoryStream(xml, writable: false);
            foreach (var result in read(stream))
                text.AppendLine(JsonSerializer.Serialize<object>(result, Json));
        }
        catch (PayloadException error)
        {
            text.AppendLine($"stopped: {error.Message}");
        }
        return text.ToString();
    }
}

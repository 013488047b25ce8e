using System.Globalization;
using System.Text;

namespace RetailFunctions.Benchmarks;

/// <summary>An ARTS POSLog of many sale transactions, built in memory to a target size.</summary>
public static class PosLogDocument
{
    public static (byte[] Bytes, int Transactions) Generate(long targetBytes)
    {
        using var buffer = new MemoryStream((int)Math.Min(int.MaxValue, targetBytes + 64 * 1024));
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
        {
            writer.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">\n");
            var count = 0;
            while (buffer.Length + 4096 < targetBytes)
            {
                WriteTransaction(writer, count++);
                if (count % 64 == 0) writer.Flush();
            }
            writer.Write("</POSLog>\n");
            writer.Flush();
            return (buffer.ToArray(), count);
        }
    }

    private static void WriteTransaction(StreamWriter w, int n)
    {
        string Money(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
        var store = 100 + n % 40;
        var lines = 4;
        var subtotal = 0m;
        w.Write($"""
              <Transaction>
                <RetailStoreID>{store}</RetailStoreID>
                <WorkstationID>{1 + n % 6}</WorkstationID>
                <SequenceNumber>{n + 1}</SequenceNumber>
                <BusinessDayDate>2026-11-20</BusinessDayDate>
                <BeginDateTime>2026-11-20T15:03:10</BeginDateTime>
                <EndDateTime>2026-11-20T15:04:05</EndDateTime>
                <OperatorID OperatorName="Till Operator">{40 + n % 9}</OperatorID>
                <CurrencyCode>USD</CurrencyCode>
                <RetailTransaction Version="2.1" TransactionStatus="Finished">

            """);
        for (var i = 0; i < lines; i++)
        {
            var item = (n * 7 + i * 13) % 5000;
            var price = 1.99m + item % 50;
            var quantity = 1 + (n + i) % 3;
            var extended = price * quantity;
            subtotal += extended;
            w.Write($"""
                      <LineItem>
                        <SequenceNumber>{i + 1}</SequenceNumber>
                        <Sale ItemType="Stock">
                          <POSIdentity POSIDType="GTIN">
                            <POSItemID>0{400_000_000_000L + item}</POSItemID>
                          </POSIdentity>
                          <ItemID>SKU-{item:D5}</ItemID>
                          <MerchandiseHierarchy Level="Department">Grocery</MerchandiseHierarchy>
                          <Description>Store item number {item}</Description>
                          <RegularSalesUnitPrice>{Money(price)}</RegularSalesUnitPrice>
                          <ActualSalesUnitPrice>{Money(price)}</ActualSalesUnitPrice>
                          <ExtendedAmount>{Money(extended)}</ExtendedAmount>
                          <Quantity UnitOfMeasureCode="EA">{quantity}</Quantity>
                          <Tax TaxType="Sales">
                            <TaxAuthority>State</TaxAuthority>
                            <TaxableAmount>{Money(extended)}</TaxableAmount>
                            <Amount>{Money(Math.Round(extended * 0.0825m, 2))}</Amount>
                            <Percent>8.25</Percent>
                          </Tax>
                        </Sale>
                      </LineItem>

                """);
        }
        var tax = Math.Round(subtotal * 0.0825m, 2);
        var total = subtotal + tax;
        var cash = Math.Round(total / 3, 2);
        w.Write($"""
                  <LineItem>
                    <SequenceNumber>{lines + 1}</SequenceNumber>
                    <Tax TaxType="Sales">
                      <TaxAuthority>State</TaxAuthority>
                      <TaxableAmount>{Money(subtotal)}</TaxableAmount>
                      <Amount>{Money(tax)}</Amount>
                      <Percent>8.25</Percent>
                    </Tax>
                  </LineItem>
                  <LineItem>
                    <SequenceNumber>{lines + 2}</SequenceNumber>
                    <Tender TenderType="Cash">
                      <Amount>{Money(cash)}</Amount>
                    </Tender>
                  </LineItem>
                  <LineItem>
                    <SequenceNumber>{lines + 3}</SequenceNumber>
                    <Tender TenderType="CreditDebit">
                      <Amount>{Money(total - cash)}</Amount>
                      <AuthorizationCode>A{n % 100000:D5}</AuthorizationCode>
                      <CreditDebit CardType="Visa">
                        <PrimaryAccountNumber>************1111</PrimaryAccountNumber>
                      </CreditDebit>
                    </Tender>
                  </LineItem>
                  <Total TotalType="TransactionGrossAmount">{Money(subtotal)}</Total>
                  <Total TotalType="TransactionTaxAmount">{Money(tax)}</Total>
                  <Total TotalType="TransactionGrandAmount">{Money(total)}</Total>
                </RetailTransaction>
              </Transaction>

            """);
    }
}

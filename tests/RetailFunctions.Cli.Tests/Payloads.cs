namespace RetailFunctions.Cli.Tests;

/// <summary>Web-store orders and till uploads, after the formats' documentation; only what the pipeline reads.</summary>
public static class Payloads
{
    public static string Order(long orderId, long lineId, long variantId, string sku, int quantity) => $$"""
        {
          "id": {{orderId}},
          "name": "#{{orderId % 10000}}",
          "currency": "USD",
          "created_at": "2026-11-20T10:00:00-05:00",
          "updated_at": "2026-11-20T10:00:00-05:00",
          "cancelled_at": null,
          "financial_status": "paid",
          "fulfillment_status": null,
          "line_items": [
            { "id": {{lineId}}, "variant_id": {{variantId}}, "product_id": 1, "sku": "{{sku}}", "title": "Oxford Shirt",
              "quantity": {{quantity}}, "price": "49.00", "requires_shipping": true, "fulfillment_status": null }
          ]
        }
        """;

    /// <summary>One sale at a store and till, one line.</summary>
    public static string PosLogSale(string store, string sequence, string itemId) => $$"""
        <?xml version="1.0" encoding="UTF-8"?>
        <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/">
          <Transaction>
            <RetailStoreID>{{store}}</RetailStoreID>
            <WorkstationID>2</WorkstationID>
            <SequenceNumber>{{sequence}}</SequenceNumber>
            <BusinessDayDate>2026-11-20</BusinessDayDate>
            <EndDateTime>2026-11-20T15:04:05</EndDateTime>
            <OperatorID>41</OperatorID>
            <CurrencyCode>USD</CurrencyCode>
            <RetailTransaction Version="2.1">
              <LineItem>
                <SequenceNumber>1</SequenceNumber>
                <Sale ItemType="Stock">
                  <ItemID>{{itemId}}</ItemID>
                  <Description>Honeycrisp apples</Description>
                  <RegularSalesUnitPrice>2.99</RegularSalesUnitPrice>
                  <ExtendedAmount>2.99</ExtendedAmount>
                  <Quantity>1</Quantity>
                </Sale>
              </LineItem>
              <Total TotalType="TransactionGrandAmount">2.99</Total>
            </RetailTransaction>
          </Transaction>
        </POSLog>
        """;
}

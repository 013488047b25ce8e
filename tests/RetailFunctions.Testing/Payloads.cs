using System.Globalization;

namespace RetailFunctions.Testing;

/// <summary>Web-store and till payloads written for these tests after the formats' documentation.</summary>
public static class Payloads
{
    public static string Product(long productId, long variantId, long inventoryItemId, string sku, string barcode) => $$"""
        {
          "id": {{productId}},
          "admin_graphql_api_id": "gid://shopify/Product/{{productId}}",
          "title": "Oxford Shirt",
          "vendor": "RetailFunctions Test",
          "product_type": "Shirts",
          "updated_at": "2026-11-20T09:00:00-05:00",
          "variants": [
            {
              "id": {{variantId}},
              "admin_graphql_api_id": "gid://shopify/ProductVariant/{{variantId}}",
              "product_id": {{productId}},
              "title": "Blue / M",
              "price": "49.00",
              "sku": "{{sku}}",
              "barcode": "{{barcode}}",
              "inventory_item_id": {{inventoryItemId}},
              "weight": 0.3,
              "weight_unit": "kg",
              "option1": "Blue",
              "option2": "M",
              "option3": null
            }
          ]
        }
        """;

    public static string Order(long orderId, long lineId, long variantId, string sku, int quantity, string? cancelledAt = null, string? note = null,
        string? lineFulfillmentStatus = null) => $$"""
        {
          "id": {{orderId}},
          "admin_graphql_api_id": "gid://shopify/Order/{{orderId}}",
          "name": "#{{orderId % 10000}}",
          "order_number": {{orderId % 10000}},
          "currency": "USD",
          "created_at": "2026-11-20T10:00:00-05:00",
          "updated_at": "2026-11-20T10:00:00-05:00",
          "cancelled_at": {{(cancelledAt is null ? "null" : $"\"{cancelledAt}\"")}},
          "cancel_reason": null,
          "financial_status": "paid",
          "fulfillment_status": null,
          "note": {{(note is null ? "null" : $"\"{note}\"")}},
          "subtotal_price": "{{(49m * quantity).ToString("0.00", CultureInfo.InvariantCulture)}}",
          "total_discounts": "0.00",
          "total_tax": "0.00",
          "total_price": "{{(49m * quantity).ToString("0.00", CultureInfo.InvariantCulture)}}",
          "taxes_included": false,
          "customer": { "id": 7001, "email": "shopper@example.com", "phone": null, "first_name": "Ada", "last_name": "Shopper" },
          "line_items": [
            {
              "id": {{lineId}},
              "variant_id": {{variantId}},
              "product_id": 1,
              "sku": "{{sku}}",
              "title": "Oxford Shirt",
              "quantity": {{quantity}},
              "price": "49.00",
              "total_discount": "0.00",
              "requires_shipping": true,
              "gift_card": false,
              "fulfillment_status": {{(lineFulfillmentStatus is null ? "null" : $"\"{lineFulfillmentStatus}\"")}},
              "tax_lines": []
            }
          ],
          "shipping_lines": [],
          "discount_codes": []
        }
        """;

    public static string PosLogSale(string store, string sequence, string itemId, string quantity = "1", string? cardNumber = null) => $$"""
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
                  <ExtendedAmount>1.26</ExtendedAmount>
                  <Quantity UnitOfMeasureCode="KGM">{{quantity}}</Quantity>
                </Sale>
              </LineItem>
              <LineItem>
                <SequenceNumber>2</SequenceNumber>
                <Tender TenderType="CreditDebit">
                  <Amount>1.26</Amount>
                  <CreditDebit CardType="Visa">
                    <PrimaryAccountNumber>{{cardNumber ?? "************1111"}}</PrimaryAccountNumber>
                  </CreditDebit>
                </Tender>
              </LineItem>
              <Total TotalType="TransactionGrandAmount">1.26</Total>
            </RetailTransaction>
          </Transaction>
        </POSLog>
        """;
}

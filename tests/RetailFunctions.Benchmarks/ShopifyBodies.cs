using System.Globalization;
using System.Text;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.Benchmarks;

/// <summary>Web-store webhook bodies shaped like real orders/create and products/create deliveries.</summary>
public static class ShopifyBodies
{
    public const string Shop = "bench-shop.myshopify.com";

    /// <summary>
    /// When the bench's orders were placed: minutes before the run, in the shop's zone, as live webhooks are. An order
    /// dated days back would make the journal look for days it still owes, which live traffic does not do.
    /// </summary>
    public static readonly DateTimeOffset PlacedAt = DateTimeOffset.UtcNow.AddMinutes(-10).ToOffset(TimeSpan.FromHours(-5));

    private static readonly string Placed = PlacedAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static string Sku(int index) => $"BENCH-{index:D5}";

    public static long VariantId(int index) => NotPanShaped(44_000_000_000_000L + index * 7L);

    public static long ProductId(int index) => NotPanShaped(8_100_000_000_000L + index * 3L);

    /// <summary>
    /// The id itself or the next one up whose digits do not pass the card-number checksum. Real Shopify ids are
    /// 13-14 digits, so about one in ten looks like a PAN; these bodies stand for the common case with none.
    /// </summary>
    public static long NotPanShaped(long id)
    {
        while (PanMasker.ContainsPan(id.ToString(CultureInfo.InvariantCulture).AsSpan())) id++;
        return id;
    }

    public static string Product(int index)
    {
        var productId = ProductId(index);
        var variantId = VariantId(index);
        return $$"""
            {
              "id": {{productId}},
              "admin_graphql_api_id": "gid://shopify/Product/{{productId}}",
              "title": "Oxford Shirt {{index}}",
              "vendor": "RetailFunctions Bench",
              "product_type": "Shirts",
              "updated_at": "2026-11-20T09:00:00-05:00",
              "variants": [
                {
                  "id": {{variantId}},
                  "admin_graphql_api_id": "gid://shopify/ProductVariant/{{variantId}}",
                  "product_id": {{productId}},
                  "title": "Blue / M",
                  "price": "49.00",
                  "sku": "{{Sku(index)}}",
                  "barcode": "0{{400_000_000_000L + index}}",
                  "inventory_item_id": {{NotPanShaped(46_000_000_000_000L + index * 11L)}},
                  "weight": 0.3,
                  "weight_unit": "kg",
                  "option1": "Blue",
                  "option2": "M",
                  "option3": null
                }
              ]
            }
            """;
    }

    /// <summary>
    /// An order of three lines over <paramref name="skuCount"/> SKUs, about 3.5 KiB, with no PAN-shaped digits, so
    /// the edge's masking pass takes its fast path as it does for most real orders.
    /// </summary>
    public static string Order(long sequence, int skuCount)
    {
        var body = OrderBody(sequence, skuCount);
        return PanMasker.ContainsPan(Encoding.UTF8.GetBytes(body))
            ? throw new InvalidOperationException($"order {sequence} holds PAN-shaped digits")
            : body;
    }

    private static string OrderBody(long sequence, int skuCount)
    {
        var orderId = NotPanShaped(5_900_000_000_000L + sequence * 1_000);
        var lineIds = Enumerable.Range(0, 4).Select(i => NotPanShaped(14_800_000_000_000L + sequence * 1_000 + i * 100)).ToArray();
        var skus = new[] { (int)(sequence % skuCount), (int)((sequence * 7 + 3) % skuCount), (int)((sequence * 13 + 5) % skuCount) };
        var quantities = new[] { 1, 2, 1 };
        var prices = new[] { 49.00m, 19.50m, 129.99m };
        var subtotal = quantities.Zip(prices, (q, p) => q * p).Sum();
        var tax = Math.Round(subtotal * 0.0825m, 2);
        string Money(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
        var lines = string.Join(",\n", Enumerable.Range(0, 3).Select(i => $$"""
                {
                  "id": {{lineIds[i]}},
                  "admin_graphql_api_id": "gid://shopify/LineItem/{{lineIds[i]}}",
                  "variant_id": {{VariantId(skus[i])}},
                  "product_id": {{ProductId(skus[i])}},
                  "sku": "{{Sku(skus[i])}}",
                  "title": "Oxford Shirt {{skus[i]}}",
                  "variant_title": "Blue / M",
                  "vendor": "RetailFunctions Bench",
                  "quantity": {{quantities[i]}},
                  "price": "{{Money(prices[i])}}",
                  "total_discount": "0.00",
                  "requires_shipping": true,
                  "taxable": true,
                  "gift_card": false,
                  "fulfillment_service": "manual",
                  "fulfillment_status": null,
                  "properties": [{ "name": "Gift wrap", "value": "no" }],
                  "tax_lines": [{ "title": "State tax", "price": "{{Money(Math.Round(quantities[i] * prices[i] * 0.0825m, 2))}}", "rate": 0.0825 }]
                }
            """));
        return $$"""
            {
              "id": {{orderId}},
              "admin_graphql_api_id": "gid://shopify/Order/{{orderId}}",
              "name": "#B{{sequence}}",
              "order_number": {{1000 + sequence}},
              "email": "shopper{{sequence % 500}}@example.com",
              "currency": "USD",
              "presentment_currency": "USD",
              "created_at": "{{Placed}}",
              "updated_at": "{{Placed}}",
              "processed_at": "{{Placed}}",
              "cancelled_at": null,
              "cancel_reason": null,
              "financial_status": "paid",
              "fulfillment_status": null,
              "note": "Please leave the parcel at the back door",
              "tags": "bench, web",
              "source_name": "web",
              "gateway": "shopify_payments",
              "subtotal_price": "{{Money(subtotal)}}",
              "total_discounts": "0.00",
              "total_tax": "{{Money(tax)}}",
              "total_price": "{{Money(subtotal + tax)}}",
              "taxes_included": false,
              "customer": {
                "id": {{NotPanShaped(7_200_000_000_000L + sequence % 500)}},
                "email": "shopper{{sequence % 500}}@example.com",
                "phone": null,
                "first_name": "Ada",
                "last_name": "Shopper",
                "accepts_marketing": false,
                "tags": ""
              },
              "billing_address": {
                "first_name": "Ada", "last_name": "Shopper", "company": null,
                "address1": "12 Market Street", "address2": "Apt 4", "city": "Springfield",
                "province": "Illinois", "province_code": "IL", "country": "United States", "country_code": "US",
                "zip": "62701", "phone": null
              },
              "shipping_address": {
                "first_name": "Ada", "last_name": "Shopper", "company": null,
                "address1": "12 Market Street", "address2": "Apt 4", "city": "Springfield",
                "province": "Illinois", "province_code": "IL", "country": "United States", "country_code": "US",
                "zip": "62701", "phone": null
              },
              "line_items": [
            {{lines}}
              ],
              "shipping_lines": [
                { "id": {{lineIds[3]}}, "title": "Standard", "code": "STANDARD", "price": "0.00", "source": "shopify", "tax_lines": [] }
              ],
              "discount_codes": [],
              "note_attributes": [{ "name": "channel", "value": "bench" }]
            }
            """;
    }
}

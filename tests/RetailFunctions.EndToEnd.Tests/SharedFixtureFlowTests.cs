using System.Net;
using System.Text.Json;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>Real third-party payloads from ../shared/fixtures through the running pipeline (skipped when absent).</summary>
public sealed class SharedFixtureFlowTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    [SharedFixtureFact]
    public async Task ShopifyOrderFixturePostedAsOrdersCreateMovesEachMappedVariantOnce()
    {
        var order = JsonDocument.Parse(File.ReadAllText(SharedFixtures.PathOf("shopify/rest/order.json"))).RootElement.GetProperty("order");
        var body = order.GetRawText();
        var lines = order.GetProperty("line_items").EnumerateArray()
            .Select(l => (Variant: l.GetProperty("variant_id").GetRawText(), Sku: l.GetProperty("sku").GetString()!, Quantity: l.GetProperty("quantity").GetDecimal()))
            .ToList();
        // Map the first two variants through the API under canonical names of our own; leave the third unmapped.
        foreach (var (variant, sku, _) in lines.Take(2))
        {
            await fixture.Http.PutJson($"api/catalog/skus/CANON-{sku}", new { aliases = new[] { new { system = "shopify", kind = "variant", value = variant } } });
            await fixture.Http.Receive($"CANON-{sku}", "WH-1", 5m);
        }

        for (var attempt = 0; attempt < 2; attempt++)
            Assert.Equal(HttpStatusCode.OK, (await fixture.Http.SendAsync(Calls.ShopifyWebhook("orders/create", body, "fixture-order-1"))).StatusCode);

        foreach (var (_, sku, quantity) in lines.Take(2))
            await Calls.Eventually(() => fixture.Http.Reserved($"CANON-{sku}", "WH-1"), v => v == quantity, $"the reservation of {sku}");
        // The third line's SKU equals no canonical SKU and its variant has no alias: an exception, not a silent drop.
        var third = lines[2];
        await Calls.Eventually(() => fixture.Http.GetJson("api/exceptions?owner=inventory"),
            e => e.EnumerateArray().Any(x => x.GetProperty("detail").GetString()!.Contains(third.Variant)), "the unmapped-sku exception for the third line");
    }
}

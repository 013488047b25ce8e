using RetailFunctions.Testing;
using System.Net;
using System.Net.Http.Json;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>An operator finds a failure, owns it, fixes its cause and replays it, over the API.</summary>
public sealed class OperationsTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task AnUnmappedSkuIsFixedByMappingItAndReplayingTheArchivedWebhook()
    {
        await Http.Receive("LATE-MAPPED", "WH-1", 5m);
        var order = Payloads.Order(5550000000100, 4440000000100, 600000000000100, "TYPO-SKU", 2);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-replay-100"))).StatusCode);
        var exceptions = await Calls.Eventually(() => Http.GetJson("api/exceptions?owner=inventory&status=open"),
            e => e.EnumerateArray().Any(x => x.GetProperty("detail").GetString()!.Contains("600000000000100")), "the unmapped-sku exception");
        var exception = exceptions.EnumerateArray().First(x => x.GetProperty("detail").GetString()!.Contains("600000000000100"));
        var id = exception.GetProperty("id").GetString()!;
        var archived = exception.GetProperty("payloadReference").GetString()!["raw-archive/".Length..];

        // Own it, fix the cause (map the variant), replay the archived delivery, close it.
        var ack = await Http.PostAsJsonAsync($"api/exceptions/inventory/{id}/acknowledge", new { by = "ana", note = "variant missing from the catalog" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("acknowledged", (await ack.Json()).GetProperty("status").GetString());
        await Http.PutJson("api/catalog/skus/LATE-MAPPED", new { aliases = new[] { new { system = "shopify", kind = "variant", value = "600000000000100" } } });

        var replay = await Http.PostAsJsonAsync("api/replay/raw", new { shop = "e2e-shop.myshopify.com", blobs = new[] { archived } });
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(1, (await replay.Json()).GetProperty("replayed").GetInt32());
        await Calls.Eventually(() => Http.Reserved("LATE-MAPPED", "WH-1"), v => v == 2m, "the replayed order to reserve its line");

        var resolved = await Http.PostAsJsonAsync($"api/exceptions/inventory/{id}/resolve", new { by = "ana", note = "mapped and replayed" });
        var body = await resolved.Json();
        Assert.Equal("resolved", body.GetProperty("status").GetString());
        Assert.Equal(["acknowledge", "resolve"], body.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()));
        Assert.Equal("ana", body.GetProperty("history")[1].GetProperty("by").GetString());

        var again = await Http.PostAsJsonAsync($"api/exceptions/inventory/{id}/resolve", new { by = "ana" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsJsonAsync("api/exceptions/inventory/no-such-id/resolve", new { by = "ana" })).StatusCode);

        // Replaying the same delivery again changes nothing: the reservation exists.
        await Http.PostAsJsonAsync("api/replay/raw", new { shop = "e2e-shop.myshopify.com", blobs = new[] { archived } });
        await Http.QueuesDrained();
        Assert.Equal(2m, await Http.Reserved("LATE-MAPPED", "WH-1"));
    }

    [Fact]
    public async Task ReplayNeedsASelection()
    {
        var response = await Http.PostAsJsonAsync("api/deadletters/replay", new { });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostAsJsonAsync("api/replay/raw", new { shop = "x" })).StatusCode);
    }
}

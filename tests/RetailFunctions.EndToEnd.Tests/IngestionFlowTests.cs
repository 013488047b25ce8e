using RetailFunctions.Testing;
using System.Net;
using System.Text;
using Azure.Storage.Blobs;
using RetailFunctions.Pipeline;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>The first flow, end to end: signed webhooks and POS uploads through queue, worker and Table storage.</summary>
public sealed class IngestionFlowTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private HttpClient Http => fixture.Http;

    private async Task MapShirtAsync(string sku, long variantId, string webhookId)
    {
        var response = await Http.SendAsync(Calls.ShopifyWebhook("products/create", Payloads.Product(900000000000001, variantId, 800000000000001, sku, "0012345678905"), webhookId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Calls.Eventually(async () => (await Http.GetAsync($"api/catalog/skus/{sku}")).StatusCode, s => s == HttpStatusCode.OK, $"catalog item {sku}");
    }

    [Fact]
    public async Task GivenMappedSku_WhenSignedOrderArrivesTwice_ThenStockIsReservedOnceAndSoldOnceWhenFulfilled()
    {
        const long variantId = 9007199254740993; // above 2^53: must survive without passing through double
        await MapShirtAsync("BLU-SHIRT-M", variantId, "wh-product-1");
        var sku = await Http.GetJson("api/catalog/skus/BLU-SHIRT-M");
        Assert.Contains(sku.GetProperty("aliases").EnumerateArray(), a => a.GetProperty("value").GetString() == variantId.ToString());
        await Http.Receive("BLU-SHIRT-M", "WH-1", 10m);

        var order = Payloads.Order(5550000000001, 4440000000001, variantId, "BLU-SHIRT-M", 2);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-order-1"))).StatusCode);
        await Calls.Eventually(() => Http.Reserved("BLU-SHIRT-M", "WH-1"), v => v == 2m, "the web order to reserve its line");

        // The same delivery again (Shopify retries with the same webhook id), then a resend with a new webhook id of the same event.
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-order-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-order-1-resend", eventId: "event-wh-order-1"))).StatusCode);
        // And an orders/updated for the same order, signed with the second (rotated-in) secret: converges, moves nothing more.
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/updated", order, "wh-order-1-update", secret: RuntimeFixture.SecretB))).StatusCode);
        await Http.QueuesDrained();
        Assert.Equal(2m, await Http.Reserved("BLU-SHIRT-M", "WH-1"));
        Assert.Equal(10m, await Http.OnHand("BLU-SHIRT-M", "WH-1"));

        // Fulfilled: the reservation is consumed and the goods leave on hand, once, however often it is said.
        var fulfilled = Payloads.Order(5550000000001, 4440000000001, variantId, "BLU-SHIRT-M", 2, lineFulfillmentStatus: "fulfilled");
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/fulfilled", fulfilled, "wh-order-1-fulfilled"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/updated", fulfilled, "wh-order-1-fulfilled-update"))).StatusCode);
        await Calls.Eventually(() => Http.OnHand("BLU-SHIRT-M", "WH-1"), v => v == 8m, "the fulfilment to consume the reservation");
        await Http.QueuesDrained();
        Assert.Equal(0m, await Http.Reserved("BLU-SHIRT-M", "WH-1"));

        var movements = await Http.GetJson("api/inventory/BLU-SHIRT-M/movements");
        Assert.Equal(["Receipt", "Sale"], movements.GetProperty("movements").EnumerateArray().Select(m => m.GetProperty("kind").GetString()));
        Assert.Equal(2m, movements.GetProperty("movements")[1].GetProperty("quantity").GetDecimal());
    }

    [Fact]
    public async Task GivenTooLittleStock_WhenWebOrderArrives_ThenNothingIsOversoldAndTheLineIsABackorderForInventory()
    {
        await MapShirtAsync("RED-SHIRT-S", 700000000000009, "wh-product-9");
        await Http.Receive("RED-SHIRT-S", "WH-1", 1m);
        var order = Payloads.Order(5550000000009, 4440000000009, 700000000000009, "RED-SHIRT-S", 3);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-backorder-9"))).StatusCode);
        var exceptions = await Calls.Eventually(() => Http.GetJson("api/exceptions?owner=inventory"),
            e => e.EnumerateArray().Any(x => x.GetProperty("reason").GetString() == "backorder" && x.GetProperty("detail").GetString()!.Contains("RED-SHIRT-S")),
            "a backorder exception");
        Assert.Contains("only 1", exceptions.EnumerateArray().First(x => x.GetProperty("reason").GetString() == "backorder"
            && x.GetProperty("detail").GetString()!.Contains("RED-SHIRT-S")).GetProperty("detail").GetString());
        // What can be promised is held; only the rest waits as a backorder.
        Assert.Equal(1m, await Http.Reserved("RED-SHIRT-S", "WH-1"));
        Assert.Equal(1m, await Http.OnHand("RED-SHIRT-S", "WH-1"));
    }

    [Fact]
    public async Task GivenCancellationBeforeCreation_ThenNothingStaysReserved()
    {
        await MapShirtAsync("GRN-SHIRT-L", 700000000000002, "wh-product-2");
        await Http.Receive("GRN-SHIRT-L", "WH-1", 5m);
        var placed = Payloads.Order(5550000000002, 4440000000002, 700000000000002, "GRN-SHIRT-L", 3);
        var cancelled = Payloads.Order(5550000000002, 4440000000002, 700000000000002, "GRN-SHIRT-L", 3, cancelledAt: "2026-11-20T11:00:00-05:00");
        // Cancellation delivered before the creation: out-of-order delivery must converge all the same.
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/cancelled", cancelled, "wh-cancel-2"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", placed, "wh-create-2"))).StatusCode);
        // The order remembers its cancellation, so the later creation reserves nothing.
        var status = await Calls.Eventually(async () =>
            {
                var response = await Http.GetAsync("api/orders/by-channel/shopify/5550000000002");
                return response.IsSuccessStatusCode ? (await response.Json()).GetProperty("status").GetString() : null;
            }, status => status == "Cancelled", "the order to be known and cancelled");
        Assert.Equal("Cancelled", status);
        await Http.QueuesDrained();
        Assert.Equal(0m, await Http.Reserved("GRN-SHIRT-L", "WH-1"));
        Assert.Equal(5m, await Http.OnHand("GRN-SHIRT-L", "WH-1"));
    }

    [Fact]
    public async Task GivenUnknownVariant_WhenOrderArrives_ThenExceptionForInventoryOwnerAndNothingMoves()
    {
        var order = Payloads.Order(5550000000003, 4440000000003, 123456789012345, "NOT-IN-CATALOG", 1);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-unmapped-3"))).StatusCode);
        var exceptions = await Calls.Eventually(() => Http.GetJson("api/exceptions?owner=inventory"),
            e => e.EnumerateArray().Any(x => x.GetProperty("reason").GetString() == "unmapped-sku" && x.GetProperty("detail").GetString()!.Contains("123456789012345")),
            "an unmapped-sku exception");
        var raised = exceptions.EnumerateArray().First(x => x.GetProperty("detail").GetString()!.Contains("123456789012345"));
        Assert.StartsWith("raw-archive/shopify/", raised.GetProperty("payloadReference").GetString());
        Assert.Equal("open", raised.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("api/inventory/NOT-IN-CATALOG")).StatusCode);
        Assert.Null(await Http.OnHand("NOT-IN-CATALOG", "WH-1"));
    }

    [Fact]
    public async Task GivenMappedStoreAndItem_WhenPosLogSaleUploaded_ThenStoreStockMovesAndCardNumberIsNeverStored()
    {
        await Http.PutJson("api/catalog/locations/STORE-12", new { name = "High Street", aliases = new[] { new { system = "pos", value = "12" } } });
        await Http.PutJson("api/catalog/skus/APPLE-HC", new { title = "Honeycrisp", unitOfMeasure = "KGM", aliases = new[] { new { system = "pos", kind = "item", value = "67591" } } });

        var xml = Payloads.PosLogSale("12", "1001", "67591", "0.42", cardNumber: "4111 1111 1111 1111");
        var response = await Http.PostAsync("api/pos/transactions", new StringContent(xml, Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Json();
        var batchId = accepted.GetProperty("batchId").GetString()!;
        Assert.Equal(1, accepted.GetProperty("transactions").GetInt32());
        Assert.Equal(1, accepted.GetProperty("cardNumbersMasked").GetInt32());

        var batch = await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the batch to complete");
        var status = Assert.Single(batch.GetProperty("transactions").EnumerateArray());
        Assert.Equal("applied", status.GetProperty("status").GetString());
        Assert.Equal("12-2-20261120-1001", status.GetProperty("receipt").GetString());
        Assert.Equal(-0.42m, await Http.OnHand("APPLE-HC", "STORE-12"));

        // What was archived has the card number masked.
        var blobs = new BlobServiceClient(fixture.Azurite.ConnectionString).GetBlobContainerClient(ContainerNames.PosUploads);
        var blobName = batch.GetProperty("batch").GetProperty("blob").GetString()!;
        var stored = (await blobs.GetBlobClient(blobName).DownloadContentAsync()).Value.Content.ToString();
        Assert.DoesNotContain("4111 1111 1111 1111", stored);
        Assert.DoesNotContain("4111111111111111", stored);
        Assert.Contains("1111", stored);

        // The same upload again (a store retrying) moves nothing more.
        var again = await Http.PostAsync("api/pos/transactions", new StringContent(xml, Encoding.UTF8, "application/xml"));
        var againId = (await again.Json()).GetProperty("batchId").GetString()!;
        var second = await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{againId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the retried batch to complete");
        Assert.Equal(1, second.GetProperty("transactions")[0].GetProperty("movementsAlreadyApplied").GetInt32());
        Assert.Equal(-0.42m, await Http.OnHand("APPLE-HC", "STORE-12"));
    }

    [Fact]
    public async Task GivenJsonBatchWithOneBadTransaction_ThenTheOthersApplyAndTheBadOneIsReportedByPosition()
    {
        await Http.PutJson("api/catalog/locations/STORE-20", new { name = "Mall", aliases = new[] { new { system = "pos", value = "20" } } });
        await Http.PutJson("api/catalog/skus/MUG-01", new { title = "Mug", aliases = Array.Empty<object>() });
        const string batchJson = """
            {
              "storeId": "20",
              "currency": "USD",
              "transactions": [
                { "workstationId": "1", "sequenceNumber": "1", "businessDay": "2026-11-20", "type": "sale",
                  "lines": [ { "itemId": "MUG-01", "quantity": 1, "unitPrice": 8.5, "extendedAmount": 8.5 } ],
                  "tenders": [ { "type": "cash", "amount": 8.5 } ] },
                { "workstationId": "1", "sequenceNumber": "2", "type": "sale",
                  "lines": [ { "itemId": "MUG-01", "quantity": 1, "unitPrice": 8.5, "extendedAmount": 8.5 } ] },
                { "workstationId": "1", "sequenceNumber": "3", "businessDay": "2026-11-20", "type": "sale",
                  "lines": [ { "itemId": "MUG-01", "quantity": "2", "unitPrice": "8.50", "extendedAmount": "17.00" } ],
                  "tenders": [ { "type": "cash", "amount": 17 } ] }
              ]
            }
            """;
        var response = await Http.PostAsync("api/pos/transactions", new StringContent(batchJson, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var batchId = (await response.Json()).GetProperty("batchId").GetString()!;
        var batch = await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the batch to complete");
        var statuses = batch.GetProperty("transactions").EnumerateArray().ToList();
        Assert.Equal(["applied", "malformed", "applied"], statuses.Select(s => s.GetProperty("status").GetString()));
        Assert.Equal(2, statuses[1].GetProperty("position").GetInt32());
        Assert.Contains("businessDay", statuses[1].GetProperty("reason").GetString());
        Assert.Equal(-3m, await Http.OnHand("MUG-01", "STORE-20"));
    }

    [Fact]
    public async Task GivenUnmappedStore_WhenSaleUploaded_ThenExceptionNamesTheStore()
    {
        await Http.PutJson("api/catalog/skus/PEAR-01", new { title = "Pear", aliases = Array.Empty<object>() });
        var xml = Payloads.PosLogSale("77", "5", "PEAR-01", "1");
        var batchId = (await (await Http.PostAsync("api/pos/transactions", new StringContent(xml, Encoding.UTF8, "application/xml"))).Json()).GetProperty("batchId").GetString()!;
        var batch = await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the batch to complete");
        Assert.Equal("exception", batch.GetProperty("transactions")[0].GetProperty("status").GetString());
        var exceptions = await Http.GetJson("api/exceptions?owner=inventory");
        Assert.Contains(exceptions.EnumerateArray(), e => e.GetProperty("reason").GetString() == "unmapped-location"
            && e.GetProperty("detail").GetString()!.Contains("location 77"));
    }

    [Fact]
    public async Task GivenSignedPayloadThatCannotBeMapped_ThenItIsDeadLetteredWithItsReason()
    {
        const string noId = """{ "line_items": [], "currency": "USD" }""";
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", noId, "wh-poison-1"))).StatusCode);
        var deadLetters = await Calls.Eventually(() => Http.GetJson("api/deadletters"),
            d => d.EnumerateArray().Any(x => x.GetProperty("envelope").GetProperty("correlationId").GetString() == "wh-poison-1"), "the dead letter");
        var parked = deadLetters.EnumerateArray().First(x => x.GetProperty("envelope").GetProperty("correlationId").GetString() == "wh-poison-1");
        Assert.Equal("shopify-webhooks", parked.GetProperty("queue").GetString());
        Assert.Contains("id", parked.GetProperty("reason").GetString());
        Assert.Equal("PayloadException", parked.GetProperty("exceptionType").GetString());
    }

    [Fact]
    public async Task UnknownTopicsAreAcceptedAndRecorded()
    {
        var response = await Http.SendAsync(Calls.ShopifyWebhook("app/uninstalled", """{"id": 1}""", "wh-unknown-topic"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var blobs = new BlobServiceClient(fixture.Azurite.ConnectionString).GetBlobContainerClient(ContainerNames.RawArchive);
        await Calls.Eventually(async () =>
        {
            await foreach (var blob in blobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "shopify/e2e-shop.myshopify.com/", CancellationToken.None))
                if (blob.Name.EndsWith("wh-unknown-topic.json", StringComparison.Ordinal)) return true;
            return false;
        }, found => found, "the raw archive of the unknown topic");
    }

    [Fact]
    public async Task GivenATillItemKnownOnlyByBarcode_ThenItsSaleMovesTheCanonicalSkuAndTheTillIdIsLearned()
    {
        await Http.PutJson("api/catalog/locations/STORE-44", new { aliases = new[] { new { system = "pos", value = "44" } } });
        await Http.PutJson("api/catalog/skus/BLU-SHIRT-L", new { title = "Blue shirt L", barcode = "4006381333931" });
        const string batch = """
            { "storeId": "44", "transactions": [
              { "workstationId": "1", "sequenceNumber": "9", "businessDay": "2026-11-20", "type": "sale",
                "lines": [ { "itemId": "SKU-4471", "barcode": "4006381333931", "quantity": 1, "unitPrice": 29, "extendedAmount": 29 } ] } ] }
            """;
        var batchId = (await (await Http.PostAsync("api/pos/transactions", new StringContent(batch, Encoding.UTF8, "application/json"))).Json()).GetProperty("batchId").GetString()!;
        var done = await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the batch to complete");
        Assert.Equal("applied", done.GetProperty("transactions")[0].GetProperty("status").GetString());
        Assert.Equal(-1m, await Http.OnHand("BLU-SHIRT-L", "STORE-44"));
        var item = await Http.GetJson("api/catalog/skus/BLU-SHIRT-L");
        Assert.Contains(item.GetProperty("aliases").EnumerateArray(),
            a => a.GetProperty("system").GetString() == "pos" && a.GetProperty("kind").GetString() == "item" && a.GetProperty("value").GetString() == "SKU-4471");
    }
}

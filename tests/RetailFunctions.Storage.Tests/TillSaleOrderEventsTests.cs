using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A window of till sales recorded as orders in storage: the anonymous carry-out sales leave nothing on the
/// order-events queue and nothing in their outbox, while the sale of a shopper the receipt names sends its placement,
/// for their history and points.
/// </summary>
public sealed class TillSaleOrderEventsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GivenAnUploadOfAnonymousSalesAndOneByAKnownShopper_WhenRecorded_ThenOrderEventsHoldsOnlyTheShoppersPlacement()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var store = $"{Random.Shared.Next(100_000, 999_999)}";
        var catalog = new TableCatalogStore(account);
        var ct = CancellationToken.None;
        await catalog.UpsertLocationAsync(new Location($"STORE-{store}", "Till store", null, null, [new LocationAlias("pos", store)]), ct);
        await catalog.UpsertItemAsync(
            new CatalogItem($"SKU-{store}", "Socks", null, "EA", 5m, [new SkuAlias("pos", AliasKinds.Item, $"i{store}")]), ct);
        var orders = new TableOrderStore(account);
        var sender = new QueueMessageSender(account, new BlobStore(account));
        var effects = new OrderEffectRunner(null!, null!, catalog, null!, sender, new InventoryOptions(null, new HashSet<string>()),
            TimeProvider.System);
        var recorder = new PosOrderRecorder(sender, catalog, orders, TimeProvider.System,
            new OrderService(orders, effects, OrderPolicy.Default));
        var sales = Enumerable.Range(1, 20).Select(i => Sale(store, $"{i}", i == 7 ? "<LoyaltyID>L-7</LoyaltyID>" : "")).ToList();

        var noKeys = new Dictionary<string, string>();
        var recorded = await recorder.RecordAllAsync([.. sales.Select((s, i) => (s, $"pos-uploads/b.xml#{i}",
            (IReadOnlyDictionary<string, string>)noKeys))], ct);

        var published = new List<Envelope>();
        var queue = account.Queue(QueueNames.OrderEvents);
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5), ct)).Value is { Length: > 0 } received)
            published.AddRange(received.SelectMany(m => QueueMessageSender.Read(m.Body.ToString()).Envelopes));
        var placement = Assert.Single(published.Select(e => (Order: e.Key(BusinessKeys.Order), Event: e.Key("event"))));
        Assert.Equal((OrderIds.ForReceipt(sales[6].Receipt), nameof(OrderEvent.OrderPlaced)), placement);
        foreach (var orderId in recorded)
        {
            var row = await orders.LoadAsync(orderId!, ct);
            Assert.Equal(OrderStatus.Closed, row.Order.Status);
            Assert.Empty(row.Pending);
        }
    }

    private static PosTransaction Sale(string store, string sequence, string customer)
    {
        var xml = $"""
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
              <RetailStoreID>{store}</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>{sequence}</SequenceNumber>
              <BusinessDayDate>2026-11-20</BusinessDayDate><EndDateTime>2026-11-20T15:00:00</EndDateTime>
              <CurrencyCode>USD</CurrencyCode><RetailTransaction>{customer}
                <LineItem><SequenceNumber>1</SequenceNumber><Sale ItemType="Stock"><ItemID>i{store}</ItemID>
                  <ActualSalesUnitPrice>5.00</ActualSalesUnitPrice><ExtendedAmount>10.00</ExtendedAmount><Quantity>2</Quantity>
                </Sale></LineItem>
                <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>4.00</Amount></Tender></LineItem>
                <LineItem><SequenceNumber>3</SequenceNumber><Tender TenderType="CreditDebit"><Amount>6.00</Amount></Tender></LineItem>
                <Total TotalType="TransactionGrandAmount">10.00</Total>
              </RetailTransaction></Transaction></POSLog>
            """;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Assert.IsType<PosParseResult.Parsed>(Assert.Single(PosLogReader.Read(stream))).Transaction;
    }
}

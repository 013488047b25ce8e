using System.Globalization;
using System.Text;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Catalog;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// POS batches through the handler on a real Azurite, with the stock ledger, the order records and the journal as the
/// runtime wires them, counting the storage requests: each SKU's lines of a window are one ledger transaction (split at
/// 100 rows), a window's availability nudges travel in a few messages, a window run again applies nothing twice, two
/// runtimes posting one SKU lose no update, and a window whose stock write failed is applied when retried.
/// </summary>
public sealed class PosBatchLedgerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateOnly Day = new(2026, 11, 20);
    private const decimal Received = 10_000m;

    /// <summary>One runtime instance: its own storage clients (counted), ledger, order service and handler.</summary>
    private sealed class Runtime
    {
        public Runtime(string connectionString, PosHandlerOptions options)
        {
            var clock = TimeProvider.System;
            var pilot = PilotGate.AllOn(clock);
            var account = StorageRoundTrips.Account(connectionString, Requests);
            var catalog = new CachedCatalog(new TableCatalogStore(account), clock);
            var exceptions = new TableExceptionStore(account);
            var sender = new QueueMessageSender(account, new BlobStore(account));
            var inventoryOptions = new InventoryOptions(null, new HashSet<string>());
            Account = account;
            Catalog = catalog;
            Stock = new TableInventoryStore(account);
            Inventory = new InventoryService(Stock, sender, pilot, clock);
            Orders = new TableOrderStore(account);
            Journal = new TableJournalStore(account);
            Batches = new TablePosBatchStore(account);
            var recorder = new PosOrderRecorder(sender, catalog, Orders, clock,
                new OrderService(Orders, new OrderEffectRunner(null!, null!, catalog, null!, sender, inventoryOptions, clock), OrderPolicy.Default));
            var journal = new TillJournal(new JournalService(Journal, sender, exceptions, pilot, FinanceOptions.Default, clock), exceptions, catalog, clock);
            Handler = new PosBatchHandler(Batches, new BlobStore(account), new StockPoster(catalog, Inventory, exceptions, inventoryOptions, clock),
                recorder, journal, pilot, options, clock);
        }

        public StorageRoundTrips Requests { get; } = new();
        public StorageAccount Account { get; }
        public ICatalogStore Catalog { get; }
        public TableInventoryStore Stock { get; }
        public InventoryService Inventory { get; }
        public TableOrderStore Orders { get; }
        public TableJournalStore Journal { get; }
        public TablePosBatchStore Batches { get; }
        public PosBatchHandler Handler { get; }

        public Task<HandlerOutcome> HandleAsync(string batchId) => Handler.HandleAsync(new ReceivedMessage(
            new Envelope(Guid.NewGuid().ToString("N"), "pos.batch.received", $"pos-batch:{batchId}", batchId, null,
                new Dictionary<string, string> { [BusinessKeys.Batch] = batchId }, DateTimeOffset.UtcNow, "test", null),
            QueueNames.PosBatches, 1, DateTimeOffset.UtcNow), CancellationToken.None);

        public async Task<decimal> OnHandAsync(string sku, string location) =>
            (await Stock.GetStockAsync(sku, CancellationToken.None)).Single(s => s.Level.Location == location).Level.OnHand;
    }

    /// <summary>A store of its own, with its SKUs in the catalog and on its shelf.</summary>
    private sealed record Store(string PosId, string Location, IReadOnlyList<string> Skus)
    {
        public static string Item(string sku) => $"item-{sku}";
    }

    private async Task<Store> StoreWithAsync(Runtime runtime, int skus)
    {
        var id = $"{Random.Shared.Next(100_000, 999_999)}";
        var store = new Store(id, $"STORE-{id}", [.. Enumerable.Range(0, skus).Select(i => $"SKU-{id}-{i:D3}")]);
        var ct = CancellationToken.None;
        await runtime.Account.ProvisionAsync(ct);
        await runtime.Catalog.UpsertLocationAsync(new Location(store.Location, "Till store", null, null, [new LocationAlias("pos", id)]), ct);
        foreach (var sku in store.Skus)
        {
            await runtime.Catalog.UpsertItemAsync(new CatalogItem(sku, sku, null, "EA", 2m, [new SkuAlias("pos", AliasKinds.Item, Store.Item(sku))]), ct);
            var receipt = await runtime.Inventory.ExecuteAsync(new InventoryCommand.RecordMovement(new StockMovement(sku, store.Location,
                MovementKind.Receipt, Received, $"{sku}-received", "tester", "opening stock", "test", DateTimeOffset.UtcNow)), ct);
            // The channels have the opening stock (as the push would leave it), so a sale owes a push again.
            Assert.True(await runtime.Stock.MarkPushedAsync(sku, store.Location, receipt.Levels.Single().Version, Received, DateTimeOffset.UtcNow, ct));
        }
        await NudgesAsync(runtime, store);
        return store;
    }

    /// <summary>Uploads a POSLog of sales (each line one unit at 2.00, paid in cash) as a batch; returns its id.</summary>
    private static async Task<string> UploadAsync(Runtime runtime, Store store, int workstation, IReadOnlyList<IReadOnlyList<string>> sales,
        DateOnly? businessDay = null)
    {
        var day = businessDay ?? Day;
        var xml = new StringBuilder("<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">");
        for (var n = 0; n < sales.Count; n++)
        {
            var total = (2m * sales[n].Count).ToString("0.00", CultureInfo.InvariantCulture);
            xml.Append(CultureInfo.InvariantCulture, $"""
                <Transaction><RetailStoreID>{store.PosId}</RetailStoreID><WorkstationID>{workstation}</WorkstationID>
                <SequenceNumber>{n + 1}</SequenceNumber><BusinessDayDate>{day:yyyy-MM-dd}</BusinessDayDate>
                <EndDateTime>{day:yyyy-MM-dd}T15:00:00</EndDateTime><CurrencyCode>USD</CurrencyCode><RetailTransaction>
                """);
            for (var i = 0; i < sales[n].Count; i++)
                xml.Append(CultureInfo.InvariantCulture, $"""
                    <LineItem><SequenceNumber>{i + 1}</SequenceNumber><Sale ItemType="Stock"><ItemID>{Store.Item(sales[n][i])}</ItemID>
                    <ActualSalesUnitPrice>2.00</ActualSalesUnitPrice><ExtendedAmount>2.00</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
                    """);
            xml.Append(CultureInfo.InvariantCulture, $"""
                <LineItem><SequenceNumber>{sales[n].Count + 1}</SequenceNumber><Tender TenderType="Cash"><Amount>{total}</Amount></Tender></LineItem>
                <Total TotalType="TransactionGrandAmount">{total}</Total></RetailTransaction></Transaction>
                """);
        }
        xml.Append("</POSLog>");
        var batchId = Guid.NewGuid().ToString("N");
        var blob = $"{store.PosId}/{batchId}.xml";
        await new BlobStore(runtime.Account).PutIfAbsentAsync(ContainerNames.PosUploads, blob, Encoding.UTF8.GetBytes(xml.ToString()), "application/xml",
            CancellationToken.None);
        await runtime.Batches.CreateAsync(new PosBatch(batchId, store.PosId, PosFormats.Xml, blob, PosBatchStatuses.Received, sales.Count, 0, 0, 0, 0, 0, 0,
            DateTimeOffset.UtcNow, null), CancellationToken.None);
        return batchId;
    }

    private static IReadOnlyList<IReadOnlyList<string>> SalesOf(string sku, int count) => [.. Enumerable.Range(0, count).Select(_ => (IReadOnlyList<string>)[sku])];

    private static async Task<PosBatch> CompletedAsync(Runtime runtime, string batchId, int applied)
    {
        var batch = (await runtime.Batches.GetAsync(batchId, CancellationToken.None))!;
        Assert.Equal((PosBatchStatuses.Completed, applied, 0), (batch.Status, batch.Applied, batch.Exceptions));
        return batch;
    }

    /// <summary>A store of one SKU whose upload of one-unit sales is processed: its runtime, with the requests counted from the upload on.</summary>
    private async Task<(Runtime Runtime, Store Store)> SellOneSkuAsync(int chunkSize, int sales)
    {
        var runtime = new Runtime(azurite.ConnectionString, new PosHandlerOptions(chunkSize));
        var store = await StoreWithAsync(runtime, 1);
        var batchId = await UploadAsync(runtime, store, 1, SalesOf(store.Skus[0], sales));
        runtime.Requests.Reset();

        await runtime.HandleAsync(batchId);

        await CompletedAsync(runtime, batchId, sales);
        Assert.Equal(Received - sales, await runtime.OnHandAsync(store.Skus[0], store.Location));
        return (runtime, store);
    }

    [Fact]
    public async Task GivenAnUploadOfManySalesOfOneSku_WhenItIsProcessed_ThenTheSkuIsWrittenInOneLedgerTransactionWithOneNudge()
    {
        var (runtime, _) = await SellOneSkuAsync(chunkSize: 10, sales: 45);

        // Before, the first window was one chunk and each next one doubled: 10, 20 and 15 sales, a ledger write each.
        Assert.Equal(1, runtime.Requests["POST $batch:Inventory"]);
        Assert.Equal(1, runtime.Requests["POST channel-availability"]);
        // The statuses are still saved a chunk at a time.
        Assert.Equal(5, runtime.Requests["POST $batch:PosBatches"]);
    }

    [Fact]
    public async Task GivenAWindowThatTouchesManySkus_WhenItIsProcessed_ThenEachSkuIsOneTransactionAndItsNudgesTravelInAFewMessages()
    {
        var runtime = new Runtime(azurite.ConnectionString, new PosHandlerOptions(ChunkSize: 50));
        var store = await StoreWithAsync(runtime, 100);
        // 50 sales of four lines: every SKU sold twice, 200 movements.
        var sales = Enumerable.Range(0, 50).Select(n => (IReadOnlyList<string>)[.. Enumerable.Range(0, 4).Select(i => store.Skus[(n * 4 + i) % 100])]).ToList();
        var batchId = await UploadAsync(runtime, store, 1, sales);
        runtime.Requests.Reset();

        await runtime.HandleAsync(batchId);

        await CompletedAsync(runtime, batchId, 50);
        Assert.Equal(100, runtime.Requests["POST $batch:Inventory"]);
        Assert.All(runtime.Requests.Batches("Inventory"), operations => Assert.Equal(6, operations)); // level, outbox, 2 x (movement, applied)
        foreach (var sku in store.Skus) Assert.Equal(Received - 2m, await runtime.OnHandAsync(sku, store.Location));
        // One nudge per SKU and location changed, not per movement; sent together, they share a few messages.
        var nudges = await NudgesAsync(runtime, store);
        Assert.Equal(store.Skus.Order(StringComparer.Ordinal), nudges.Order(StringComparer.Ordinal));
        Assert.InRange(runtime.Requests["POST channel-availability"], 1, 8);
    }

    [Fact]
    public async Task GivenASkuWithMoreLinesThanOneTransactionHolds_WhenItIsProcessed_ThenItsWritesStayWithinOneHundredRowsAndEachLineAppliesOnce()
    {
        var (runtime, store) = await SellOneSkuAsync(chunkSize: 50, sales: 120);

        var writes = runtime.Requests.Batches("Inventory");
        Assert.All(writes, operations => Assert.InRange(operations, 1, 100));
        // 49 lines (a movement and an applied row each) with the level and the outbox make a full transaction.
        Assert.Equal(3, writes.Count);
        var movements = await runtime.Stock.GetMovementsAsync(store.Skus[0], store.Location, 1000, null, CancellationToken.None);
        Assert.Equal(121, movements.Movements.Count);
    }

    [Fact]
    public async Task GivenABatchAppliedBeforeACrash_WhenANewRuntimeRunsItAgainFromTheStart_ThenNothingIsAppliedTwiceAndTheLedgerIsNotWritten()
    {
        var first = new Runtime(azurite.ConnectionString, new PosHandlerOptions(ChunkSize: 10));
        var store = await StoreWithAsync(first, 3);
        var sales = Enumerable.Range(0, 30).Select(n => (IReadOnlyList<string>)[store.Skus[n % 3], store.Skus[(n + 1) % 3]]).ToList();
        var batchId = await UploadAsync(first, store, 1, sales);
        await first.HandleAsync(batchId);
        var applied = await CompletedAsync(first, batchId, 30);
        var journalled = (await first.Journal.ListAsync(Day, store.Location, CancellationToken.None)).Count;
        var order = await first.Orders.LoadAsync($"pos-{store.PosId}-1-{Day:yyyyMMdd}-7", CancellationToken.None);
        Assert.NotNull(order.ETag);
        // The crash came after every effect was written and before any progress was saved.
        await first.Batches.SaveChunkAsync(applied with { Status = PosBatchStatuses.Processing, ProcessedThrough = 0, Applied = 0, CompletedAt = null }, [],
            CancellationToken.None);

        var again = new Runtime(azurite.ConnectionString, new PosHandlerOptions(ChunkSize: 10));
        await again.HandleAsync(batchId);

        // The journal's transaction fails on the stored entries, which are then read 14 to a query (not one by one).
        var (journalReads, journalAdds) = (again.Requests["GET Journal"], again.Requests["POST Journal"]);
        Assert.Equal((3, 0), (journalReads, journalAdds));

        await CompletedAsync(again, batchId, 30);
        foreach (var sku in store.Skus) Assert.Equal(Received - 20m, await again.OnHandAsync(sku, store.Location));
        // One window: each SKU's lines are read once and found applied, so nothing is written (in windows after the
        // first, lines decided on the rows the first left would try a write and lose it on their applied rows).
        Assert.Equal(0, again.Requests["POST $batch:Inventory"]);
        var statuses = await again.Batches.GetTransactionsAsync(batchId, 0, 100, CancellationToken.None);
        Assert.All(statuses, s => Assert.Equal((PosTransactionStatuses.Applied, 0, 2), (s.Status, s.MovementsApplied, s.MovementsAlreadyApplied)));
        Assert.Equal(journalled, (await again.Journal.ListAsync(Day, store.Location, CancellationToken.None)).Count);
        Assert.Equal(order.ETag, (await again.Orders.LoadAsync(order.Order.OrderId, CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task GivenTwoRuntimesPostingTheSameSku_WhenTheirBatchesRunAtOnce_ThenEverySaleIsAppliedOnceAndNoUpdateIsLost()
    {
        // Small windows, so the two runtimes write the SKU many times each and collide on its ETag.
        var (here, there) = (new Runtime(azurite.ConnectionString, new PosHandlerOptions(5, 5)), new Runtime(azurite.ConnectionString, new PosHandlerOptions(5, 5)));
        var store = await StoreWithAsync(here, 1);
        var sku = store.Skus[0];
        var mine = await UploadAsync(here, store, 1, SalesOf(sku, 40));
        var theirs = await UploadAsync(there, store, 2, SalesOf(sku, 40));

        await Task.WhenAll(here.HandleAsync(mine), there.HandleAsync(theirs));

        await CompletedAsync(here, mine, 40);
        await CompletedAsync(there, theirs, 40);
        Assert.Equal(Received - 80m, await here.OnHandAsync(sku, store.Location));
        var movements = (await here.Stock.GetMovementsAsync(sku, store.Location, 1000, null, CancellationToken.None)).Movements;
        Assert.Equal(81, movements.Count);
        Assert.Equal(80, movements.Select(m => m.Movement.IdempotencyKey).Where(k => k.StartsWith("pos:", StringComparison.Ordinal)).Distinct().Count());
        // Each movement records the level it left: one after another, none written over.
        Assert.Equal(Enumerable.Range(0, 81).Select(i => Received - i), movements.OrderBy(m => m.Sequence).Select(m => m.OnHandAfter));
    }

    [Fact]
    public async Task GivenTheLedgerFailsDuringAWindow_WhenTheBatchIsRetried_ThenNoSaleIsLostAndNoneIsAppliedTwice()
    {
        var runtime = new Runtime(azurite.ConnectionString, new PosHandlerOptions(ChunkSize: 10));
        var store = await StoreWithAsync(runtime, 4);
        var sales = Enumerable.Range(0, 30).Select(n => (IReadOnlyList<string>)[store.Skus[n % 4]]).ToList();
        var batchId = await UploadAsync(runtime, store, 1, sales);
        runtime.Requests.FailNextBatches("Inventory", 1);

        await Assert.ThrowsAnyAsync<Exception>(() => runtime.HandleAsync(batchId));

        // Nothing of the window counts as done: its progress was not saved, so the message's retry runs it again.
        var failed = (await runtime.Batches.GetAsync(batchId, CancellationToken.None))!;
        Assert.Equal((PosBatchStatuses.Received, 0), (failed.Status, failed.ProcessedThrough));
        await runtime.HandleAsync(batchId);
        await CompletedAsync(runtime, batchId, 30);
        var onHand = await Task.WhenAll(store.Skus.Select(sku => runtime.OnHandAsync(sku, store.Location)));
        Assert.Equal([Received - 8m, Received - 8m, Received - 7m, Received - 7m], onHand);
        Assert.Equal(30, (await runtime.Journal.ListAsync(Day, store.Location, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task GivenALateUploadOfADayBeforeTheLookback_WhenItIsProcessed_ThenTheOwedDayIsMarkedOnceAndItsErpPostingsShareAFewMessages()
    {
        var runtime = new Runtime(azurite.ConnectionString, new PosHandlerOptions(ChunkSize: 50));
        var store = await StoreWithAsync(runtime, 2);
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-FinanceOptions.Default.LookbackDays - 20);
        var batchId = await UploadAsync(runtime, store, 1, [.. Enumerable.Range(0, 30).Select(n => (IReadOnlyList<string>)[store.Skus[n % 2]])], day);
        runtime.Requests.Reset();

        await runtime.HandleAsync(batchId);

        // Before, each entry read the owed mark and was queued for the ERP on its own: 30 reads and 30 messages.
        var (markReads, postings) = (runtime.Requests["GET Journal"], runtime.Requests["POST erp-postings"]);
        Assert.Equal(1, markReads);
        Assert.InRange(postings, 1, 8);
        await CompletedAsync(runtime, batchId, 30);
        Assert.Equal(30, (await runtime.Journal.ListAsync(day, store.Location, CancellationToken.None)).Count);
    }

    /// <summary>The availability nudges queued for the store's SKUs (taken off the queue): the SKU each names.</summary>
    private static async Task<List<string>> NudgesAsync(Runtime runtime, Store store)
    {
        var skus = new List<string>();
        var queue = runtime.Account.Queue(QueueNames.ChannelAvailability);
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } received)
            foreach (var message in received)
                skus.AddRange(QueueMessageSender.Read(message.Body.ToString()).Envelopes
                    .Where(e => e.Key(BusinessKeys.Location) == store.Location).Select(e => e.Key(BusinessKeys.Sku)!));
        return skus;
    }
}

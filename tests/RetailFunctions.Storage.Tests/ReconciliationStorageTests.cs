using System.Text;
using RetailFunctions.Domain.Inventory;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Pipeline.Settlements;
using RetailFunctions.Storage;
using RetailFunctions.Testing;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Storage.Tests;

/// <summary>Settlement import and the reconciliation run against a real Azurite: key order, idempotency, carried items, till uploads, counts.</summary>
public sealed class ReconciliationStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StorageAccount _account = null!;
    private BlobStore _blobs = null!;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
        _blobs = new BlobStore(_account);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class Captures(List<MatchItem> items) : ICapturedPaymentSource
    {
        public async IAsyncEnumerable<MatchItem> CapturedPaymentsAsync(DateOnly day, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var item in items.Where(i => i.Day == day).OrderBy(i => i.Key, StringComparer.Ordinal)) yield return item;
            await Task.CompletedTask;
        }
    }

    private static string Statement(params (string Id, string Order, string Amount, string Fee, string At)[] lines) =>
        "{\"transactions\":[" + string.Join(",", lines.Select(l =>
            $"{{\"id\":{l.Id},\"type\":\"charge\",\"test\":false,\"currency\":\"USD\",\"amount\":\"{l.Amount}\",\"fee\":\"{l.Fee}\"," +
            $"\"net\":\"{decimal.Parse(l.Amount) - decimal.Parse(l.Fee)}\",\"source_order_transaction_id\":{l.Order},\"processed_at\":\"{l.At}\"}}")) + "]}";

    [Fact]
    public async Task GivenAStatementImportedTwice_WhenADayIsRead_ThenEachLineOnceInPaymentKeyOrder()
    {
        var settlements = new TableSettlementStore(_account);
        var importer = new SettlementImporter(settlements, _blobs);
        var body = Encoding.UTF8.GetBytes(Statement(("90001", "123", "10.00", "0.59", "2031-01-05T10:00:00Z"), ("90002", "12", "20.00", "0.88", "2031-01-05T11:00:00Z"),
            ("90003", "9", "5.00", "0.45", "2031-01-05T12:00:00Z")));

        var first = await importer.ImportAsync(SettlementSources.ShopifyPayments, "web", body, "application/json", CancellationToken.None);
        await importer.ImportAsync(SettlementSources.ShopifyPayments, "web", body, "application/json", CancellationToken.None);

        var keys = new List<string>();
        await foreach (var item in settlements.PaymentsAsync(new DateOnly(2031, 1, 5), CancellationToken.None)) keys.Add(item.Key);
        Assert.Equal(["12", "123", "9"], keys);
        Assert.Equal(3, first.Payments);
        Assert.StartsWith("settlement-uploads/shopify-payments/", first.Upload);
        Assert.Equal(body.Length, (await _blobs.ReadAsync(ContainerNames.SettlementUploads, first.Upload["settlement-uploads/".Length..], CancellationToken.None)).Length);
    }

    [Fact]
    public async Task GivenPlantedDifferencesInStorage_WhenRunTwiceAndTheNextDay_ThenSameReportAndTheTimingItemClears()
    {
        var day = new DateOnly(2031, 2, 10);
        var settlements = new TableSettlementStore(_account);
        await new SettlementImporter(settlements, _blobs).ImportAsync(SettlementSources.ShopifyPayments, "web",
            Encoding.UTF8.GetBytes(Statement(("81", "501", "10.00", "0.59", "2031-02-10T10:00:00Z"), ("82", "502", "20.00", "0.99", "2031-02-10T11:00:00Z"),
                ("84", "504", "7.00", "0.50", "2031-02-11T09:00:00Z"))),
            "application/json", CancellationToken.None);
        var captures = new List<MatchItem>
        {
            new("501", "web", "capture", 10m, 0.59m, "USD", day), new("502", "web", "capture", 20m, 0.88m, "USD", day),
            new("504", "web", "capture", 7m, null, "USD", day),
        };
        var exceptions = new TableExceptionStore(_account);
        var store = new TableReconciliationStore(_account);
        var pending = new PendingSources();
        var clock = new FixedClock(new DateTimeOffset(2031, 2, 12, 3, 0, 0, TimeSpan.Zero));
        var runner = new ReconciliationRunner(new ReconciliationSources(
                new TableTillRecordSource(_account, _blobs, new TableCatalogStore(_account), new TillSourceOptions(), clock),
                new Captures(captures), settlements, pending, pending, new TableStockCountSource(_account)),
            store, exceptions, PilotGate.AllOn(TimeProvider.System), ReconciliationRunOptions.Default, clock);

        var first = await runner.RunAsync(day, CancellationToken.None);
        var again = await runner.RunAsync(day, CancellationToken.None);
        var next = await runner.RunAsync(day.AddDays(1), CancellationToken.None);

        Assert.Equal(new Dictionary<string, long> { ["fee-mismatch"] = 1, ["timing"] = 1 }, first.Summary.DifferencesByCause);
        Assert.Equivalent(first.Summary, again.Summary);
        Assert.Equal(first.Text, again.Text);
        var stored = await store.GetReportAsync(day, CancellationToken.None);
        Assert.Equal(again.RunId, stored!.RunId);
        Assert.Equal((0L, 1L), (next.Summary.Differences, next.Summary.Cleared));
        var timing = await exceptions.GetAsync(Owners.Finance, "recon:20310210:settlements:timing:web:504", CancellationToken.None);
        Assert.Equal(ExceptionStatuses.Resolved, timing!.Status);
        var fee = await exceptions.GetAsync(Owners.Finance, "recon:20310210:settlements:fee-mismatch:web:502", CancellationToken.None);
        Assert.Equal(ExceptionStatuses.Open, fee!.Status);
    }

    [Fact]
    public async Task GivenATillUploadAndACycleCount_WhenTheDayIsReconciled_ThenTheShortTenderAndTheCountVarianceAreFound()
    {
        var day = new DateOnly(2031, 3, 3);
        var received = new DateTimeOffset(2031, 3, 3, 23, 0, 0, TimeSpan.Zero);
        var store = $"S{Guid.NewGuid():N}"[..10];
        var batch = $$"""
            {"storeId":"{{store}}","currency":"USD","transactions":[
              {"workstationId":"1","businessDay":"2031-03-03","sequenceNumber":"1","type":"sale",
               "lines":[{"itemId":"A","quantity":1,"unitPrice":12.0,"extendedAmount":12.0}],
               "tenders":[{"type":"Cash","amount":20.0},{"type":"Cash","amount":8.0,"change":true}]},
              {"workstationId":"1","businessDay":"2031-03-03","sequenceNumber":"2","type":"tillClose",
               "tillTotals":[{"tenderType":"Cash","amount":15.0,"count":1}]}
            ]}
            """;
        await _blobs.UploadAsync(ContainerNames.PosUploads, $"2031/03/03/{Guid.NewGuid():N}.json", new MemoryStream(Encoding.UTF8.GetBytes(batch)), "application/json", CancellationToken.None);
        var sku = $"CNT-{Guid.NewGuid():N}";
        var inventory = new StockGroupCommit(new TableInventoryStore(_account));
        await inventory.ExecuteAsync(new InventoryCommand.RecordMovement(new StockMovement(sku, "STORE-9", MovementKind.Receipt, 9m, $"{sku}-r", "t", "r", "e", received, day)), CancellationToken.None);
        await inventory.ExecuteAsync(new InventoryCommand.RecordMovement(new StockMovement(sku, "STORE-9", MovementKind.CycleCount, 7m, $"{sku}-c", "t", "count", "e", received, day)), CancellationToken.None);

        var clock = new FixedClock(received.AddHours(4));
        var tills = new TableTillRecordSource(_account, _blobs, new TableCatalogStore(_account), new TillSourceOptions(), clock);
        var records = new List<TillRecord>();
        await foreach (var r in tills.TillRecordsAsync(day, CancellationToken.None)) if (r.Store == store) records.Add(r);
        var counts = new List<StockCount>();
        await foreach (var c in new TableStockCountSource(_account).CountsAsync(day, CancellationToken.None)) if (c.Sku == sku) counts.Add(c);

        Assert.Equal([TillRecordKind.Sale, TillRecordKind.TillClose], records.Select(r => r.Kind));
        Assert.Equal(12m, Assert.Single(records[0].Tenders).Amount);
        var count = Assert.Single(counts);
        Assert.Equal((7m, 9m), (count.Counted, count.LedgerOnHand));
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using RetailFunctions.Pipeline;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Benchmarks;

/// <summary>
/// Till transactions processed end to end: one store's POSLog upload of sales, timed from the upload until the batch
/// is completed, every sale's journal entry is written and every sale's order record is saved with nothing left in its
/// outbox (read from storage directly). Then a smaller upload through a second runtime whose Table endpoint is the
/// counting proxy, to count the Table round trips a till transaction costs (its order workflow and consumers included).
/// </summary>
public static class TillBench
{
    private const string Location = "ST-TILL";
    private const string PosStore = "700";
    private const int SkuCount = 200;
    private const int Received = 1_000_000;

    public static async Task RunAsync(Config config, Report report, CancellationToken ct)
    {
        var transactions = config.Quick ? 1_000 : 10_000;
        var counted = config.Quick ? 100 : 200;
        // Generous: the slowest rate seen before batching (10 transactions/s) still finishes, and is reported as such.
        var timeout = TimeSpan.FromSeconds(60 + transactions / 8);
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        Console.WriteLine();
        Console.WriteLine($"[till] one POSLog upload of {transactions} sales at one store ({SkuCount} SKUs, 1-4 lines each) until batch, journal and " +
            $"order records are all done; Table round trips of an upload of {counted} through a counting proxy");
        Azurite? azurite = null;
        RuntimeProcess? runtime = null;
        TableCounter? counter = null;
        TableCounter? queues = null;
        HttpClient? http = null;
        try
        {
            azurite = await Started.AzuriteAsync();
            var tables = new TableServiceClient(azurite.ConnectionString);
            var sequence = 0;

            // The round trips first, on a runtime whose Table endpoint is the counting proxy, so nothing left over from
            // the throughput run is counted. The waits read storage directly, not through the runtime or the proxy.
            counter = await TableCounter.StartAsync(TableEndpoints.TableEndpoint(azurite.ConnectionString), ct);
            queues = await TableCounter.StartAsync(TableEndpoints.QueueEndpoint(azurite.ConnectionString), ct);
            runtime = await Started.RuntimeAsync(Settings(TableEndpoints.WithQueueEndpoint(
                TableEndpoints.WithTableEndpoint(azurite.ConnectionString, counter.BaseUrl), queues.BaseUrl)));
            http = Client(runtime);
            await SetUpAsync(http, ct);
            // Warm-up: every SKU sold once or more, so what is counted is the steady state, not first reads.
            var countWarm = await UploadAndWaitAsync(http, tables, day, ref sequence, SkuCount, TimeSpan.FromSeconds(240), ct);
            if (!countWarm.Done) throw new InvalidOperationException($"the counting warm-up upload was not processed: {countWarm}");
            // Its pushes too, or their marks would fall in the idle window and be subtracted from the count as background.
            await WebhookBench.WaitForEmptyAsync(azurite, QueueNames.ChannelAvailability, TimeSpan.FromSeconds(60), ct);
            await Task.Delay(1_000, ct);
            var idleClock = Stopwatch.StartNew();
            var idleBefore = counter.Total;
            var idleQueuesBefore = queues.Total;
            await Task.Delay(3_000, ct);
            var idlePerSecond = (counter.Total - idleBefore) / idleClock.Elapsed.TotalSeconds;
            var idleQueuesPerSecond = (queues.Total - idleQueuesBefore) / idleClock.Elapsed.TotalSeconds;
            var before = counter.Snapshot();
            var queuesBefore = queues.Snapshot();
            var window = Stopwatch.StartNew();
            var small = await UploadAndWaitAsync(http, tables, day, ref sequence, counted, TimeSpan.FromSeconds(120 + counted), ct);
            // The sales' pushes to the channels (and their marks) run on after the batch is done; they are the sales' cost too.
            await WebhookBench.WaitForEmptyAsync(azurite, QueueNames.ChannelAvailability, TimeSpan.FromSeconds(60), ct);
            var seconds = window.Elapsed.TotalSeconds;
            var after = counter.Snapshot();
            var queuesAfter = queues.Snapshot();
            if (!small.Done) report.Fail($"Till transactions: the counted upload was not processed: {small}");
            var (byKind, perTransaction, byTable) = PerTransaction(before, after, idlePerSecond * seconds, counted);
            report.Row("Till transaction: Table round trips", $"{perTransaction:0.00} per transaction",
                $"counted by a proxy in front of Azurite's Table endpoint over an upload of {counted} sales, batch, journal and order records done " +
                $"({small.Seconds:0.0} s) and the channel pushes' queue empty ({seconds:0.0} s); a $batch counts once; by table: {byTable}; background without uploads {idlePerSecond:0.0}/s, subtracted");
            var (byQueueKind, queuesPerTransaction, byQueue) = PerTransaction(queuesBefore, queuesAfter, idleQueuesPerSecond * seconds, counted);
            report.Row("Till transaction: queue round trips", $"{queuesPerTransaction:0.00} per transaction",
                $"counted by a proxy in front of Azurite's Queue endpoint over the same upload (sends, receives, renewals, deletes, polls); by queue: " +
                $"{byQueue}; background without uploads {idleQueuesPerSecond:0.0}/s, subtracted");
            http.Dispose();
            http = null;
            await Started.StopAsync(runtime);
            runtime = null;

            // The throughput: the same storage straight, without the proxy.
            runtime = await Started.RuntimeAsync(Settings(azurite.ConnectionString));
            http = Client(runtime);
            // Warm-up: JIT, connections and this runtime's first reads are not part of the measure.
            var warm = await UploadAndWaitAsync(http, tables, day, ref sequence, 100, TimeSpan.FromSeconds(180), ct);
            if (!warm.Done) throw new InvalidOperationException($"the warm-up upload was not processed: {warm}");

            var loadBefore = Machine.LoadAverage();
            var run = await UploadAndWaitAsync(http, tables, day, ref sequence, transactions, timeout, ct);
            var perSecond = run.Sales / run.Seconds;
            var broken = new List<string>();
            if (!run.Done) broken.Add($"not all processed within {timeout.TotalSeconds:0} s: {run}");
            if (run.Applied != run.Sales) broken.Add($"{run.Applied} of {run.Sales} transactions applied");
            var sold = await SoldUnitsAsync(http, ct);
            var uploaded = countWarm.UnitsSold + small.UnitsSold + warm.UnitsSold + run.UnitsSold;
            if (run.Done && sold != uploaded) broken.Add($"stock fell by {sold} units, the uploads sold {uploaded}");
            foreach (var reason in broken) report.Fail($"Till transactions: {reason}");
            report.Row("Till transactions, upload to done", $"{Report.Fmt(perSecond, "N1")} transactions/s",
                $"{run.Sales} sales in one POSLog upload ({run.Megabytes:0.0} MB), {run.Seconds:0.0} s to done: batch completed after {run.BatchSeconds:0.0} s, " +
                $"journal entries after {run.JournalSeconds:0.0} s, order records after {run.OrdersSeconds:0.0} s; stock down by {sold} units, " +
                $"{uploaded} sold in all uploads; load average before {loadBefore}; {(broken.Count == 0 ? "every sale applied once" : "INVARIANTS BROKEN")}");
            report.Figure("tillTransactions", perSecond);
            report.Result("tillTransactions", new
            {
                transactions = run.Sales,
                megabytes = Report.Round(run.Megabytes, 2),
                seconds = Report.Round(run.Seconds, 2),
                transactionsPerSecond = Report.Round(perSecond, 1),
                batchCompletedSeconds = Report.Round(run.BatchSeconds, 2),
                journalDoneSeconds = Report.Round(run.JournalSeconds, 2),
                ordersDoneSeconds = Report.Round(run.OrdersSeconds, 2),
                unitsSoldInAllUploads = uploaded,
                stockFell = sold,
                loadAverageBefore = loadBefore,
                tableRoundTripsPerTransaction = Report.Round(perTransaction, 2),
                tableRoundTripsCountedOver = counted,
                tableRoundTripsByKind = byKind.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
                    .ToDictionary(kv => kv.Key, kv => Report.Round(kv.Value / (double)counted, 3)),
                backgroundTableRoundTripsPerSecond = Report.Round(idlePerSecond, 2),
                queueRoundTripsPerTransaction = Report.Round(queuesPerTransaction, 2),
                queueRoundTripsByKind = byQueueKind.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
                    .ToDictionary(kv => kv.Key, kv => Report.Round(kv.Value / (double)counted, 3)),
                backgroundQueueRoundTripsPerSecond = Report.Round(idleQueuesPerSecond, 2),
                invariantsHeld = broken.Count == 0,
                broken,
            });
        }
        finally
        {
            http?.Dispose();
            await Started.StopAsync(runtime);
            if (counter is not null) await counter.DisposeAsync();
            if (queues is not null) await queues.DisposeAsync();
            await Started.StopAsync(azurite);
        }
    }

    /// <summary>Requests counted between two snapshots, by kind; per transaction, less the background; and by table or queue, for the report.</summary>
    private static (Dictionary<string, long> ByKind, double PerTransaction, string ByName) PerTransaction(Dictionary<string, long> before,
        Dictionary<string, long> after, double background, int counted)
    {
        var byKind = after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));
        return (byKind, (byKind.Values.Sum() - background) / counted, TableCounter.PerEventByTable(byKind, counted, "0.##"));
    }

    private sealed record Progress(int Sales, int UnitsSold, double Megabytes, bool Done, double Seconds, double BatchSeconds, double JournalSeconds,
        double OrdersSeconds, int Applied, int Journalled, int Ordered)
    {
        public override string ToString() =>
            $"{Applied} of {Sales} applied, {Journalled} journalled, {Ordered} order records done after {Seconds:0.0} s";
    }

    /// <summary>Uploads sales numbered after <paramref name="sequence"/> and waits until they are all done, or the timeout.</summary>
    private static Task<Progress> UploadAndWaitAsync(HttpClient http, TableServiceClient tables, DateOnly day, ref int sequence, int count,
        TimeSpan timeout, CancellationToken ct)
    {
        var (xml, units, receipts) = PosLog(day, sequence, count);
        sequence += count;
        return UploadAndWaitAsync(http, tables, day, xml, units, receipts, timeout, ct);
    }

    private static async Task<Progress> UploadAndWaitAsync(HttpClient http, TableServiceClient tables, DateOnly day, byte[] xml, int units,
        IReadOnlyList<string> receipts, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var content = new ByteArrayContent(xml);
        content.Headers.ContentType = new("application/xml");
        using var response = await http.PostAsync("api/pos/transactions", content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"the POSLog upload answered {(int)response.StatusCode}: {text}");
        var batchId = JsonDocument.Parse(text).RootElement.GetProperty("batchId").GetString()!;

        var orderIds = receipts.Select(r => $"pos-{r}").ToHashSet(StringComparer.Ordinal);
        var factIds = receipts.Select(r => $"pos:{r}:sale").ToHashSet(StringComparer.Ordinal);
        var orders = tables.GetTableClient(TableNames.Orders);
        var journal = tables.GetTableClient(TableNames.Journal);
        var batches = tables.GetTableClient(TableNames.PosBatches);
        var journalPartition = $"{day:yyyyMMdd}|{TableKeys.Escape(Location)}";
        double? batchAt = null, journalAt = null, ordersAt = null;
        var (applied, journalled, ordered) = (0, 0, 0);
        while (clock.Elapsed < timeout)
        {
            if (batchAt is null)
            {
                var batch = (await batches.GetEntityAsync<TableEntity>(TableKeys.Escape(batchId), "batch", ["Status", "Applied"], ct)).Value;
                applied = batch.GetInt32("Applied") ?? 0;
                if (batch.GetString("Status") == "completed") batchAt = clock.Elapsed.TotalSeconds;
            }
            if (journalAt is null)
            {
                journalled = 0;
                await foreach (var e in journal.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {journalPartition}"),
                                   select: ["FactId"], cancellationToken: ct))
                    if (e.GetString("FactId") is { } fact && factIds.Contains(fact)) journalled++;
                if (journalled == receipts.Count) journalAt = clock.Elapsed.TotalSeconds;
            }
            if (ordersAt is null)
            {
                ordered = 0;
                var filter = TableClient.CreateQueryFilter($"PartitionKey ge {$"pos-{PosStore}-"} and PartitionKey lt {$"pos-{PosStore}."}") + $" and {TableOrderStore.OrderRowsFilter}";
                await foreach (var e in orders.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "PendingCount"], cancellationToken: ct))
                    if (orderIds.Contains(e.PartitionKey) && e.GetInt32("PendingCount") == 0) ordered++;
                if (ordered == receipts.Count) ordersAt = clock.Elapsed.TotalSeconds;
            }
            if (batchAt is not null && journalAt is not null && ordersAt is not null) break;
            await Task.Delay(batchAt is null ? 250 : 500, ct);
        }
        var done = batchAt is not null && journalAt is not null && ordersAt is not null;
        var seconds = done ? Math.Max(batchAt!.Value, Math.Max(journalAt!.Value, ordersAt!.Value)) : clock.Elapsed.TotalSeconds;
        return new Progress(receipts.Count, units, xml.Length / 1_048_576.0, done, seconds, batchAt ?? double.NaN, journalAt ?? double.NaN,
            ordersAt ?? double.NaN, applied, journalled, ordered);
    }

    private static async Task SetUpAsync(HttpClient http, CancellationToken ct)
    {
        await PutAsync(http, $"api/catalog/locations/{Location}", new
        {
            name = "Till bench store",
            aliases = new[] { new { system = "pos", value = PosStore } },
        }, ct);
        await Load.RunAsync(SkuCount, 8, async (i, token) =>
        {
            await PutAsync(http, $"api/catalog/skus/{Sku(i)}", new
            {
                title = $"Till item {i}",
                aliases = new[] { new { system = "pos", kind = "item", value = TillItem(i) } },
            }, token);
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/movements")
            {
                Content = JsonContent.Create(new
                {
                    sku = Sku(i), location = Location, kind = "receipt", quantity = Received, reason = "benchmark stock", idempotencyKey = $"till-bench-{i}",
                }),
            };
            request.Headers.Add("X-RetailFunctions-Role", "inventory-manager");
            using var response = await http.SendAsync(request, token);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"the receipt of {Sku(i)} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
            return "200";
        }, ct);
    }

    /// <summary>Units that left the shelf at the bench store, summed over every SKU.</summary>
    private static async Task<long> SoldUnitsAsync(HttpClient http, CancellationToken ct)
    {
        var sold = 0L;
        for (var i = 0; i < SkuCount; i++)
        {
            using var response = await http.GetAsync($"api/inventory/{Sku(i)}", ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"GET api/inventory/{Sku(i)} answered {(int)response.StatusCode}: {text}");
            var level = JsonDocument.Parse(text).RootElement.GetProperty("locations").EnumerateArray()
                .First(l => l.GetProperty("location").GetString() == Location);
            sold += Received - (long)level.GetProperty("onHand").GetDecimal();
        }
        return sold;
    }

    private static string Sku(int i) => $"TILL-{i:D3}";

    private static string TillItem(int i) => $"till-item-{i:D3}";

    /// <summary>
    /// An ARTS POSLog of <paramref name="count"/> sales at the bench store, numbered after <paramref name="after"/>:
    /// 1-4 lines of the bench SKUs, tax on top, paid by cash and card so the till's totals add up.
    /// </summary>
    private static (byte[] Xml, int Units, IReadOnlyList<string> Receipts) PosLog(DateOnly day, int after, int count)
    {
        static string Money(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
        var xml = new StringBuilder(count * 2_600);
        var receipts = new List<string>(count);
        var units = 0;
        xml.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">\n");
        for (var n = after; n < after + count; n++)
        {
            var workstation = 1 + n % 6;
            var number = n + 1;
            receipts.Add($"{PosStore}-{workstation}-{day:yyyyMMdd}-{number}");
            xml.Append(CultureInfo.InvariantCulture, $"""
                  <Transaction>
                    <RetailStoreID>{PosStore}</RetailStoreID>
                    <WorkstationID>{workstation}</WorkstationID>
                    <SequenceNumber>{number}</SequenceNumber>
                    <BusinessDayDate>{day:yyyy-MM-dd}</BusinessDayDate>
                    <BeginDateTime>{day:yyyy-MM-dd}T10:03:10</BeginDateTime>
                    <EndDateTime>{day:yyyy-MM-dd}T10:04:05</EndDateTime>
                    <OperatorID>{40 + n % 9}</OperatorID>
                    <CurrencyCode>USD</CurrencyCode>
                    <RetailTransaction Version="2.1" TransactionStatus="Finished">

                """);
            var subtotal = 0m;
            var lines = 1 + n % 4;
            for (var i = 0; i < lines; i++)
            {
                var item = (n * 7 + i * 13) % SkuCount;
                var price = 1.99m + item % 50;
                var quantity = 1 + (n + i) % 3;
                units += quantity;
                var extended = price * quantity;
                subtotal += extended;
                xml.Append(CultureInfo.InvariantCulture, $"""
                          <LineItem>
                            <SequenceNumber>{i + 1}</SequenceNumber>
                            <Sale ItemType="Stock">
                              <ItemID>{TillItem(item)}</ItemID>
                              <Description>Till item {item}</Description>
                              <RegularSalesUnitPrice>{Money(price)}</RegularSalesUnitPrice>
                              <ActualSalesUnitPrice>{Money(price)}</ActualSalesUnitPrice>
                              <ExtendedAmount>{Money(extended)}</ExtendedAmount>
                              <Quantity UnitOfMeasureCode="EA">{quantity}</Quantity>
                            </Sale>
                          </LineItem>

                    """);
            }
            var tax = Math.Round(subtotal * 0.0825m, 2);
            var total = subtotal + tax;
            var cash = Math.Round(total / 3, 2);
            xml.Append(CultureInfo.InvariantCulture, $"""
                      <LineItem>
                        <SequenceNumber>{lines + 1}</SequenceNumber>
                        <Tax TaxType="Sales"><TaxableAmount>{Money(subtotal)}</TaxableAmount><Amount>{Money(tax)}</Amount><Percent>8.25</Percent></Tax>
                      </LineItem>
                      <LineItem>
                        <SequenceNumber>{lines + 2}</SequenceNumber>
                        <Tender TenderType="Cash"><Amount>{Money(cash)}</Amount></Tender>
                      </LineItem>
                      <LineItem>
                        <SequenceNumber>{lines + 3}</SequenceNumber>
                        <Tender TenderType="CreditDebit"><Amount>{Money(total - cash)}</Amount><AuthorizationCode>A{n % 100000:D5}</AuthorizationCode></Tender>
                      </LineItem>
                      <Total TotalType="TransactionGrossAmount">{Money(subtotal)}</Total>
                      <Total TotalType="TransactionTaxAmount">{Money(tax)}</Total>
                      <Total TotalType="TransactionGrandAmount">{Money(total)}</Total>
                    </RetailTransaction>
                  </Transaction>

                """);
        }
        xml.Append("</POSLog>\n");
        return (Encoding.UTF8.GetBytes(xml.ToString()), units, receipts);
    }

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["AzureWebJobsStorage"] = connectionString,
        ["Backpressure__MaxQueueDepth"] = "10000000",
        ["Backpressure__MaxQueueAgeSeconds"] = "1000000",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static HttpClient Client(RuntimeProcess runtime) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 8, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false })
        {
            BaseAddress = runtime.BaseAddress,
            Timeout = TimeSpan.FromSeconds(120),
        };

    private static async Task PutAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PutAsJsonAsync(path, body, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }
}

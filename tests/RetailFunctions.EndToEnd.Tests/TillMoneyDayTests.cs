using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// Yesterday's tills, uploaded today and out of order, through the real edges: a New York store (two tills and a
/// training till, a linked return at 21:30 local, which is the next day in UTC) and an Amsterdam store (VAT included,
/// cash rounding), plus a receipt whose own total disagrees with its lines. The journal per store and business day
/// equals the receipts, and the nightly run finds only the planted difference: till 1 closed 0.50 short.
/// </summary>
public sealed class TillMoneyDayTests(FinanceDayFixture fixture) : IClassFixture<FinanceDayFixture>
{
    private static readonly DateOnly Yesterday = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
    private static readonly string Day = Yesterday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task GivenTwoStoresInTwoTimeZonesUploadingADayLateAndOutOfOrder_ThenTheJournalEqualsTheReceiptsAndOnlyThePlantedDifferenceIsFound()
    {
        await Http.PutJson("api/catalog/locations/STORE-NY", new { aliases = new[] { new { system = "pos", value = "101" } }, timeZone = "America/New_York" });
        await Http.PutJson("api/catalog/locations/STORE-AMS", new { aliases = new[] { new { system = "pos", value = "201" } } });
        var us = Corpus("us_store_101.xml");
        var eu = Corpus("eu_store_201.xml");
        var mismatch = Corpus(TillCorpus.Mismatch);

        // Newest first: the close and the return reach us before the sales they follow.
        foreach (var upload in new[] { Reversed(us), mismatch, eu })
            await UploadAsync(upload);

        var expected = new Dictionary<string, decimal>
        {
            ["STORE-NY"] = Receipts(us).Concat(Receipts(mismatch)).Sum(r => TillReceipts.Reckon(r).Due),
            ["STORE-AMS"] = Receipts(eu).Sum(r => TillReceipts.Reckon(r).Due),
        };
        Assert.Equal(22.29m + 29.70m - 4.32m - 10.79m + 5.40m + 3.77m + 40.00m + 15.00m, expected["STORE-NY"]);
        var journal = await Calls.Eventually(() => Http.GetJson($"api/finance/journal?businessDay={Day}"),
            j => j.EnumerateArray().Count(e => e.GetProperty("status").GetString() == "posted") == 12, "every till entry to be journalled and posted", 120);
        foreach (var (store, due) in expected)
        {
            var entries = journal.EnumerateArray().Where(e => e.GetProperty("store").GetString() == store).ToList();
            Assert.All(entries, e => Assert.True(e.GetProperty("isBalanced").GetBoolean()));
            Assert.Equal(due, entries.Sum(Takings));
        }

        // The return reached its receipt's order before the sale (uploaded newest first): it waited, and is now on the order.
        var returnedTo = await Calls.Eventually(() => Http.GetJson($"api/orders/by-channel/pos/101-1-{Yesterday:yyyyMMdd}-5002"),
            o => o.GetProperty("refunds").GetArrayLength() == 1, "the early return to be refunded on its sale's order", 120);
        Assert.Equal(4.32m, Refunded(returnedTo));

        var exceptions = await Http.GetJson("api/exceptions?owner=finance&max=5000");
        var mismatched = Assert.Single(exceptions.EnumerateArray(), x => x.GetProperty("reason").GetString() == "amount-mismatch");
        Assert.Contains($"101-3-{Yesterday:yyyyMMdd}-9001", mismatched.GetProperty("detail").GetString());

        var run = await Http.PostAsync($"api/reconciliation/run?businessDay={Day}", null);
        Assert.True(run.IsSuccessStatusCode, $"reconciliation run: {(int)run.StatusCode} {await run.Content.ReadAsStringAsync()}");
        var report = await Http.GetJson($"api/reconciliation/{Day}");
        var found = report.GetProperty("differences").EnumerateArray()
            .Select(d => $"{d.GetProperty("area")} {d.GetProperty("cause")} {d.GetProperty("store").GetString()} {d.GetProperty("key").GetString()} " +
                d.GetProperty("amount").GetDecimal().ToString("0.00", CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(["Tills AmountMismatch STORE-NY 1|Cash -0.50"], found);
        var areas = report.GetProperty("report").GetProperty("summary").GetProperty("areas").EnumerateArray()
            .Where(a => a.GetProperty("area").ToString() == "TillJournal").ToList();
        Assert.Equal(["STORE-AMS", "STORE-NY"], areas.Select(a => a.GetProperty("store").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GivenANewYorkStoreWhoseTillStatesNoBusinessDay_WhenAReturnAt2130LocalIsUploaded_ThenItIsBookedOnThatLocalDay()
    {
        var refused = await Http.PutAsJsonAsync("api/catalog/locations/STORE-NY-2", new { timeZone = "Eastern Standard Time Zone" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not an IANA time zone", await refused.Content.ReadAsStringAsync());
        await Http.PutJson("api/catalog/locations/STORE-NY-2", new { aliases = new[] { new { system = "pos", value = "102" } }, timeZone = "America/New_York" });

        // 21:30 in New York ten days ago, written by the till in UTC (02:30 the next day) and without a BusinessDayDate.
        var day = Yesterday.AddDays(-9);
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var local = day.ToDateTime(new TimeOnly(21, 30));
        var ended = new DateTimeOffset(local, newYork.GetUtcOffset(local)).ToUniversalTime();
        await UploadAsync($"""
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
              <RetailStoreID>102</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>77</SequenceNumber>
              <EndDateTime>{ended:yyyy-MM-ddTHH:mm:ssZ}</EndDateTime><CurrencyCode>USD</CurrencyCode>
              <RetailTransaction>
                <LineItem><SequenceNumber>1</SequenceNumber><Return><ItemID>SKU-SOCKS</ItemID><Quantity>1</Quantity><ExtendedAmount>4.00</ExtendedAmount></Return></LineItem>
                <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund"><Amount>4.00</Amount></Tender></LineItem>
                <Total TotalType="TransactionGrandAmount">4.00</Total>
              </RetailTransaction></Transaction></POSLog>
            """);

        var journal = await Calls.Eventually(() => Http.GetJson($"api/finance/journal?businessDay={day:yyyy-MM-dd}"),
            j => j.EnumerateArray().Any(e => e.GetProperty("store").GetString() == "STORE-NY-2"), "the return to be journalled on its local day", 120);
        Assert.Equal(-4.00m, journal.EnumerateArray().Where(e => e.GetProperty("store").GetString() == "STORE-NY-2").Sum(Takings));
        Assert.Equal(DateOnly.FromDateTime(ended.UtcDateTime), day.AddDays(1));
    }

    [Fact]
    public async Task GivenAStoreUploadingGiftCardsForeignTendersTaxExemptionsAcsTotalsAndAPostVoid_ThenTheJournalEqualsTheReceipts()
    {
        await Http.PutJson("api/catalog/locations/STORE-301",
            new { aliases = new[] { new { system = "pos", value = "301" } }, timeZone = "America/Chicago" });
        var day = Yesterday.AddDays(-20);
        var xml = File.ReadAllText(TillCorpus.PathOf("constructs_store_301.xml"))
            .Replace("2026-11-20", $"{day:yyyy-MM-dd}", StringComparison.Ordinal);
        var expected = Receipts(xml, day).Sum(r => TillReceipts.Reckon(r).Due);

        // The post-void and the sale it voids arrive in reverse order: the void waits on the order for its sale.
        await UploadAsync(Reversed(xml));

        Assert.Equal(35.80m + 21.60m + 50.00m + 10.50m + 9.72m + 32.40m - 32.40m, expected);
        var journal = await Calls.Eventually(() => Http.GetJson($"api/finance/journal?businessDay={day:yyyy-MM-dd}"),
            j => j.EnumerateArray().Count(e => e.GetProperty("store").GetString() == "STORE-301") == 8,
            "every receipt of store 301 to be journalled", 120);
        var entries = journal.EnumerateArray().Where(e => e.GetProperty("store").GetString() == "STORE-301").ToList();
        Assert.All(entries, e => Assert.True(e.GetProperty("isBalanced").GetBoolean()));
        Assert.Equal(expected, entries.Sum(Takings));
        var voided = await Calls.Eventually(() => Http.GetJson($"api/orders/by-channel/pos/301-1-{day:yyyyMMdd}-6006"),
            o => o.GetProperty("refunds").GetArrayLength() == 1, "the post-void to be refunded on the voided sale's order", 120);
        Assert.Equal(32.40m, Refunded(voided));
        var exceptions = await Http.GetJson("api/exceptions?owner=finance&max=5000");
        Assert.DoesNotContain(exceptions.EnumerateArray(),
            x => x.GetProperty("detail").GetString()!.Contains($"301-1-{day:yyyyMMdd}", StringComparison.Ordinal));
    }

    /// <summary>The corpus as yesterday's tills wrote it (its day after, for a receipt that ended past midnight, today).</summary>
    private static string Corpus(string name) =>
        File.ReadAllText(TillCorpus.PathOf(name))
            .Replace("2026-11-21", Yesterday.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("2026-11-20", Day, StringComparison.Ordinal);

    private static string Reversed(string xml)
    {
        var document = XDocument.Parse(xml);
        var transactions = document.Root!.Elements().Where(e => e.Name.LocalName == "Transaction").ToList();
        foreach (var t in transactions) t.Remove();
        foreach (var t in Enumerable.Reverse(transactions)) document.Root.Add(t);
        return document.ToString();
    }

    private static List<Domain.Canonical.PosTransaction> Receipts(string xml, DateOnly? day = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return [.. PosLogReader.Read(stream).OfType<PosParseResult.Parsed>().Select(p => p.Transaction)
            .Where(t => TillReceipts.MovesMoney(t) && t.Receipt.BusinessDay == (day ?? Yesterday))];
    }

    private async Task UploadAsync(string xml)
    {
        var response = await Http.PostAsync("api/pos/transactions", new StringContent(xml, Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var batchId = (await response.Json()).GetProperty("batchId").GetString()!;
        await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", $"batch {batchId} to complete");
    }

    /// <summary>What an order's first refund paid back over its tenders.</summary>
    private static decimal Refunded(JsonElement order) =>
        order.GetProperty("refunds")[0].GetProperty("tenders").EnumerateArray().Sum(t => t.GetProperty("amount").GetDecimal());

    /// <summary>What an entry booked for goods: revenue and tax less discounts, less sales returns; and a gift card sold.</summary>
    private static decimal Takings(JsonElement entry) =>
        entry.GetProperty("lines").EnumerateArray()
            .Where(l => l.GetProperty("role").GetString()!.Split(':')[0] is "Revenue" or "SalesReturns" or "TaxPayable" or "Discounts"
                || entry.GetProperty("source").GetString() == "gift-card-sold" && l.GetProperty("role").GetString() == "GiftCardLiability")
            .Sum(l => l.GetProperty("credit").GetDecimal() - l.GetProperty("debit").GetDecimal());
}

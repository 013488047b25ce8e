using System.Globalization;
using System.Text;
using System.Text.Json;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Settlements;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

public sealed class SettlementParsingTests
{
    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    // Written from the Admin API's documented fields: a charge, a refund, an adjustment, a test charge.
    private const string ShopifyPayout = """
        {"transactions":[
          {"id":9007199254740993,"type":"charge","test":false,"payout_id":623721858,"payout_status":"paid","currency":"USD",
           "amount":"102.00","fee":"3.26","net":"98.74","source_id":1001,"source_type":"charge","source_order_id":2001,
           "source_order_transaction_id":3001,"processed_at":"2026-11-20T18:04:11-05:00"},
          {"id":7002,"type":"refund","test":false,"payout_id":623721858,"payout_status":"paid","currency":"usd",
           "amount":"-20.00","fee":"0.00","net":"-20.00","source_id":1002,"source_type":"refund","source_order_id":2001,
           "source_order_transaction_id":3002,"processed_at":"2026-11-21T09:00:00Z"},
          {"id":7003,"type":"adjustment","test":false,"payout_id":null,"payout_status":"pending","currency":"USD",
           "amount":-1.5,"fee":0,"net":-1.5,"source_id":1003,"source_type":"adjustment","source_order_id":null,
           "source_order_transaction_id":null,"processed_at":"2026-11-21T10:00:00Z"},
          {"id":7004,"type":"charge","test":true,"currency":"USD","amount":"1.00","fee":"0.00","net":"1.00","processed_at":"2026-11-21T10:00:00Z"}
        ]}
        """;

    [Fact]
    public void GivenShopifyPaymentsTransactions_WhenRead_ThenLinesAreDecimalWithTheOrderTransactionAsKey()
    {
        var stats = new SettlementReadStats();
        var lines = ShopifyPaymentsTransactionsReader.Read(Utf8(ShopifyPayout), "web", stats).ToList();

        Assert.Equal(3, lines.Count);
        Assert.Equal(1, stats.TestLinesSkipped);
        var charge = lines[0];
        Assert.Equal(("9007199254740993", "3001", 102.00m, 3.26m, 98.74m, "USD"), (charge.Id, charge.PaymentKey, charge.Amount, charge.Fee, charge.Net, charge.Currency));
        Assert.Equal(new DateOnly(2026, 11, 20), charge.BusinessDay); // 18:04 at -05:00 is 23:04 UTC
        Assert.True(charge.IsPayment);
        Assert.Equal(("refund", -20m, "USD"), (lines[1].Kind, lines[1].Amount, lines[1].Currency));
        Assert.False(lines[2].IsPayment);
        Assert.Equal(-1.5m, lines[2].Amount);
    }

    [Fact]
    public void GivenABareArrayOfTransactions_WhenRead_ThenItIsAcceptedToo()
    {
        var json = JsonDocument.Parse(ShopifyPayout).RootElement.GetProperty("transactions").GetRawText();
        Assert.Equal(3, ShopifyPaymentsTransactionsReader.Read(Utf8(json), "web").Count());
    }

    [Fact]
    public void GivenAStatementLargerThanTheReadBuffer_WhenRead_ThenEveryLineIsRead()
    {
        var line = """{"id":ID,"type":"charge","currency":"USD","amount":"10.00","fee":"0.59","net":"9.41","source_order_transaction_id":ID,"processed_at":"2026-11-20T10:00:00Z","note":"PAD"}""";
        var json = "{\"transactions\":[" + string.Join(",", Enumerable.Range(1, 3000).Select(i =>
            line.Replace("ID", i.ToString(CultureInfo.InvariantCulture)).Replace("PAD", new string('x', i % 7 == 0 ? 70_000 : 10)))) + "]}";

        Assert.Equal(3000, ShopifyPaymentsTransactionsReader.Read(Utf8(json), "web").Count());
    }

    [Theory]
    [InlineData("""{"transactions":[{"id":1,"type":"charge","currency":"USD","amount":"ten","fee":"0","net":"0","processed_at":"2026-11-20T10:00:00Z"}]}""", "transactions[0].amount")]
    [InlineData("""{"transactions":[{"id":1,"type":"charge","currency":"USD","amount":"10","fee":"0","net":"10"}]}""", "transactions[0].processed_at")]
    [InlineData("""{"transactions":[{"id":1,"type":"charge","currency":"US","amount":"10","fee":"0","net":"10","processed_at":"2026-11-20T10:00:00Z"}]}""", "transactions[0].currency")]
    [InlineData("""{"payouts":[]}""", "transactions")]
    [InlineData("""{"transactions":[{"id":1,""", "transactions[0]")]
    public void GivenABadShopifyStatement_WhenRead_ThenThePayloadErrorNamesTheField(string json, string field)
    {
        var error = Assert.Throws<PayloadException>(() => ShopifyPaymentsTransactionsReader.Read(Utf8(json), "web").ToList());
        Assert.Equal(field, error.Field);
    }

    private const string StripeDashboardCsv =
        "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description,Transfer,store (metadata)\r\n" +
        "txn_1A,charge,ch_1A,100.00,3.20,96.80,usd,2026-11-20 14:03,2026-11-22 00:00,\"Order #1001, web\",po_9,\r\n" +
        "txn_1B,refund,re_1B,-25.50,0.00,-25.50,usd,2026-11-20 15:10,2026-11-22 00:00,\"Refund \"\"partial\"\"\",po_9,STORE-9\r\n" +
        "txn_1C,payout,po_9,-70.30,0.00,-70.30,usd,2026-11-22 00:00,2026-11-22 00:00,STRIPE PAYOUT,,\r\n";

    [Fact]
    public void GivenAStripeDashboardExport_WhenRead_ThenChargesAndRefundsAreKeyedBySource()
    {
        var lines = StripeBalanceTransactionsCsvReader.Read(Utf8(StripeDashboardCsv), "web").ToList();

        Assert.Equal(3, lines.Count);
        Assert.Equal(("ch_1A", "charge", 100.00m, 3.20m, "USD", "web"), (lines[0].PaymentKey, lines[0].Kind, lines[0].Amount, lines[0].Fee, lines[0].Currency, lines[0].Store));
        Assert.Equal("Order #1001, web", lines[0].Description);
        Assert.Equal(("refund", -25.50m, "STORE-9", "Refund \"partial\""), (lines[1].Kind, lines[1].Amount, lines[1].Store, lines[1].Description));
        Assert.False(lines[2].IsPayment);
        Assert.Equal(new DateOnly(2026, 11, 20), lines[0].BusinessDay);
    }

    [Fact]
    public void GivenAStripeBalanceReport_WhenRead_ThenItsColumnNamesAreUnderstood()
    {
        var csv = "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description\n" +
                  "txn_2A,2026-11-20 23:59:59,2026-11-23 00:00:00,eur,49.90,1.05,48.85,charge,ch_2A,\n";
        var line = Assert.Single(StripeBalanceTransactionsCsvReader.Read(Utf8(csv), "web"));
        Assert.Equal(("txn_2A", "ch_2A", 49.90m, "EUR", new DateOnly(2026, 11, 23)), (line.Id, line.PaymentKey, line.Amount, line.Currency, line.AvailableOn!.Value));
    }

    [Theory]
    [InlineData("id,Type,Amount,Fee,Net,Currency\r\n", "line 1")]
    [InlineData("id,Type,Source,Amount,Fee,Net,Currency,Created (UTC)\r\ntxn_1,charge,ch_1,1O.00,0,10,usd,2026-11-20 10:00\r\n", "line 2, column Amount")]
    [InlineData("id,Type,Source,Amount,Fee,Net,Currency,Created (UTC)\r\ntxn_1,charge,ch_1,10.00,0,10,usd,yesterday\r\n", "line 2, column Created (UTC)")]
    [InlineData("id,Type,Source,Amount,Fee,Net,Currency,Created (UTC)\r\ntxn_1,charge,ch_1,10.00,0\r\n", "line 2")]
    [InlineData("id,Type,Source,Amount,Fee,Net,Currency,Created (UTC)\r\n\"txn_1,charge\r\n", "line 2")]
    [InlineData("", "line 1")]
    public void GivenABadStripeExport_WhenRead_ThenThePayloadErrorNamesLineAndColumn(string csv, string field)
    {
        var error = Assert.Throws<PayloadException>(() => StripeBalanceTransactionsCsvReader.Read(Utf8(csv), "web").ToList());
        Assert.Equal(field, error.Field);
    }

    [SharedFixtureFact]
    public void GivenStripesPublishedBalanceTransaction_WhenExportedAsCsv_ThenItReadsBackInMajorUnits()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedFixtures.PathOf("settlement/stripe_api_fixtures3.json")));
        var bt = doc.RootElement.GetProperty("resources").GetProperty("balance_transaction");
        string Minor(string name) => (bt.GetProperty(name).GetInt64() / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        var csv = "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description\n" +
                  $"{bt.GetProperty("id").GetString()},{bt.GetProperty("type").GetString()},{bt.GetProperty("source").GetString()}," +
                  $"{Minor("amount")},{Minor("fee")},{Minor("net")},{bt.GetProperty("currency").GetString()}," +
                  $"{bt.GetProperty("created").GetInt64()},{bt.GetProperty("available_on").GetInt64()},\"{bt.GetProperty("description").GetString()}\"\n";

        var line = Assert.Single(StripeBalanceTransactionsCsvReader.Read(Utf8(csv), "web"));

        Assert.Equal(bt.GetProperty("source").GetString(), line.PaymentKey);
        Assert.Equal(bt.GetProperty("amount").GetInt64() / 100m, line.Amount);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(bt.GetProperty("created").GetInt64()), line.ProcessedAt);
        Assert.True(line.IsPayment);
    }
}

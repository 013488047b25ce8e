using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Settlements;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Processors' statements in each layout they come in, written from the documented columns, imported to the cent.
/// A line that disagrees with itself and a payout header that disagrees with its lines are raised for finance, and
/// the rest of the statement is imported all the same.
/// </summary>
public sealed class SettlementConformanceTests
{
    private sealed class Lines : ISettlementStore
    {
        public Dictionary<string, SettlementLine> All { get; } = [];

        public Task<int> UpsertAsync(IEnumerable<SettlementLine> lines, CancellationToken ct)
        {
            var count = 0;
            foreach (var line in lines) { All[$"{line.Source}:{line.Id}"] = line; count++; }
            return Task.FromResult(count);
        }

        public async IAsyncEnumerable<MatchItem> PaymentsAsync(DateOnly day, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.CompletedTask;
            foreach (var line in All.Values.Where(l => l.BusinessDay == day && l.IsPayment)) yield return line.ToMatchItem();
        }

        public async IAsyncEnumerable<SettlementLine> LinesAsync(DateOnly day, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.CompletedTask;
            foreach (var line in All.Values.Where(l => l.BusinessDay == day)) yield return line;
        }
    }

    private sealed class Uploads : IBlobStore
    {
        public int Puts { get; private set; }
        public Task PutIfAbsentAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken ct,
            IReadOnlyDictionary<string, string>? metadata = null) { Puts++; return Task.CompletedTask; }
        public IAsyncEnumerable<(string Name, IReadOnlyDictionary<string, string> Metadata)> ListAsync(string container, string prefix, CancellationToken ct) =>
            throw new NotSupportedException();
        public Task<Stream> OpenReadAsync(string container, string name, CancellationToken ct) => throw new NotSupportedException();
        public Task<ReadOnlyMemory<byte>> ReadAsync(string container, string name, CancellationToken ct) => throw new NotSupportedException();
    }

    private sealed class Raised : IExceptionStore
    {
        public Dictionary<string, BusinessException> All { get; } = [];
        public Task RaiseAsync(BusinessException exception, CancellationToken ct) { All.TryAdd(exception.Id, exception); return Task.CompletedTask; }
        public Task<IReadOnlyList<BusinessException>> ListAsync(string? owner, string? status, int max, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<BusinessException>>([.. All.Values]);
        public Task<BusinessException?> GetAsync(string owner, string id, CancellationToken ct) => Task.FromResult(All.GetValueOrDefault(id));
        public Task<(BusinessException? Exception, string? Refusal)> TransitionAsync(string owner, string id, string action, string by, string? note,
            DateTimeOffset at, CancellationToken ct) => throw new NotSupportedException();
    }

    private sealed record Imported(SettlementImport Import, Lines Store, Raised Exceptions)
    {
        public SettlementLine Line(string id) => Store.All.Values.Single(l => l.Id == id);
    }

    private static async Task<Imported> ImportAsync(string source, string body)
    {
        var (store, raised) = (new Lines(), new Raised());
        var importer = new SettlementImporter(store, new Uploads(), null, raised, TimeProvider.System);
        var import = await importer.ImportAsync(source, "web", Encoding.UTF8.GetBytes(body), source == SettlementSources.Stripe ? "text/csv" : "application/json",
            CancellationToken.None);
        return new Imported(import, store, raised);
    }

    // ---- Stripe ----

    private const string DashboardExport =
        "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description,Transfer\r\n" +
        "txn_1A,charge,ch_1A,1234.56,36.10,1198.46,usd,2026-11-20 14:03,2026-11-22 00:00,Order #1001,po_9\r\n" +
        "txn_1B,refund,re_1B,-25.50,0.00,-25.50,usd,2026-11-20 15:10,2026-11-22 00:00,Refund,po_9\r\n";

    private const string BalanceReport =
        "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description,automatic_payout_id\n" +
        "txn_2A,2026-11-20 23:59:59,2026-11-23 00:00:00,usd,1234.56,36.10,1198.46,charge,ch_2A,,po_10\n" +
        "txn_2B,2026-11-20 23:59:59,2026-11-23 00:00:00,usd,-25.50,0.00,-25.50,refund,re_2B,,po_10\n";

    // The API's own object, as a data sync writes it to a warehouse: integers in the minor unit, Unix seconds.
    private const string ApiShape =
        "id,object,amount,available_on,created,currency,description,fee,net,reporting_category,source,status,type\n" +
        "txn_3A,balance_transaction,123456,1795305600,1795183380,usd,Order #1001,3610,119846,charge,ch_3A,available,charge\n" +
        "txn_3B,balance_transaction,-2550,1795305600,1795187400,usd,Refund,0,-2550,refund,re_3B,available,refund\n";

    [Theory]
    [InlineData(DashboardExport)]
    [InlineData(BalanceReport)]
    [InlineData(ApiShape)]
    public async Task GivenTheSameDayInEachStripeLayout_WhenImported_ThenEachGivesTheSameFiguresToTheCent(string csv)
    {
        var imported = await ImportAsync(SettlementSources.Stripe, csv);

        Assert.Equal(2, imported.Import.Lines);
        Assert.Equal(1172.96m, imported.Import.NetByCurrency["USD"]);
        var charge = Assert.Single(imported.Store.All.Values, l => l.Kind == "charge");
        Assert.Equal((1234.56m, 36.10m, 1198.46m, "USD"), (charge.Amount, charge.Fee, charge.Net, charge.Currency));
        Assert.Equal(new DateOnly(2026, 11, 20), charge.BusinessDay);
        Assert.Empty(imported.Exceptions.All);
    }

    [Fact]
    public async Task GivenAWarehouseDayInMinorUnits_WhenImported_ThenItIsScaledByEachCurrencysExponent()
    {
        var imported = await ImportAsync(SettlementSources.Stripe,
            "id,amount,fee,net,currency,created,type,source\n" +
            "txn_4A,20463341,59342,20403999,usd,1795183380,charge,ch_4A\n" +
            "txn_4B,1500,53,1447,jpy,1795183380,charge,ch_4B\n" +
            "txn_4C,12345,345,12000,kwd,1795183380,charge,ch_4C\n");

        Assert.Equal((204633.41m, 593.42m, 204039.99m), (imported.Line("txn_4A").Amount, imported.Line("txn_4A").Fee, imported.Line("txn_4A").Net));
        Assert.Equal((1500m, 53m, 1447m), (imported.Line("txn_4B").Amount, imported.Line("txn_4B").Fee, imported.Line("txn_4B").Net));
        Assert.Equal((12.345m, 0.345m, 12.000m), (imported.Line("txn_4C").Amount, imported.Line("txn_4C").Fee, imported.Line("txn_4C").Net));
    }

    [Fact]
    public void GivenAFractionInTheMinorUnitLayout_WhenRead_ThenTheLineAndColumnAreNamed()
    {
        var error = Assert.Throws<PayloadException>(() => StripeBalanceTransactionsCsvReader.Read(
            new MemoryStream("id,amount,fee,net,currency,created,type\ntxn_5,12.50,0,1250,usd,1795183380,charge\n"u8.ToArray()), "web").ToList());
        Assert.Equal("line 2, column amount", error.Field);
    }

    [SharedFixtureFact]
    public void GivenStripesPublishedBalanceTransaction_WhenWrittenInItsOwnMinorUnitShape_ThenItReadsBackInMajorUnits()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedFixtures.PathOf("settlement/stripe_api_fixtures3.json")));
        var bt = doc.RootElement.GetProperty("resources").GetProperty("balance_transaction");
        string Raw(string name) => bt.GetProperty(name).ValueKind == JsonValueKind.String ? bt.GetProperty(name).GetString()! : bt.GetProperty(name).GetRawText();
        var csv = "id,amount,fee,net,currency,created,available_on,type,source\n" +
                  string.Join(",", new[] { "id", "amount", "fee", "net", "currency", "created", "available_on", "type", "source" }.Select(Raw)) + "\n";

        var line = Assert.Single(StripeBalanceTransactionsCsvReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "web"));

        var unit = Currencies.MinorUnit(Raw("currency").ToUpperInvariant());
        Assert.Equal(bt.GetProperty("amount").GetInt64() * unit, line.Amount);
        Assert.Equal(bt.GetProperty("net").GetInt64() * unit, line.Net);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(bt.GetProperty("created").GetInt64()), line.ProcessedAt);
    }

    // ---- Shopify Payments ----

    private static string Payout(string amount = "122.54", string chargeNet = "96.80") => $$$"""
        {"payout":{"id":623721858,"status":"paid","date":"2026-11-22","currency":"USD","amount":"{{{amount}}}",
                   "summary":{"adjustments_fee_amount":"0.00","adjustments_gross_amount":"-2.50","charges_fee_amount":"4.95",
                              "charges_gross_amount":"149.99","refunds_fee_amount":"0.00","refunds_gross_amount":"-20.00",
                              "reserved_funds_fee_amount":"0.00","reserved_funds_gross_amount":"0.00",
                              "retried_payouts_fee_amount":"0.00","retried_payouts_gross_amount":"0.00"}},
         "transactions":[
          {"id":7101,"type":"charge","test":false,"payout_id":623721858,"payout_status":"paid","currency":"USD","amount":"100.00","fee":"3.20",
           "net":"{{{chargeNet}}}","source_id":1,"source_type":"charge","source_order_id":2,"source_order_transaction_id":3,"processed_at":"2026-11-20T10:00:00Z"},
          {"id":7102,"type":"charge","test":false,"payout_id":623721858,"payout_status":"paid","currency":"USD","amount":"49.99","fee":"1.75",
           "net":"48.24","source_id":4,"source_type":"charge","source_order_id":5,"source_order_transaction_id":6,"processed_at":"2026-11-20T11:00:00Z"},
          {"id":7103,"type":"refund","test":false,"payout_id":623721858,"payout_status":"paid","currency":"USD","amount":"-20.00","fee":"0.00",
           "net":"-20.00","source_id":7,"source_type":"refund","source_order_id":2,"source_order_transaction_id":8,"processed_at":"2026-11-21T09:00:00Z"},
          {"id":7104,"type":"adjustment","test":false,"payout_id":623721858,"payout_status":"paid","currency":"USD","amount":"-2.50","fee":"0.00",
           "net":"-2.50","source_id":9,"source_type":"adjustment","processed_at":"2026-11-21T10:00:00Z"},
          {"id":7105,"type":"payout","test":false,"payout_id":623721858,"payout_status":"paid","currency":"USD","amount":"-122.54","fee":"0.00",
           "net":"-122.54","source_id":623721858,"source_type":"payout","processed_at":"2026-11-22T00:00:00Z"}]}
        """;

    [Fact]
    public async Task GivenAShopifyPaymentsPayoutWithItsHeader_WhenImported_ThenEveryLineIsImportedToTheCentAndTheHeaderAgrees()
    {
        var imported = await ImportAsync(SettlementSources.ShopifyPayments, Payout());

        Assert.Equal(5, imported.Import.Lines);
        Assert.Equal(0m, imported.Import.NetByCurrency["USD"]);
        Assert.Equal((100.00m, 3.20m, 96.80m), (imported.Line("7101").Amount, imported.Line("7101").Fee, imported.Line("7101").Net));
        Assert.Empty(imported.Import.Issues!);
        Assert.Empty(imported.Exceptions.All);
    }

    [Fact]
    public async Task GivenAPayoutHeaderThatDisagreesWithItsLines_WhenImported_ThenTheLinesAreImportedAndFinanceIsTold()
    {
        var imported = await ImportAsync(SettlementSources.ShopifyPayments, Payout(amount: "122.50"));

        Assert.Equal(5, imported.Store.All.Count);
        var raised = Assert.Single(imported.Exceptions.All.Values);
        Assert.Equal((Owners.Finance, SettlementImporter.PayoutDisagrees), (raised.Owner, raised.Reason));
        Assert.Contains("payout 623721858", raised.Detail, StringComparison.Ordinal);
        Assert.Contains("122.50", raised.Detail, StringComparison.Ordinal);
        Assert.Contains("122.54", raised.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GivenOneLineWhoseNetIsNotAmountLessFee_WhenImported_ThenItIsImportedByItsNetAndRaisedAndTheRestIsImported()
    {
        var body = """
            {"transactions":[
              {"id":7201,"type":"charge","currency":"USD","amount":"100.00","fee":"3.20","net":"96.00","processed_at":"2026-11-20T10:00:00Z","source_id":1},
              {"id":7202,"type":"charge","currency":"USD","amount":"50.00","fee":"1.75","net":"48.25","processed_at":"2026-11-20T10:00:00Z","source_id":2}]}
            """;

        var imported = await ImportAsync(SettlementSources.ShopifyPayments, body);

        Assert.Equal(2, imported.Store.All.Count);
        Assert.Equal((100.00m, 4.00m, 96.00m), (imported.Line("7201").Amount, imported.Line("7201").Fee, imported.Line("7201").Net));
        Assert.Equal(144.25m, imported.Import.NetByCurrency["USD"]);
        var raised = Assert.Single(imported.Exceptions.All.Values);
        Assert.Equal((Owners.Finance, SettlementImporter.LineDisagrees), (raised.Owner, raised.Reason));
        Assert.Contains("7201", raised.Detail, StringComparison.Ordinal);
        Assert.Contains("3.20", raised.Detail, StringComparison.Ordinal);
    }
}

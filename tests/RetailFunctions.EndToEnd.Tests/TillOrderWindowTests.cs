using System.Net;
using System.Text;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>
/// A POSLog upload's sales become orders in the window that moves their stock, not on a later queue hop: when the
/// batch is completed, every sale is already an order found by its printed receipt number, with its captures and its effects run, and a
/// return in the same upload is recorded on its sale.
/// </summary>
public sealed class TillOrderWindowTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task GivenThreeSalesAndAReturnOfOneInOneUpload_WhenTheBatchCompletes_ThenEverySaleIsAlreadyAnOrderFoundByItsReceiptNumber()
    {
        var store = $"{Random.Shared.Next(100_000, 999_999)}";
        await Http.PutJson($"api/catalog/locations/STORE-W{store}", new { name = "Window store", aliases = new[] { new { system = "pos", value = store } } });
        await Http.PutJson($"api/catalog/skus/WIN-{store}", new { title = "Window item", aliases = new[] { new { system = "pos", kind = "item", value = $"w{store}" } } });

        var xml = new StringBuilder("<POSLog xmlns=\"http://www.nrf-arts.org/IXRetail/namespace/\">");
        foreach (var sequence in new[] { 11, 12, 13 }) xml.Append(Sale(store, sequence, sequence - 10));
        xml.Append(ReturnOf(store, 12, 20));
        xml.Append("</POSLog>");
        var response = await Http.PostAsync("api/pos/transactions", new StringContent(xml.ToString(), Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var batchId = (await response.Json()).GetProperty("batchId").GetString()!;
        await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the batch to complete");

        // No waiting: the orders were saved before the batch's progress was.
        foreach (var sequence in new[] { 11, 12, 13 })
        {
            var found = await Http.GetAsync($"api/orders/by-channel/pos/{store}-{sequence}");
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
            var order = await found.Json();
            Assert.Equal($"pos-{store}-1-20261120-{sequence}", order.GetProperty("orderId").GetString());
            Assert.Equal(2.50m * (sequence - 10), order.GetProperty("totals").GetProperty("captured").GetDecimal());
            Assert.Equal(0, order.GetProperty("pendingEffects").GetInt32());
        }
        var returned = await Calls.Eventually(() => Http.GetJson($"api/orders/by-channel/pos/{store}-12"),
            o => o.GetProperty("returns").GetArrayLength() == 1, "the return to be recorded on its sale");
        Assert.Equal(1m, returned.GetProperty("returns")[0].GetProperty("lines")[0].GetProperty("quantity").GetDecimal());
    }

    private static string Sale(string store, int sequence, int quantity) => $"""
        <Transaction><RetailStoreID>{store}</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>{sequence}</SequenceNumber>
          <BusinessDayDate>2026-11-20</BusinessDayDate><EndDateTime>2026-11-20T10:00:00</EndDateTime><CurrencyCode>USD</CurrencyCode>
          <RetailTransaction>
            <LineItem><SequenceNumber>1</SequenceNumber><Sale ItemType="Stock"><ItemID>w{store}</ItemID><ActualSalesUnitPrice>2.50</ActualSalesUnitPrice>
              <ExtendedAmount>{2.50m * quantity:0.00}</ExtendedAmount><Quantity>{quantity}</Quantity></Sale></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>{2.50m * quantity:0.00}</Amount></Tender></LineItem>
            <Total TotalType="TransactionGrandAmount">{2.50m * quantity:0.00}</Total>
          </RetailTransaction></Transaction>
        """;

    private static string ReturnOf(string store, int original, int sequence) => $"""
        <Transaction><RetailStoreID>{store}</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>{sequence}</SequenceNumber>
          <BusinessDayDate>2026-11-20</BusinessDayDate><EndDateTime>2026-11-20T11:00:00</EndDateTime><CurrencyCode>USD</CurrencyCode>
          <RetailTransaction>
            <LineItem><SequenceNumber>1</SequenceNumber><Return><TransactionLink ReasonCode="Return"><RetailStoreID>{store}</RetailStoreID>
              <WorkstationID>1</WorkstationID><SequenceNumber>{original}</SequenceNumber><BusinessDayDate>2026-11-20</BusinessDayDate>
              <LineItemSequenceNumber>1</LineItemSequenceNumber></TransactionLink>
              <ItemID>w{store}</ItemID><ExtendedAmount>2.50</ExtendedAmount><Quantity>1</Quantity></Return></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund"><Amount>2.50</Amount></Tender></LineItem>
            <Total TotalType="TransactionGrandAmount">2.50</Total>
          </RetailTransaction></Transaction>
        """;
}

using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A till return that names its original receipt by the printed number only (store and sequence, no day or till) is
/// sent to the order that number finds, like a return linked by the full receipt.
/// </summary>
public sealed class TillReturnLinkTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GivenASaleIndexedByItsReceiptNumber_WhenAReturnNamesOnlyThatNumber_ThenItIsSentToThatSalesOrder()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        var store = $"{Random.Shared.Next(100_000, 999_999)}";
        var sale = new ReceiptKey(store, "1", new DateOnly(2026, 11, 20), "5002");
        var orders = new TableOrderStore(account);
        await orders.IndexAsync(OrderIds.ForReceipt(sale), Channels.Pos, PosOrderCommands.References(sale), CancellationToken.None);
        var sender = new Captured();
        var recorder = new PosOrderRecorder(sender, new TableCatalogStore(account), orders, TimeProvider.System);

        await recorder.RecordAsync(Return(store, "5002"), "blob#1", new Dictionary<string, string>(), CancellationToken.None);
        await recorder.RecordAsync(Return(store, "5003"), "blob#2", new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal([OrderIds.ForReceipt(sale), $"pos-number-{store}-5003"], sender.Sent.Select(e => e.Keys[BusinessKeys.Order]));
    }

    private static PosTransaction Return(string store, string sequence)
    {
        var xml = $"""
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
              <RetailStoreID>{store}</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>7{sequence}</SequenceNumber><BusinessDayDate>2026-11-21</BusinessDayDate>
              <RetailTransaction>
                <LineItem><SequenceNumber>1</SequenceNumber><Return><TransactionLink ReasonCode="Return"><SequenceNumber>{sequence}</SequenceNumber></TransactionLink>
                  <ItemID>SKU-SOCKS</ItemID><ExtendedAmount>4.00</ExtendedAmount><Quantity>1</Quantity></Return></LineItem>
                <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund"><Amount>4.00</Amount></Tender></LineItem>
                <Total TotalType="TransactionGrandAmount">4.00</Total>
              </RetailTransaction></Transaction></POSLog>
            """;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Assert.IsType<PosParseResult.Parsed>(Assert.Single(PosLogReader.Read(stream))).Transaction;
    }

    private sealed class Captured : IMessageSender
    {
        public List<Envelope> Sent { get; } = [];

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            Sent.Add(envelope);
            return Task.CompletedTask;
        }
    }
}

using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Catalog;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// A store's business day is its local day: a return at 21:30 in New York on 20 Nov (02:30 UTC on 21 Nov) is 20 Nov's
/// money, whether it came from a till that stated no business day or through the order API. The till's stated day wins.
/// </summary>
public sealed class StoreBusinessDayTests
{
    private static readonly DateTimeOffset NineThirtyPmInNewYork = new(2026, 11, 21, 2, 30, 0, TimeSpan.Zero);
    private static readonly DateOnly November20 = new(2026, 11, 20);

    private static readonly LocationDirectory Locations = LocationDirectory.Of(
    [
        new Location("STORE-NY", "New York", null, null, [new LocationAlias("pos", "101")], TimeZone: "America/New_York"),
        new Location("STORE-AMS", "Amsterdam", null, null, [new LocationAlias("pos", "201")], TimeZone: "Europe/Amsterdam"),
        new Location("WH-1", "Warehouse", null, null, []),
    ]);

    [Fact]
    public void GivenAStoreReturnAt2130InNewYork_WhenTheOrderApiRefundsIt_ThenTheRefundIsBookedOn20November()
    {
        var (order, refund) = ReturnedAt("STORE-NY", NineThirtyPmInNewYork);

        var fact = Assert.Single(JournalOrderSubscriber.FactsFor(new OrderEventMessage(order.OrderId, order.Sequence, nameof(OrderEvent.RefundIssued), refund, order),
            Locations.BusinessDay));

        Assert.Equal(("STORE-NY", November20), (fact.Store, fact.BusinessDay));
    }

    [Fact]
    public void GivenALocationWithoutATimeZone_WhenItsMoneyIsDated_ThenItsDayIsTheUtcDay()
    {
        var (order, refund) = ReturnedAt("WH-1", NineThirtyPmInNewYork);

        var fact = Assert.Single(JournalOrderSubscriber.FactsFor(new OrderEventMessage(order.OrderId, order.Sequence, nameof(OrderEvent.RefundIssued), refund, order),
            Locations.BusinessDay));

        Assert.Equal(November20.AddDays(1), fact.BusinessDay);
        Assert.Equal(November20.AddDays(1), Locations.BusinessDay("UNKNOWN", NineThirtyPmInNewYork));
    }

    [Fact]
    public void GivenATillReturnWithoutABusinessDayEndingAt2130InNewYork_WhenDatedInItsStoresZone_ThenItIsBookedOn20November()
    {
        var parsed = Read(Return("<EndDateTime>2026-11-21T02:30:00Z</EndDateTime>"));
        var dated = parsed.DatedIn(Locations.TimeZoneOf(Locations.Resolve("pos", "101")));

        Assert.False(parsed.BusinessDayStated);
        Assert.Equal(November20, dated.Receipt.BusinessDay);
        var fact = Assert.Single(TillReceipts.Facts(TillReceipts.Reckon(dated), "STORE-NY", dated.Receipt.BusinessDay, NineThirtyPmInNewYork));
        Assert.Equal(November20, fact.BusinessDay);
        Assert.Equal("101-1-20261120-77", dated.Receipt.ToString());
    }

    [Fact]
    public void GivenATillsOwnBusinessDayOrALocalWallClock_WhenDatedInAnyZone_ThenTheTillsDayWins()
    {
        var stated = Read(Return("<BusinessDayDate>2026-11-21</BusinessDayDate><EndDateTime>2026-11-21T02:30:00Z</EndDateTime>"));
        var wallClock = Read(Return("<EndDateTime>2026-11-20T21:30:00</EndDateTime>"));
        var newYork = Locations.TimeZoneOf("STORE-NY");

        Assert.Equal(November20.AddDays(1), stated.DatedIn(newYork).Receipt.BusinessDay);
        Assert.True(wallClock.BusinessDayStated);
        Assert.Equal(November20, wallClock.DatedIn(newYork).Receipt.BusinessDay);
    }

    [Fact]
    public void GivenATillCloseWithoutABusinessDayAfterMidnightUtcInNewYork_WhenBookedAsTheCashCount_ThenItIsThatEveningsCount()
    {
        var close = Read("""
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
              <RetailStoreID>101</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>99</SequenceNumber>
              <EndDateTime>2026-11-21T03:05:00Z</EndDateTime>
              <TenderControlTransaction><TillSettle>
                <TenderSummary><Sales TenderType="Cash"><Amount>10.00</Amount></Sales><Ending TenderType="Cash"><Amount>110.00</Amount></Ending>
                <Loan TenderType="Cash"><Amount>100.00</Amount></Loan></TenderSummary>
              </TillSettle></TenderControlTransaction></Transaction></POSLog>
            """).DatedIn(Locations.TimeZoneOf("STORE-NY"));

        Assert.Equal(November20, TillReceipts.CashCount(close, "STORE-NY", NineThirtyPmInNewYork)!.BusinessDay);
    }

    [Theory]
    [InlineData("America/New_York", null)]
    [InlineData("Europe/Amsterdam", null)]
    [InlineData(null, null)]
    [InlineData("Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not an IANA time zone (e.g. America/New_York, Europe/Amsterdam, UTC)")]
    public void GivenATimeZoneId_WhenParsed_ThenAnIanaIdIsAcceptedAndAnythingElseIsRefusedWithTheReason(string? id, string? error)
    {
        var (zone, reason) = BusinessDays.Parse(id);

        Assert.Equal(error, reason);
        Assert.Equal(error is null, zone is not null);
    }

    private static string Return(string dating) => $"""
        <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
          <RetailStoreID>101</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>77</SequenceNumber>{dating}<CurrencyCode>USD</CurrencyCode>
          <RetailTransaction>
            <LineItem><SequenceNumber>1</SequenceNumber><Return><ItemID>SKU-SOCKS</ItemID><Quantity>1</Quantity><ExtendedAmount>4.00</ExtendedAmount></Return></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund"><Amount>4.00</Amount></Tender></LineItem>
            <Total TotalType="TransactionGrandAmount">4.00</Total>
          </RetailTransaction></Transaction></POSLog>
        """;

    private static PosTransaction Read(string xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return Assert.IsType<PosParseResult.Parsed>(Assert.Single(PosLogReader.Read(stream))).Transaction;
    }

    /// <summary>A paid till-less order whose shirt is returned at a store through the order API at a moment.</summary>
    private static (Order Order, OrderEvent.RefundIssued Refund) ReturnedAt(string store, DateTimeOffset at)
    {
        var placedAt = at.AddDays(-3);
        var draft = new OrderDraft("web", [new ChannelReference("shopify", "id", "5100000009")], "USD", placedAt, null, FulfilmentMethod.Ship, "WH-1", null, null,
            [new OrderLine("1", "SHIRT", "Shirt", 1, 20m, 0m, 0m)], 0m, 0m, false);
        var tender = new Domain.Orders.Tender("P1", "card", null, null, null, null);
        var order = OrderEvolution.Evolve(OrderEvolution.Evolve(Order.Empty("web-9"), new OrderEvent.OrderPlaced(placedAt, draft, placedAt)),
            new OrderEvent.PaymentRecorded(placedAt, tender, new PaymentTransaction("c1", "P1", PaymentKind.Capture, 20m, placedAt)));
        order = OrderEvolution.Evolve(order, new OrderEvent.ReturnAccepted(at, new OrderReturn("R1", store, [new ReturnLine("1", "SHIRT", 1, ReturnDisposition.Sellable, 20m, 0m)],
            at, "associate")));
        var refund = new OrderEvent.RefundIssued(at, new Refund("F1", "R1", 20m, 0m, 0m, [new TenderRefund("P1", "card", null, 20m)], 0m, "returned", [], at));
        return (OrderEvolution.Evolve(order, refund), refund);
    }
}

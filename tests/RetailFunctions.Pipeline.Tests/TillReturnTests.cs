using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Testing;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Till returns linked to their receipt are recorded on that receipt's order: never more than bought, never twice.</summary>
public sealed class TillReturnTests
{
    private static readonly List<PosTransaction> Corpus = Read(TillCorpus.PathOf("us_store_101.xml"));

    [Fact]
    public void GivenAReturnLinkedToItsReceipt_WhenRecorded_ThenTheOrderRefundsThatLineFromItsCapturesAtTheTillsFigure()
    {
        var order = SaleOrder("5002");
        var (original, command) = Assert.Single(PosOrderCommands.Returns(Receipt("7001"), "store-101"));

        Assert.Equal("5002", original.Receipt!.SequenceNumber);
        order = Apply(order, command);

        var returned = Assert.Single(Assert.Single(order.Returns).Lines);
        Assert.Equal(("2", 1m, 4.32m, 0.32m, ""), (returned.LineId, returned.Quantity, returned.Amount, returned.Tax, returned.Sku));
        var refund = Assert.Single(order.Refunds);
        Assert.Equal((4.00m, 0.32m), (refund.Goods, refund.Tax));
        Assert.Equal([("cash", 4.32m)], refund.Tenders.Select(t => (t.Method, t.Amount)));
        Assert.Equal(29.70m - 4.32m, order.Payments.Sum(p => p.Refundable));
    }

    [Fact]
    public void GivenTheSameTillReturnTwice_WhenRecorded_ThenTheSecondChangesNothing()
    {
        var command = PosOrderCommands.Returns(Receipt("7001"), "store-101").Single().Command;
        var once = Apply(SaleOrder("5002"), command);

        var again = OrderDecider.Decide(command with { CommandId = "redelivered" }, once, OrderPolicy.Default);

        Assert.Empty(Assert.IsType<OrderDecision.Accept>(again).Events);
    }

    [Fact]
    public void GivenMoreReturnedAtTheTillThanTheReceiptBought_WhenRecorded_ThenOnlyWhatWasBoughtIsReturnedAndTheRestIsNoted()
    {
        var order = Apply(SaleOrder("5002"), PosOrderCommands.Returns(Receipt("7001"), "store-101").Single().Command);
        var tooMany = new OrderCommand.RecordTillReturn("c-2", "pos:101:operator:1", DateTimeOffset.UnixEpoch, "pos:101-2-20261120-7999:return", "store-101",
            [new TillReturnLine("SKU-SOCKS", 3m, 12.00m, 0.96m)], [new TillRefundTender("cash", 12.96m)]);

        order = Apply(order, tooMany);

        Assert.Equal(3m, order.Returned("2"));
        var refund = order.Refunds.Single(r => r.RefundId == tooMany.ReturnId);
        Assert.Equal(8.64m, refund.Goods + refund.Tax);
        Assert.Contains("1 of item SKU-SOCKS returned at the till beyond what order", Assert.Single(refund.Notes));
        var refused = OrderDecider.Decide(new OrderCommand.AcceptReturn("c-3", "agent", DateTimeOffset.UnixEpoch, "r-3", "store-101",
            [new ReturnRequestLine("2", 1m, ReturnDisposition.Sellable)], false), order, OrderPolicy.Default);
        Assert.Contains("only 0 of 3 bought can still be returned", Assert.IsType<OrderDecision.Refuse>(refused).Reason);
    }

    [Fact]
    public void GivenAnExchangeLinkedToNoReceipt_WhenItsReturnsAreAsked_ThenThereAreNoneAndAnUnlinkedReturnStaysTheTillsAlone()
    {
        Assert.Empty(PosOrderCommands.Returns(Receipt("7003"), "store-101"));
        Assert.Empty(PosOrderCommands.Returns(Receipt("7002"), "store-101"));
    }

    [Fact]
    public void GivenATillRefundOnAPosOrder_WhenTheJournalSubscriberSeesIt_ThenItBooksNothingBecauseTheTillJournalsIt()
    {
        var order = SaleOrder("5002");
        var command = PosOrderCommands.Returns(Receipt("7001"), "store-101").Single().Command;
        var decision = Assert.IsType<OrderDecision.Accept>(OrderDecider.Decide(command, order, OrderPolicy.Default));
        var after = decision.Events.Aggregate(order, OrderEvolution.Evolve);
        var refundIssued = decision.Events.OfType<OrderEvent.RefundIssued>().Single();

        Assert.Empty(JournalOrderSubscriber.FactsFor(new OrderEventMessage(after.OrderId, after.Sequence, nameof(OrderEvent.RefundIssued), refundIssued, after)));
    }

    [Fact]
    public void GivenATillReturnOnItsReceiptsOrder_WhenTheCustomerSubscriberSeesIt_ThenThePointsOfTheReturnedGoodsAreReversed()
    {
        var order = SaleOrder("5002");
        var command = PosOrderCommands.Returns(Receipt("7001"), "store-101").Single().Command;
        var decision = Assert.IsType<OrderDecision.Accept>(OrderDecider.Decide(command, order, OrderPolicy.Default));
        var after = decision.Events.Aggregate(order, OrderEvolution.Evolve);
        var accepted = decision.Events.OfType<OrderEvent.ReturnAccepted>().Single();

        var activity = CustomerOrderSubscriber.ActivityFor(new OrderEventMessage(after.OrderId, after.Sequence, nameof(OrderEvent.ReturnAccepted), accepted, after));

        Assert.NotNull(activity);
        Assert.Equal((ActivityKind.Return, order.OrderId, 4.00m), (activity.Kind, activity.OriginalOrderId, activity.Net.Amount));
    }

    [Fact]
    public void GivenAReturnThatArrivesBeforeItsSale_WhenTheSaleIsRecordedAndPaid_ThenTheReturnIsDecidedWithItsChecksOnTheSalesLinesAndCaptures()
    {
        var command = PosOrderCommands.Returns(Receipt("7001"), "store-101").Single().Command;
        var early = Apply(Order.Empty("pos-order"), command);

        Assert.Empty(early.Returns);
        Assert.Equal(command.ReturnId, Assert.Single(early.HeldTillReturns).ReturnId);
        Assert.Empty(Assert.IsType<OrderDecision.Accept>(OrderDecider.Decide(command with { CommandId = "again" }, early, OrderPolicy.Default)).Events);

        var order = SaleCommands("5002").Aggregate(early, Apply);

        Assert.Empty(order.HeldTillReturns);
        var returned = Assert.Single(Assert.Single(order.Returns).Lines);
        Assert.Equal(("2", 1m, 4.32m), (returned.LineId, returned.Quantity, returned.Amount));
        Assert.Equal([("cash", 4.32m)], Assert.Single(order.Refunds).Tenders.Select(t => (t.Method, t.Amount)));
        Assert.Equal(29.70m - 4.32m, order.Payments.Sum(p => p.Refundable));
    }

    [Fact]
    public void GivenAReturnThatArrivesBeforeItsSaleAskingForMoreThanWasBought_WhenTheSaleArrives_ThenOnlyWhatWasBoughtIsRefundedAndTheRestIsNoted()
    {
        var tooMany = new OrderCommand.RecordTillReturn("c-early", "pos:101:operator:1", DateTimeOffset.UnixEpoch, "pos:101-2-20261120-7998:return", "store-101",
            [new TillReturnLine("SKU-SOCKS", 5m, 20.00m, 1.60m)], [new TillRefundTender("cash", 21.60m)]);

        var order = SaleCommands("5002").Aggregate(Apply(Order.Empty("pos-order"), tooMany), Apply);

        Assert.Equal(3m, order.Returned("2"));
        Assert.Contains("2 of item SKU-SOCKS returned at the till beyond what order", Assert.Single(Assert.Single(order.Refunds).Notes));
    }

    [Fact]
    public void GivenAReturnNamingTheOriginalLine_WhenRecorded_ThenOnlyThatLineIsGivenBackAndNeverBeyondWhatItBought()
    {
        var returning = ReadOne(LinkedReturn("<WorkstationID>1</WorkstationID><SequenceNumber>5002</SequenceNumber><BusinessDayDate>2026-11-20</BusinessDayDate>" +
            "<LineItemSequenceNumber>2</LineItemSequenceNumber>", "SKU-SOCKS", quantity: 4));
        var (original, command) = Assert.Single(PosOrderCommands.Returns(returning, "store-101"));

        var order = Apply(SaleOrder("5002"), command);

        Assert.Equal("101-1-20261120-5002", original.ToString());
        Assert.Equal("2", Assert.Single(command.Lines).OriginalLine);
        Assert.Equal(3m, order.Returned("2"));
        Assert.Equal(0m, order.Returned("1"));
        Assert.Contains("beyond what line 2 of order", Assert.Single(Assert.Single(order.Refunds).Notes));
    }

    [Fact]
    public void GivenAReturnNamingALineOfAnotherItem_WhenRecorded_ThenNothingOfTheOtherLineIsGivenBack()
    {
        var returning = ReadOne(LinkedReturn("<WorkstationID>1</WorkstationID><SequenceNumber>5002</SequenceNumber><BusinessDayDate>2026-11-20</BusinessDayDate>" +
            "<LineItemSequenceNumber>1</LineItemSequenceNumber>", "SKU-SOCKS", quantity: 1));

        var order = Apply(SaleOrder("5002"), PosOrderCommands.Returns(returning, "store-101").Single().Command);

        Assert.Equal((1m, 0m), (order.Returned("1"), order.Returned("2")));
    }

    [Fact]
    public void GivenAReturnLinkedByItsPrintedReceiptNumberOnly_WhenRead_ThenItTargetsThatNumberWhichTheSalesOrderIsFoundBy()
    {
        var returning = ReadOne(LinkedReturn("<SequenceNumber>5002</SequenceNumber>", "SKU-SOCKS", quantity: 1));
        var dated = ReadOne(LinkedReturn("<WorkstationID>1</WorkstationID><SequenceNumber>5002</SequenceNumber><BeginDateTime>2026-11-20T10:01:00</BeginDateTime>",
            "SKU-SOCKS", quantity: 1));

        var (original, _) = Assert.Single(PosOrderCommands.Returns(returning, "store-101"));

        Assert.Equal(new TillReturnTarget(null, "101-5002"), original);
        Assert.Contains(PosOrderCommands.References(Receipt("5002").Receipt), r => r.Kind == PosOrderCommands.ReceiptNumberKind && r.Value == original.ReceiptNumber);
        Assert.Equal(Receipt("5002").Receipt, PosOrderCommands.Returns(dated, "store-101").Single().Original.Receipt);
    }

    [Fact]
    public void GivenAPostVoidThatRepeatsNoLines_WhenRecorded_ThenTheVoidedOrderGivesBackEverythingFromItsCapturesAndBooksIt()
    {
        var postVoid = ReadOne("""
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
              <RetailStoreID>101</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>5010</SequenceNumber><BusinessDayDate>2026-11-20</BusinessDayDate>
              <RetailTransaction><TransactionLink ReasonCode="PostVoid"><WorkstationID>1</WorkstationID><SequenceNumber>5002</SequenceNumber>
                <BusinessDayDate>2026-11-20</BusinessDayDate></TransactionLink></RetailTransaction></Transaction></POSLog>
            """);
        var (original, command) = Assert.Single(PosOrderCommands.Returns(postVoid, "store-101"));
        var sale = SaleOrder("5002");
        var decision = Assert.IsType<OrderDecision.Accept>(OrderDecider.Decide(command, sale, OrderPolicy.Default));
        var order = decision.Events.Aggregate(sale, OrderEvolution.Evolve);

        Assert.Equal(Receipt("5002").Receipt, original.Receipt);
        Assert.Equal((1m, 3m), (order.Returned("1"), order.Returned("2")));
        Assert.Equal(["JACKET", "SOCKS"], Assert.Single(order.Returns).Lines.Select(l => l.Sku));
        Assert.Equal(0m, order.Payments.Sum(p => p.Refundable));
        var refund = decision.Events.OfType<OrderEvent.RefundIssued>().Single();
        var fact = Assert.IsType<Domain.Finance.FinancialFact.Return>(Assert.Single(
            JournalOrderSubscriber.FactsFor(new OrderEventMessage(order.OrderId, order.Sequence, nameof(OrderEvent.RefundIssued), refund, order))));
        Assert.Equal(29.70m, fact.Refunds.Sum(r => r.Amount));
        Assert.Empty(PosStockPlan.Changes(postVoid, "b1"));
    }

    private static string LinkedReturn(string link, string item, int quantity) => $"""
        <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
          <RetailStoreID>101</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>7100</SequenceNumber><BusinessDayDate>2026-11-21</BusinessDayDate>
          <CurrencyCode>USD</CurrencyCode>
          <RetailTransaction>
            <LineItem><SequenceNumber>1</SequenceNumber><Return><TransactionLink ReasonCode="Return"><RetailStoreID>101</RetailStoreID>{link}</TransactionLink>
              <ItemID>{item}</ItemID><ExtendedAmount>{quantity * 4}.00</ExtendedAmount><Quantity>{quantity}</Quantity></Return></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund"><Amount>{quantity * 4}.00</Amount></Tender></LineItem>
            <Total TotalType="TransactionGrandAmount">{quantity * 4}.00</Total>
          </RetailTransaction></Transaction></POSLog>
        """;

    private static PosTransaction ReadOne(string xml)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml));
        return Assert.IsType<PosParseResult.Parsed>(Assert.Single(PosLogReader.Read(stream))).Transaction;
    }

    private static IReadOnlyList<OrderCommand> SaleCommands(string sequence) =>
        PosOrderCommands.Record(Receipt(sequence), "store-101", new Dictionary<int, string?> { [1] = "JACKET", [2] = "SOCKS" }, "blob#1", DateTimeOffset.UnixEpoch);

    private static PosTransaction Receipt(string sequence) => Corpus.Single(t => t.Receipt.SequenceNumber == sequence);

    private static Order SaleOrder(string sequence)
    {
        var commands = PosOrderCommands.Record(Receipt(sequence), "store-101", new Dictionary<int, string?> { [1] = "JACKET", [2] = "SOCKS" }, "blob#1",
            DateTimeOffset.UnixEpoch);
        return commands.Aggregate(Order.Empty("pos-order"), Apply);
    }

    private static Order Apply(Order order, OrderCommand command) =>
        OrderDecider.Decide(command, order, OrderPolicy.Default) is OrderDecision.Accept accept ? accept.Events.Aggregate(order, OrderEvolution.Evolve) : order;

    private static List<PosTransaction> Read(string path)
    {
        using var stream = File.OpenRead(path);
        return [.. PosLogReader.Read(stream).OfType<PosParseResult.Parsed>().Select(r => r.Transaction)];
    }
}

using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A refund of money taken through a processor other than the web store, carried out over the processor refund
/// contract against a fake processor on real HTTP loopback: once per refund id however often it is tried, through the
/// resilience pipeline, and a refusal becomes finance's exception with the processor's reason.
/// </summary>
public sealed class ProcessorRefundConnectorTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-20T12:00:00Z");
    private FakeRefundProcessor _processor = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _processor = await FakeRefundProcessor.StartAsync();
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _processor.DisposeAsync();
    }

    private ProcessorRefundConnector Connector(TimeProvider? clock = null) => new(_http,
        new ProcessorRefundOptions("adyen", ["adyen", "adyen_cse"], _processor.BaseUrl, "key-test", MaxRetries: 3, TimeSpan.FromMilliseconds(20),
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)),
        clock ?? TimeProvider.System);

    private static RefundInstruction Instruction(string refundId = "return:RET-7") =>
        new("app-A-1", "A-1", refundId, "EUR", [new RefundLeg("psp-8812", "adyen", 20.00m)], "return RET-7");

    [Fact]
    public async Task GivenARefundDecidedHere_WhenCarriedOutTwice_ThenTheProcessorRefundsOnceByOurRefundId()
    {
        var first = Assert.IsType<RefundOutcome.Executed>(await Connector().RefundAsync(Instruction(), CancellationToken.None));
        var again = Assert.IsType<RefundOutcome.Executed>(await Connector().RefundAsync(Instruction(), CancellationToken.None));

        var made = Assert.Single(_processor.Refunds);
        Assert.Equal(("return:RET-7", "key-test"), (made.IdempotencyKey, made.ApiKey));
        Assert.Equal(("A-1", "EUR", "20.00"), (made.Body.GetProperty("orderReference").GetString(), made.Body.GetProperty("currency").GetString(),
            made.Body.GetProperty("amount").GetString()));
        Assert.Equal("psp-8812", made.Body.GetProperty("legs")[0].GetProperty("paymentId").GetString());
        Assert.Equal((made.ProcessorRefundId, false), (first.ChannelRefundId, first.AlreadyDone));
        Assert.Equal((made.ProcessorRefundId, true), (again.ChannelRefundId, again.AlreadyDone));
    }

    [Fact]
    public async Task GivenAProcessorThatRefundsButAnswers503_WhenRetried_ThenTheMoneyGoesBackOnce()
    {
        _processor.Then(new FakeRefundProcessor.Scripted(503, ActFirst: true), new FakeRefundProcessor.Scripted(429, RetryAfterSeconds: 1));
        var clock = new RecordingClock();

        var done = Assert.IsType<RefundOutcome.Executed>(await Connector(clock).RefundAsync(Instruction("goodwill:G-3"), CancellationToken.None));

        Assert.Single(_processor.Refunds);
        Assert.True(done.AlreadyDone);
        Assert.Equal(3, _processor.Attempts);
        Assert.Contains(TimeSpan.FromSeconds(1), clock.Waits);
    }

    [Fact]
    public async Task GivenAProcessorThatStaysDown_WhenTheRetriesRunOut_ThenItThrowsSoTheMessageIsTriedAgainLater()
    {
        _processor.Then([.. Enumerable.Repeat(new FakeRefundProcessor.Scripted(503), 4)]);

        var failure = await Assert.ThrowsAsync<ChannelPushException>(() => Connector().RefundAsync(Instruction(), CancellationToken.None));

        Assert.False(failure.Permanent);
        Assert.Empty(_processor.Refunds);
    }

    private sealed class Raised : IExceptionStore
    {
        public List<BusinessException> All { get; } = [];
        public Task RaiseAsync(BusinessException exception, CancellationToken ct) { All.Add(exception); return Task.CompletedTask; }
        public Task<IReadOnlyList<BusinessException>> ListAsync(string? owner, string? status, int max, CancellationToken ct) => throw new NotSupportedException();
        public Task<BusinessException?> GetAsync(string owner, string id, CancellationToken ct) => throw new NotSupportedException();
        public Task<(BusinessException? Exception, string? Refusal)> TransitionAsync(string owner, string id, string action, string by, string? note,
            DateTimeOffset at, CancellationToken ct) => throw new NotSupportedException();
    }

    private sealed class NoWebStore : IRefundGateway
    {
        public int Calls { get; private set; }
        public string Channel => "web";
        public TimeSpan LongestCall => TimeSpan.FromMinutes(1);
        public Task<RefundOutcome> RefundAsync(RefundInstruction instruction, CancellationToken ct) { Calls++; return Task.FromResult<RefundOutcome>(new RefundOutcome.Refused("not here")); }
    }

    /// <summary>Attempts at the web store: a refund of money taken elsewhere never takes one.</summary>
    private sealed class NoWebStoreAttempts : IRefundAttemptStore
    {
        public Task<StoredRefundAttempt> LoadAsync(RefundAttemptKey key, CancellationToken ct) => throw new NotSupportedException("no web-store refund here");
        public Task<StoredRefundAttempt?> TrySaveAsync(RefundAttemptKey key, StoredRefundAttempt loaded, RefundAttemptState change, CancellationToken ct) =>
            throw new NotSupportedException("no web-store refund here");
    }

    /// <summary>An app order paid through the processor, and a goodwill refund of 20.00 decided here.</summary>
    private static OrderEventMessage RefundOfAnAppOrder(string gateway)
    {
        var draft = new OrderDraft("app", [new ChannelReference("app", "id", "A-1")], "EUR", Now, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("L1", "SKU-1", "Shirt", 1m, 50m, 0m, 0m)], 0m, 0m, false);
        var order = Order.Empty("app-A-1");
        OrderCommand[] commands =
        [
            new OrderCommand.RecordOrder("record", "app", Now, draft, Now, null, null, new Dictionary<string, decimal>()),
            new OrderCommand.RecordPayment("pay", "app", Now, new Domain.Orders.Tender($"{gateway}:1", "card", gateway, null, "4242", null),
                new PaymentTransaction("psp-8812", $"{gateway}:1", PaymentKind.Capture, 50m, Now)),
            new OrderCommand.IssueRefund("refund:G-9", "associate", Now.AddDays(1), "G-9", 20m, false, "late parcel"),
        ];
        OrderEvent last = null!;
        foreach (var command in commands)
            foreach (var e in Assert.IsType<OrderDecision.Accept>(OrderDecider.Decide(command, order, OrderPolicy.Default)).Events)
                (order, last) = (OrderEvolution.Evolve(order, e), e);
        return new OrderEventMessage(order.OrderId, order.Sequence, nameof(OrderEvent.RefundIssued), Assert.IsType<OrderEvent.RefundIssued>(last), order);
    }

    [Fact]
    public async Task GivenAnOrderPaidThroughAnotherProcessor_WhenARefundIsDecidedHere_ThenTheConnectorForItsGatewayCarriesItOut()
    {
        var web = new NoWebStore();
        var raised = new Raised();

        await new RefundExecutionSubscriber([web], new NoWebStoreAttempts(), raised, TimeProvider.System, [Connector()]).HandleAsync(RefundOfAnAppOrder("adyen_cse"), CancellationToken.None);

        var made = Assert.Single(_processor.Refunds);
        Assert.Equal(("G-9", "20.00", "psp-8812"), (made.IdempotencyKey, made.Body.GetProperty("amount").GetString(),
            made.Body.GetProperty("legs")[0].GetProperty("paymentId").GetString()));
        Assert.Equal(0, web.Calls);
        Assert.Empty(raised.All);
    }

    [Fact]
    public async Task GivenTheProcessorRefuses_WhenCarriedOut_ThenFinanceGetsAnExceptionWithTheProcessorsReason()
    {
        _processor.Then(new FakeRefundProcessor.Scripted(402, Code: "card_expired", Message: "The card has expired"));
        var raised = new Raised();

        await new RefundExecutionSubscriber([], new NoWebStoreAttempts(), raised, TimeProvider.System, [Connector()]).HandleAsync(RefundOfAnAppOrder("adyen"), CancellationToken.None);

        var exception = Assert.Single(raised.All);
        Assert.Equal((Owners.Finance, RefundExecutionSubscriber.Refused), (exception.Owner, exception.Reason));
        Assert.Contains("adyen", exception.Detail, StringComparison.Ordinal);
        Assert.Contains("402 card_expired: The card has expired", exception.Detail, StringComparison.Ordinal);
        Assert.Contains("20.00 EUR", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GivenAGatewayNoConnectorServes_WhenARefundIsDecided_ThenNothingIsSentToTheProcessor()
    {
        await new RefundExecutionSubscriber([], new NoWebStoreAttempts(), new Raised(), TimeProvider.System, [Connector()]).HandleAsync(RefundOfAnAppOrder("stripe"), CancellationToken.None);

        Assert.Empty(_processor.Refunds);
    }
}

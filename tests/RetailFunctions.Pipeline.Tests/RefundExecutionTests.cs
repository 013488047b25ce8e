using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;
using static RetailFunctions.Pipeline.Tests.ShopifyMoneyConformanceTests;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>
/// Refunds decided here go to the processor that took the money, against the capture they refund; the web store's
/// echo of such a refund is recognised as the same refund; a refusal is finance's, with the processor's reason.
/// </summary>
public sealed class RefundExecutionTests
{
    private const string PaidOrder = """
        {"id":820982911946154520,"currency":"USD","created_at":"2026-11-20T10:00:00Z","total_price":"40.00",
         "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":2,"price":"20.00"}],
         "transactions":[{"id":389404470,"kind":"sale","status":"success","amount":"40.00","currency":"USD","gateway":"shopify_payments"}]}
        """;

    private sealed class Gateway(RefundOutcome answer) : IRefundGateway
    {
        public List<RefundInstruction> Calls { get; } = [];
        public string Channel => "web";
        public TimeSpan LongestCall => TimeSpan.FromMinutes(1);
        public Task<RefundOutcome> RefundAsync(RefundInstruction instruction, CancellationToken ct)
        {
            Calls.Add(instruction);
            return Task.FromResult(answer);
        }
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

    private static (Outcome Outcome, OrderEvent.RefundIssued Issued) Goodwill()
    {
        var outcome = Run(Record(PaidOrder).Order, [new OrderCommand.IssueRefund("refund:G-1", "associate", Now.AddDays(1), "G-1", 5m, false, "late parcel")]);
        return (outcome, outcome.Order.Refunds.Single() is var refund ? new OrderEvent.RefundIssued(refund.At, refund) : null!);
    }

    [Fact]
    public async Task GivenARefundDecidedHere_WhenPublished_ThenItIsCarriedOutAgainstTheCaptureItRefunds()
    {
        var (outcome, issued) = Goodwill();
        var gateway = new Gateway(new RefundOutcome.Executed("1001", false));

        await new RefundExecutionSubscriber([gateway], new MemoryRefundAttemptStore(), new Raised(), TimeProvider.System)
            .HandleAsync(new OrderEventMessage(outcome.Order.OrderId, outcome.Order.Sequence, "RefundIssued", issued, outcome.Order), CancellationToken.None);

        var call = Assert.Single(gateway.Calls);
        Assert.Equal(("820982911946154520", "G-1"), (call.ChannelOrderId, call.RefundId));
        Assert.Equal([new RefundLeg("389404470", "shopify_payments", 5m)], call.Legs);
    }

    [Fact]
    public async Task GivenTheProcessorRefuses_WhenCarriedOut_ThenFinanceGetsAnExceptionWithTheProcessorsReason()
    {
        var (outcome, issued) = Goodwill();
        var raised = new Raised();

        await new RefundExecutionSubscriber([new Gateway(new RefundOutcome.Refused("422: card expired"))], new MemoryRefundAttemptStore(), raised, TimeProvider.System)
            .HandleAsync(new OrderEventMessage(outcome.Order.OrderId, outcome.Order.Sequence, "RefundIssued", issued, outcome.Order), CancellationToken.None);

        var exception = Assert.Single(raised.All);
        Assert.Equal((Owners.Finance, RefundExecutionSubscriber.Refused), (exception.Owner, exception.Reason));
        Assert.Contains("422: card expired", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GivenAnOrderWhosePaymentIsKnownOnlyFromItsFinancialStatus_ThenNothingIsSentAgainstAnInventedTransactionAndFinanceIsTold()
    {
        var paid = Record("""
            {"id":820982911946154521,"currency":"USD","created_at":"2026-11-20T10:00:00Z","financial_status":"paid","total_price":"40.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":2,"price":"20.00"}]}
            """);
        var outcome = Run(paid.Order, [new OrderCommand.IssueRefund("refund:G-2", "associate", Now.AddDays(1), "G-2", 5m, false, "late parcel")]);

        var refund = outcome.Order.Refunds.Single();
        Assert.Null(RefundExecutionSubscriber.Instruction(outcome.Order, refund));
        var (gateway, raised) = (new Gateway(new RefundOutcome.Executed("1", false)), new Raised());
        await new RefundExecutionSubscriber([gateway], new MemoryRefundAttemptStore(), raised, TimeProvider.System).HandleAsync(
            new OrderEventMessage(outcome.Order.OrderId, outcome.Order.Sequence, "RefundIssued", new OrderEvent.RefundIssued(refund.At, refund), outcome.Order),
            CancellationToken.None);
        Assert.Empty(gateway.Calls);
        Assert.Equal(RefundExecutionSubscriber.NotExecuted, Assert.Single(raised.All).Reason);
    }

    [Fact]
    public void GivenARefundTheWebStoreMadeItself_ThenItIsNeverSentBackToTheWebStore()
    {
        var refunded = Refund(Record(PaidOrder), """
            {"id":929361470,"order_id":820982911946154520,"created_at":"2026-11-22T10:00:00Z","refund_line_items":[],
             "transactions":[{"id":179259980,"kind":"refund","status":"success","amount":"5.00","currency":"USD","gateway":"shopify_payments"}]}
            """);

        Assert.Null(RefundExecutionSubscriber.Instruction(refunded.Order, refunded.Order.Refunds.Single()));
    }

    [Fact]
    public void GivenTheWebStoresEchoOfOurRefund_WhenItArrives_ThenItIsTheSameRefundAndNoMoneyIsCountedTwice()
    {
        var (outcome, _) = Goodwill();
        var echo = Refund(outcome, $$"""
            {"id":929361471,"order_id":820982911946154520,"created_at":"2026-11-22T10:00:00Z","note":"late parcel {{RefundMarkers.For("G-1")}}",
             "refund_line_items":[],
             "transactions":[{"id":179259981,"kind":"refund","status":"success","amount":"5.00","currency":"USD","gateway":"shopify_payments"}]}
            """, webhookId: "7c1d9a52-0000-4000-8000-000000000009");
        var updated = Record($$"""
            {"id":820982911946154520,"currency":"USD","created_at":"2026-11-20T10:00:00Z","updated_at":"2026-11-22T10:00:00Z","total_price":"40.00",
             "line_items":[{"id":1,"variant_id":11,"product_id":21,"sku":"A","title":"A","quantity":2,"price":"20.00"}],
             "refunds":[{"id":929361471,"note":"late parcel {{RefundMarkers.For("G-1")}}",
                         "transactions":[{"id":179259981,"kind":"refund","status":"success","amount":"5.00"}]}],
             "transactions":[{"id":389404470,"kind":"sale","status":"success","amount":"40.00","currency":"USD","gateway":"shopify_payments"},
                             {"id":179259981,"kind":"refund","status":"success","amount":"5.00","currency":"USD","gateway":"shopify_payments"}]}
            """, echo.Order, "orders/updated", "7c1d9a52-0000-4000-8000-000000000010");

        Assert.Single(updated.Order.Refunds);
        Assert.Equal(5m, updated.Order.Refunded);
        Assert.Empty(echo.Facts);
    }

    /// <summary>A web store whose refund calls wait until released, or fail first: for attempts that meet.</summary>
    private sealed class SlowGateway : IRefundGateway
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;
        public int Calls => _calls;
        public int Failures { get; set; }
        public string Channel => "web";
        public TimeSpan LongestCall => TimeSpan.FromMinutes(1);
        public void Release() => _release.TrySetResult();

        public async Task<RefundOutcome> RefundAsync(RefundInstruction instruction, CancellationToken ct)
        {
            Interlocked.Increment(ref _calls);
            await _release.Task;
            if (Failures-- > 0) throw new HttpRequestException("the web store did not answer");
            return new RefundOutcome.Executed("9001", AlreadyDone: false);
        }
    }

    private static OrderEventMessage GoodwillMessage()
    {
        var (outcome, issued) = Goodwill();
        return new OrderEventMessage(outcome.Order.OrderId, outcome.Order.Sequence, "RefundIssued", issued, outcome.Order);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 3_000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), "the condition was not met within 30 s");
    }

    [Fact]
    public async Task GivenTwoCopiesOfARefundEventAtOnce_WhenBothAreHandled_ThenTheWebStoreIsAskedOnceAndTheSecondFindsItMade()
    {
        var (gateway, attempts, message) = (new SlowGateway(), new MemoryRefundAttemptStore(), GoodwillMessage());
        var first = new RefundExecutionSubscriber([gateway], attempts, new Raised(), TimeProvider.System).HandleAsync(message, CancellationToken.None);
        await Until(() => gateway.Calls == 1);

        var second = new RefundExecutionSubscriber([gateway], attempts, new Raised(), TimeProvider.System).HandleAsync(message, CancellationToken.None);
        // The second has read the row held by the first and is waiting: two reads of its own after the first's one.
        await Until(() => attempts.Loads >= 3);
        Assert.Equal(1, gateway.Calls);
        gateway.Release();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, gateway.Calls);
        Assert.Equal("9001", Assert.Single(attempts.Rows).Value.State!.Made);
    }

    [Fact]
    public async Task GivenAnAttemptThatFailed_WhenTheEventIsHandledAgain_ThenItLetGoAndTheRetryAsksTheWebStoreAtOnce()
    {
        var (gateway, attempts, message) = (new SlowGateway { Failures = 1 }, new MemoryRefundAttemptStore(), GoodwillMessage());
        gateway.Release();
        var subscriber = new RefundExecutionSubscriber([gateway], attempts, new Raised(), TimeProvider.System);

        await Assert.ThrowsAsync<HttpRequestException>(() => subscriber.HandleAsync(message, CancellationToken.None));
        var letGo = Assert.Single(attempts.Rows).Value.State!;
        Assert.Null(letGo.Made);
        Assert.True(letGo.Until <= DateTimeOffset.UtcNow, "a failed attempt lets go of the refund");
        await subscriber.HandleAsync(message, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, gateway.Calls);
        Assert.Equal("9001", Assert.Single(attempts.Rows).Value.State!.Made);
    }

    [Fact]
    public async Task GivenARefundAlreadyMade_WhenItsEventComesAgain_ThenTheWebStoreIsNotAsked()
    {
        var (gateway, attempts, message) = (new SlowGateway(), new MemoryRefundAttemptStore(), GoodwillMessage());
        gateway.Release();
        var subscriber = new RefundExecutionSubscriber([gateway], attempts, new Raised(), TimeProvider.System);

        await subscriber.HandleAsync(message, CancellationToken.None);
        await subscriber.HandleAsync(message, CancellationToken.None);

        Assert.Equal(1, gateway.Calls);
    }

    [Fact]
    public async Task GivenARefusedRefund_ThenFinanceIsToldAndTheRefundIsLetGoForALaterAttempt()
    {
        var (attempts, raised, message) = (new MemoryRefundAttemptStore(), new Raised(), GoodwillMessage());

        await new RefundExecutionSubscriber([new Gateway(new RefundOutcome.Refused("422: card expired"))], attempts, raised, TimeProvider.System)
            .HandleAsync(message, CancellationToken.None);

        Assert.Equal(RefundExecutionSubscriber.Refused, Assert.Single(raised.All).Reason);
        var row = Assert.Single(attempts.Rows).Value.State!;
        Assert.Null(row.Made);
        Assert.True(row.Until <= DateTimeOffset.UtcNow, "a refused attempt lets go of the refund");
    }
}

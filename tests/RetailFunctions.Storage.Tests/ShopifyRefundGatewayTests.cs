using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A refund decided here, carried out at the web store through its Admin API refund resource, against a fake Admin API
/// on real HTTP loopback: once, however often it is tried, and a refusal comes back with the store's reason.
/// </summary>
public sealed class ShopifyRefundGatewayTests : IAsyncLifetime
{
    private FakeShopifyAdmin _admin = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _admin = await FakeShopifyAdmin.StartAsync();
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _admin.DisposeAsync();
    }

    private ShopifyRefundGateway Gateway(TimeProvider? clock = null) => new(_http,
        new ShopifyAdminOptions(_admin.BaseUrl, "shpat_test", "2025-10", MaxRetries: 3, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(30)),
        clock ?? TimeProvider.System);

    private static RefundInstruction Instruction(string refundId = "return:RET-1") =>
        new("web-1", "820982911946154508", refundId, "USD", [new RefundLeg("389404470", "shopify_payments", 42.50m)], "return RET-1");

    [Fact]
    public async Task GivenARefundDecidedHere_WhenCarriedOutTwice_ThenTheStoreRefundsOnceAgainstTheParentCapture()
    {
        var first = Assert.IsType<RefundOutcome.Executed>(await Gateway().RefundAsync(Instruction(), CancellationToken.None));
        var again = Assert.IsType<RefundOutcome.Executed>(await Gateway().RefundAsync(Instruction(), CancellationToken.None));

        var made = Assert.Single(_admin.Refunds);
        Assert.Equal("820982911946154508", made.OrderId);
        Assert.Equal([(389404470L, 42.50m)], made.Transactions);
        Assert.Contains(RefundMarkers.For("return:RET-1"), made.Note, StringComparison.Ordinal);
        Assert.Equal((made.Id.ToString(), false), (first.ChannelRefundId, first.AlreadyDone));
        Assert.Equal((made.Id.ToString(), true), (again.ChannelRefundId, again.AlreadyDone));
    }

    [Fact]
    public async Task GivenAStoreThatThrottles_WhenTheRefundIsRetried_ThenTheRetryWaitsAsLongAsRetryAfterAsked()
    {
        _admin.Then(new FakeShopifyAdmin.Scripted(429, RetryAfterSeconds: 2));
        var clock = new RecordingClock();

        Assert.IsType<RefundOutcome.Executed>(await Gateway(clock).RefundAsync(Instruction("goodwill:web-1"), CancellationToken.None));

        Assert.Single(_admin.Refunds);
        Assert.Contains(TimeSpan.FromSeconds(2), clock.Waits);
    }

    [Fact]
    public async Task GivenTheStoreMakesTheRefundButAnswersAnError_WhenTheCallIsRetried_ThenTheRetryFindsItInsteadOfRefundingAgain()
    {
        _admin.Then(new FakeShopifyAdmin.Scripted(503, ActFirst: true));

        var outcome = Assert.IsType<RefundOutcome.Executed>(await Gateway().RefundAsync(Instruction("cancel:web-1"), CancellationToken.None));

        Assert.Single(_admin.Refunds);
        Assert.True(outcome.AlreadyDone);
    }

    [Fact]
    public async Task GivenTheStoreRefusesTheRefund_WhenCarriedOut_ThenTheRefusalCarriesTheStoresReasonAndNothingIsRefunded()
    {
        _admin.Then(new FakeShopifyAdmin.Scripted(422, Errors: "Amount cannot be greater than the refundable amount"));

        var refused = Assert.IsType<RefundOutcome.Refused>(await Gateway().RefundAsync(Instruction("goodwill:G-1"), CancellationToken.None));

        Assert.Contains("422", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("cannot be greater than the refundable amount", refused.Reason, StringComparison.Ordinal);
        Assert.Empty(_admin.Refunds);
    }
}

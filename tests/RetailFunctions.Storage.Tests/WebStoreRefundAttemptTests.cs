using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Orders;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// Two runtimes given copies of one refund event at the same moment, each with its own HTTP client to a fake Admin API
/// on loopback and its own attempt store on a real Azurite: the web store is asked once and refunds once, because the
/// store takes no idempotency key and both would otherwise look, find nothing, and refund.
/// </summary>
public sealed class WebStoreRefundAttemptTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-20T12:00:00Z");
    private StorageAccount _account = null!;
    private FakeShopifyAdmin _admin = null!;
    private readonly List<HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
        _admin = await FakeShopifyAdmin.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        await _admin.DisposeAsync();
    }

    /// <summary>One runtime's refund path: its own HTTP client, gateway and store, as a second process would have.</summary>
    private (RefundExecutionSubscriber Subscriber, CountingStore Store) Runtime()
    {
        var http = new HttpClient();
        _clients.Add(http);
        var gateway = new ShopifyRefundGateway(http, new ShopifyAdminOptions(_admin.BaseUrl, "shpat_test", "2025-10", MaxRetries: 2,
            TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), TimeProvider.System);
        var store = new CountingStore(new TableRefundAttemptStore(_account));
        return (new RefundExecutionSubscriber([gateway], store, new NoExceptions(), TimeProvider.System), store);
    }

    private sealed class CountingStore(IRefundAttemptStore inner) : IRefundAttemptStore
    {
        private int _loads;
        public int Loads => _loads;

        public Task<StoredRefundAttempt> LoadAsync(RefundAttemptKey key, CancellationToken ct)
        {
            Interlocked.Increment(ref _loads);
            return inner.LoadAsync(key, ct);
        }

        public Task<StoredRefundAttempt?> TrySaveAsync(RefundAttemptKey key, StoredRefundAttempt loaded, RefundAttemptState change, CancellationToken ct) =>
            inner.TrySaveAsync(key, loaded, change, ct);
    }

    private sealed class NoExceptions : IExceptionStore
    {
        public Task RaiseAsync(BusinessException exception, CancellationToken ct) => throw new InvalidOperationException($"unexpected exception: {exception.Detail}");
        public Task<IReadOnlyList<BusinessException>> ListAsync(string? owner, string? status, int max, CancellationToken ct) => throw new NotSupportedException();
        public Task<BusinessException?> GetAsync(string owner, string id, CancellationToken ct) => throw new NotSupportedException();
        public Task<(BusinessException? Exception, string? Refusal)> TransitionAsync(string owner, string id, string action, string by, string? note,
            DateTimeOffset at, CancellationToken ct) => throw new NotSupportedException();
    }

    /// <summary>A web order paid 50.00 through the web store's capture 389404470, and a goodwill refund of 10.00 decided here.</summary>
    private static OrderEventMessage Goodwill(string refundId)
    {
        var channelOrder = $"51{Random.Shared.NextInt64(10_000_000, 99_999_999)}";
        var draft = new OrderDraft(Channels.Web, [new ChannelReference("shopify", "id", channelOrder)], "USD", Now, null, FulfilmentMethod.Ship, null, null, null,
            [new OrderLine("L1", "SKU-1", "Shirt", 1m, 50m, 0m, 0m)], 0m, 0m, false);
        var order = Order.Empty($"web-{channelOrder}");
        OrderCommand[] commands =
        [
            new OrderCommand.RecordOrder("record", "shopify", Now, draft, Now, null, null, new Dictionary<string, decimal>()),
            new OrderCommand.RecordPayment("pay", "shopify", Now, new Tender("shopify:1", "card", "shopify_payments", null, "4242", null),
                new PaymentTransaction("shopify:389404470", "shopify:1", PaymentKind.Capture, 50m, Now)),
            new OrderCommand.IssueRefund($"refund:{refundId}", "associate", Now.AddDays(1), refundId, 10m, false, "goodwill: late delivery"),
        ];
        OrderEvent last = null!;
        foreach (var command in commands)
            foreach (var e in Assert.IsType<OrderDecision.Accept>(OrderDecider.Decide(command, order, OrderPolicy.Default)).Events)
                (order, last) = (OrderEvolution.Evolve(order, e), e);
        return new OrderEventMessage(order.OrderId, order.Sequence, nameof(OrderEvent.RefundIssued), Assert.IsType<OrderEvent.RefundIssued>(last), order);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 3_000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), "the condition was not met within 30 s");
    }

    [Fact]
    public async Task GivenTwoRuntimesWithCopiesOfOneRefundEvent_WhenTheWebStoreIsSlowToAnswer_ThenItIsAskedOnceAndRefundsOnce()
    {
        var message = Goodwill($"G-{Guid.NewGuid():N}");
        var (first, firstStore) = Runtime();
        var (second, secondStore) = Runtime();
        _admin.HoldListings();

        var firstRun = first.HandleAsync(message, CancellationToken.None);
        await Until(() => _admin.Listings == 1);
        var secondRun = second.HandleAsync(message, CancellationToken.None);
        // The second runtime has found the refund held and looked again: it is waiting, not listing.
        await Until(() => secondStore.Loads >= 2);
        Assert.Equal(1, _admin.Listings);
        _admin.ReleaseListings();
        await Task.WhenAll(firstRun, secondRun).WaitAsync(TimeSpan.FromSeconds(60));

        var made = Assert.Single(_admin.Refunds, r => r.Note.Contains(RefundMarkers.For(message.Event is OrderEvent.RefundIssued i ? i.Refund.RefundId : ""), StringComparison.Ordinal));
        Assert.Equal([(389404470L, 10.00m)], made.Transactions);
        Assert.Equal(1, _admin.Listings);
        Assert.Equal(1, firstStore.Loads);
    }

    [Fact]
    public async Task GivenAHolderThatDiedWithItsLeasePassed_WhenTheEventComesAgain_ThenTheNextAttemptTakesOverAndRefundsOnce()
    {
        var message = Goodwill($"G-{Guid.NewGuid():N}");
        var refundId = ((OrderEvent.RefundIssued)message.Event).Refund.RefundId;
        var key = new RefundAttemptKey(message.OrderId, refundId);
        var store = new TableRefundAttemptStore(_account);
        Assert.NotNull(await store.TrySaveAsync(key, new StoredRefundAttempt(null, null), new RefundAttemptState("died", DateTimeOffset.UtcNow.AddSeconds(-1), null),
            CancellationToken.None));

        await Runtime().Subscriber.HandleAsync(message, CancellationToken.None);

        Assert.Single(_admin.Refunds, r => r.Note.Contains(RefundMarkers.For(refundId), StringComparison.Ordinal));
        Assert.NotNull((await store.LoadAsync(key, CancellationToken.None)).State!.Made);
    }

    [Fact]
    public async Task GivenAnAttemptRow_WhenTwoWritersSaveOnWhatTheyRead_ThenOnlyTheFirstWins()
    {
        var key = new RefundAttemptKey($"web-{Guid.NewGuid():N}", "G-1");
        var store = new TableRefundAttemptStore(_account);
        var absent = await store.LoadAsync(key, CancellationToken.None);
        var state = new RefundAttemptState("a", Now, null);

        var inserted = await store.TrySaveAsync(key, absent, state, CancellationToken.None);
        Assert.Null(await store.TrySaveAsync(key, absent, state with { Holder = "b" }, CancellationToken.None));
        var replaced = await store.TrySaveAsync(key, inserted!, state with { Made = "9001" }, CancellationToken.None);
        Assert.Null(await store.TrySaveAsync(key, inserted!, state with { Holder = "b" }, CancellationToken.None));

        Assert.Equal(replaced, await store.LoadAsync(key, CancellationToken.None));
        Assert.Equal(new RefundAttemptState("a", Now, "9001"), replaced!.State);
    }
}

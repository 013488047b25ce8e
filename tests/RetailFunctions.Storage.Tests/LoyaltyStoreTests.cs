using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Storage;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// The points ledger (the store, run by the aggregate runner in <see cref="LoyaltyService"/>) against a real Azurite: no
/// overdraw under concurrency, exactly-once commands, the sweep.
/// </summary>
public sealed class LoyaltyStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly LoyaltyProgram Program = LoyaltyProgram.Default;
    private TableLoyaltyStore _store = null!;
    private LoyaltyService _ledger = null!;
    // A second service on its own store stands for a second runtime instance: its writers are not queued behind ours.
    private LoyaltyService _otherInstance = null!;

    public async Task InitializeAsync()
    {
        var account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await account.ProvisionAsync(CancellationToken.None);
        _store = new TableLoyaltyStore(account);
        _ledger = Ledger(_store);
        _otherInstance = Ledger(new TableLoyaltyStore(account));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static LoyaltyService Ledger(TableLoyaltyStore store) =>
        new(store, new CustomerOptions("DE", new Dictionary<string, string>(), Program), TimeProvider.System);

    private static string NewCustomer() => $"cus-{Guid.NewGuid():N}";

    private Task<LoyaltyResult> Accrue(string customer, decimal net, string order, DateTimeOffset? at = null) =>
        _ledger.ExecuteAsync(new LoyaltyCommand.Accrue(customer, order, Channels.Pos, new Money(net, "EUR"), $"activity:{order}", at ?? DateTimeOffset.UtcNow), CancellationToken.None);

    private async Task<CommandOutcome> TryRedeem(LoyaltyService store, string customer, string redemption, long points)
    {
        try
        {
            return (await store.ExecuteAsync(new LoyaltyCommand.Redeem(customer, redemption, points, Channels.Web, null, DateTimeOffset.UtcNow), CancellationToken.None)).Outcome;
        }
        catch (Refused)
        {
            return CommandOutcome.Refused;
        }
    }

    [Fact]
    public async Task GivenConcurrentRedemptionsFromTwoInstances_WhenTheyAskForMoreThanTheBalance_ThenExactlyTheAffordableOnesPassAndNothingIsOverdrawn()
    {
        var customer = NewCustomer();
        await Accrue(customer, 1000m, "o1");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            TryRedeem(i % 2 == 0 ? _ledger : _otherInstance, customer, $"red-{i}", 50)));
        Assert.Equal(20, outcomes.Count(o => o == CommandOutcome.Applied));
        Assert.Equal(20, outcomes.Count(o => o == CommandOutcome.Refused));
        Assert.Equal(0L, (await _store.GetAccountAsync(customer, CancellationToken.None)).Balance);

        var entries = await _store.GetEntriesAsync(customer, 100, CancellationToken.None);
        Assert.Equal(20, entries.Count(e => e.Kind == "redemption"));
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
        Assert.All(entries, e => Assert.True(e.BalanceAfter >= 0));
        Assert.Equal(0L, entries[^1].BalanceAfter);
    }

    [Fact]
    public async Task GivenAPurchaseInAnotherCurrency_WhenAccrued_ThenRefusedWithTheBalanceAsReadAndNothingWritten()
    {
        var customer = NewCustomer();
        await Accrue(customer, 30m, "o1");

        var refused = await _ledger.ExecuteAsync(new LoyaltyCommand.Accrue(customer, "o2", Channels.Web, new Money(50m, "USD"), "activity:o2",
            DateTimeOffset.UtcNow), CancellationToken.None);

        Assert.Equal((CommandOutcome.Refused, "currency", 30L), (refused.Outcome, refused.Refusal?.Field, refused.Account.Balance));
        Assert.Empty(refused.Events);
        Assert.Null(await _store.GetOrderAsync(customer, "o2", CancellationToken.None));
        Assert.Single(await _store.GetEntriesAsync(customer, 10, CancellationToken.None));
        var redeemed = await TryRedeem(_ledger, customer, "red-over", 500);
        Assert.Equal(CommandOutcome.Refused, redeemed);
    }

    [Fact]
    public async Task GivenARedemption_WhenItIsRetriedAfterTheBalanceChanged_ThenAlreadyAppliedWithTheFirstEvents()
    {
        var customer = NewCustomer();
        await Accrue(customer, 100m, "o1");
        Assert.Equal(CommandOutcome.Applied, await TryRedeem(_ledger, customer, "red-1", 80));
        var retry = await _otherInstance.ExecuteAsync(new LoyaltyCommand.Redeem(customer, "red-1", 80, Channels.Web, null, DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(CommandOutcome.AlreadyApplied, retry.Outcome);
        Assert.Equal(80L, Assert.IsType<LoyaltyEvent.Redeemed>(Assert.Single(retry.Events)).Points);
        Assert.Equal(20L, retry.Account.Balance);
    }

    [Fact]
    public async Task GivenTheSamePurchaseDeliveredConcurrently_ThenItsPointsAreEarnedOnce()
    {
        var customer = NewCustomer();
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? _ledger : _otherInstance).ExecuteAsync(
            new LoyaltyCommand.Accrue(customer, "o1", Channels.Pos, new Money(120m, "EUR"), "activity:same", DateTimeOffset.UtcNow), CancellationToken.None)));
        Assert.Equal(1, results.Count(r => r.Outcome == CommandOutcome.Applied));
        Assert.Equal(120L, (await _store.GetAccountAsync(customer, CancellationToken.None)).Balance);
    }

    [Fact]
    public async Task GivenAPurchaseAndTwoPartialReturns_ThenTheOrderRowKeepsTheReversalExact()
    {
        var customer = NewCustomer();
        await Accrue(customer, 99m, "o1");
        foreach (var (id, net) in new[] { ("r1", 33m), ("r2", 66m) })
            await _ledger.ExecuteAsync(new LoyaltyCommand.Reverse(customer, "o1", id, new Money(net, "EUR"), $"activity:{id}", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(0L, (await _store.GetAccountAsync(customer, CancellationToken.None)).Balance);
        Assert.Equal(["accrual", "reversal", "reversal"], (await _store.GetEntriesAsync(customer, 10, CancellationToken.None)).Select(e => e.Kind));
    }

    [Fact]
    public async Task GivenPointsPastTheirExpiry_WhenDue_ThenTheAccountIsListedAndTheSweepTakesThem()
    {
        var customer = NewCustomer();
        var longAgo = DateTimeOffset.UtcNow.AddDays(-Program.ExpiryDays - 2);
        await Accrue(customer, 70m, "old", longAgo);
        Assert.Contains(customer, await _store.DueForExpiryAsync(DateTimeOffset.UtcNow, 10_000, CancellationToken.None));
        var swept = await _ledger.ExecuteAsync(new LoyaltyCommand.Expire(customer, DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(-70L, swept.Events.Sum(e => e.Delta));
        Assert.DoesNotContain(customer, await _store.DueForExpiryAsync(DateTimeOffset.UtcNow, 10_000, CancellationToken.None));
    }
}

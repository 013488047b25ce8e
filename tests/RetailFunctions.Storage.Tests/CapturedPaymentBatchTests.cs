using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// A business day's captures share a partition, so those recorded side by side (many orders' events at once) are
/// written in a few transactions, against a real Azurite; a capture recorded before is kept as it was.
/// </summary>
public sealed class CapturedPaymentBatchTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly StorageRoundTrips _requests = new();
    private StorageAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A day of its own per test, so each reads only its captures.</summary>
    private static DateOnly Day() => new DateOnly(2000, 1, 1).AddDays(Random.Shared.Next(0, 20_000));

    private static MatchItem Capture(DateOnly day, string key, decimal amount) =>
        new(key, "STORE-1", "capture", amount, 0.30m, "EUR", day, $"order-{key}");

    private async Task<List<MatchItem>> StoredAsync(DateOnly day)
    {
        var stored = new List<MatchItem>();
        await foreach (var item in new TableCapturedPaymentStore(_account).CapturedPaymentsAsync(day, default)) stored.Add(item);
        return stored;
    }

    [Fact]
    public async Task GivenTwentyCapturesOfOneDayRecordedSideBySide_WhenTheyAreWritten_ThenAFewTransactionsHoldThemAll()
    {
        var day = Day();
        var ledger = new TableCapturedPaymentStore(StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false));

        await Task.WhenAll(Enumerable.Range(1, 20).Select(i => ledger.RecordAsync(Capture(day, $"ch_{i:D3}", i), CancellationToken.None)));

        Assert.InRange(_requests.Total, 1, 4);
        var stored = await StoredAsync(day);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"ch_{i:D3}"), stored.Select(s => s.Key));
        Assert.Equal(210m, stored.Sum(s => s.Amount));
    }

    [Fact]
    public async Task GivenACaptureRecordedBefore_WhenItComesAgainBesideNewOnes_ThenTheNewOnesAreStoredAndItKeepsWhatItWas()
    {
        var day = Day();
        await new TableCapturedPaymentStore(_account).RecordAsync(Capture(day, "ch_first", 10m), CancellationToken.None);
        var ledger = new TableCapturedPaymentStore(StorageRoundTrips.Account(azurite.ConnectionString, _requests, countQueues: false));

        await Task.WhenAll(
            ledger.RecordAsync(Capture(day, "ch_first", 99m), CancellationToken.None),
            ledger.RecordAsync(Capture(day, "ch_second", 20m), CancellationToken.None),
            ledger.RecordAsync(Capture(day, "ch_third", 30m), CancellationToken.None));

        var stored = await StoredAsync(day);
        Assert.Equal([("ch_first", 10m), ("ch_second", 20m), ("ch_third", 30m)], stored.Select(s => (s.Key, s.Amount)));
    }
}

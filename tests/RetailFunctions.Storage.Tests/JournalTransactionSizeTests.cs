using Azure.Data.Tables;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// An entity-group transaction holds 100 operations and 4 MiB: a window of large journal entries (each keeping its
/// fact, up to 30,000 characters) is cut into transactions that fit, and every entry is stored once.
/// </summary>
public sealed class JournalTransactionSizeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public void GivenRowsThatWouldOutweighOneTransaction_WhenChunked_ThenEachChunkFitsInBothOperationsAndBytes()
    {
        var rows = Enumerable.Range(0, 250).Select(i => new TableEntity("p", $"r{i:D3}") { ["Text"] = new string('é', i < 100 ? 10 : 20_000) }).ToList();

        var chunks = TableTransactions.Chunks(rows, TableTransactions.PayloadBytes).ToList();

        Assert.Equal(rows.Select(r => r.RowKey), chunks.SelectMany(c => c).Select(r => r.RowKey));
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, TableTransactions.MaxOperations));
        Assert.All(chunks, c => Assert.InRange(c.Sum(TableTransactions.PayloadBytes), 1, TableTransactions.MaxPayloadBytes));
        // The small rows fill one transaction of 100; the large ones (20,000 escaped characters each) need several.
        Assert.Equal(100, chunks[0].Length);
        Assert.True(chunks.Count > 3, $"{chunks.Count} chunks");
    }

    [Fact]
    public async Task GivenAWindowOfLargeEntriesOfOneStoreAndDay_WhenAdded_ThenTheyAreStoredInTransactionsThatFitAndEachOnce()
    {
        var counter = new StorageRoundTrips();
        var account = StorageRoundTrips.Account(azurite.ConnectionString, counter);
        await account.ProvisionAsync(CancellationToken.None);
        var journal = new TableJournalStore(account);
        var store = $"STORE-{Guid.NewGuid():N}";
        var day = new DateOnly(2026, 11, 20);
        // Facts of non-ASCII text near the 30,000-character limit: JSON writes each character as an escape.
        var fact = new string('ü', 29_000);
        var entries = Enumerable.Range(0, 100).Select(i => new StoredJournalEntry(
            new JournalEntry($"E-{i:D3}", "sale", $"fact-{i}", store, "pos", day, "EUR", null,
                [new JournalLine(1, "1000", "cash", 5m, 0m, "EUR", store, "pos", "cash"), new JournalLine(2, "4000", "revenue", 0m, 5m, "EUR", store, "pos", "sale")]),
            "recorded", 0, DateTimeOffset.UtcNow, Fact: fact)).ToList();

        var added = await journal.AddAllAsync(entries, CancellationToken.None);
        var again = await journal.AddAllAsync(entries, CancellationToken.None);

        Assert.All(added, a => Assert.True(a.Added));
        Assert.All(again, a => Assert.False(a.Added));
        Assert.True(counter.Batches("Journal").Count > 1, "one transaction of 100 such entries would exceed 4 MiB");
        var stored = await journal.ListAsync(day, store, CancellationToken.None);
        Assert.Equal(entries.Select(e => e.EntryId).Order(StringComparer.Ordinal), stored.Select(e => e.EntryId).Order(StringComparer.Ordinal));
        Assert.All(stored, e => Assert.Equal(fact, e.Fact));
    }
}

using RetailFunctions.Domain.Finance;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// Entries of one store and day recorded side by side (many orders' events handled at once) are added together: one
/// entity-group transaction for many, each caller answered with its own entries' versions, a redelivered entry with
/// what is stored, and no transaction past its payload limit.
/// </summary>
public sealed class JournalGroupCommitTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateOnly Day = new(2026, 11, 20);
    private readonly StorageRoundTrips _requests = new();
    private readonly string _store = $"STORE-{Guid.NewGuid():N}";
    private TableJournalStore _journal = null!;

    public async Task InitializeAsync()
    {
        var account = StorageRoundTrips.Account(azurite.ConnectionString, _requests);
        await account.ProvisionAsync(CancellationToken.None);
        _journal = new TableJournalStore(account);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GivenEntriesRecordedSideBySide_WhenAdded_ThenTheyShareOneTransactionAndEachCanBeReplacedByItsVersion()
    {
        _requests.Reset();
        var hold = _requests.HoldNextBatch("Journal");
        var first = _journal.AddAllAsync([Entry("E-0")], CancellationToken.None);
        await hold.Reached.Task;

        var waiting = Enumerable.Range(1, 30).Select(i => _journal.AddAllAsync([Entry($"E-{i}")], CancellationToken.None)).ToList();
        hold.Released.SetResult();
        var added = (await Task.WhenAll(waiting.Prepend(first))).Select(Assert.Single).ToList();

        Assert.Equal([1, 30], _requests.Batches("Journal"));
        Assert.All(added, a => Assert.True(a.Added, a.Entry.EntryId));
        // Each caller's version is its own row's: a replace checked against it succeeds.
        foreach (var (entry, _) in added)
            Assert.True(await _journal.TryReplaceAsync(entry with { Status = PostingStatuses.Posted }, CancellationToken.None), entry.EntryId);
        var stored = await _journal.ListAsync(Day, _store, CancellationToken.None);
        Assert.Equal(31, stored.Count);
        Assert.All(stored, e => Assert.Equal(PostingStatuses.Posted, e.Status));
    }

    [Fact]
    public async Task GivenARedeliveredEntryAmongNewOnes_WhenAddedTogether_ThenItAnswersTheStoredEntryAndTheOthersAreAdded()
    {
        var (posted, _) = Assert.Single(await _journal.AddAllAsync([Entry("E-R")], CancellationToken.None));
        Assert.True(await _journal.TryReplaceAsync(posted with { Status = PostingStatuses.Posted }, CancellationToken.None));
        _requests.Reset();
        var hold = _requests.HoldNextBatch("Journal");
        var first = _journal.AddAllAsync([Entry("E-A")], CancellationToken.None);
        await hold.Reached.Task;

        var together = new[] { "E-B", "E-R", "E-C" }.Select(id => _journal.AddAllAsync([Entry(id)], CancellationToken.None)).ToList();
        hold.Released.SetResult();
        var answers = (await Task.WhenAll(together)).Select(Assert.Single).ToList();

        Assert.True(Assert.Single(await first).Added);
        Assert.Equal([true, false, true], answers.Select(a => a.Added));
        Assert.Equal(PostingStatuses.Posted, answers[1].Entry.Status);
        var stored = await _journal.ListAsync(Day, _store, CancellationToken.None);
        Assert.Equal(["E-A", "E-B", "E-C", "E-R"], stored.Select(e => e.EntryId).Order(StringComparer.Ordinal));
        Assert.Equal(PostingStatuses.Posted, stored.Single(e => e.EntryId == "E-R").Status);
    }

    [Fact]
    public async Task GivenLargeEntriesRecordedSideBySide_WhenAdded_ThenTheyAreCutIntoTransactionsWithinThePayloadLimit()
    {
        // Facts of non-ASCII text near the 30,000-character limit: JSON writes each character as an escape, about
        // 180 KB an entry, so 40 of them would be three times what one transaction carries.
        var fact = new string('ü', 29_000);
        _requests.Reset();
        var hold = _requests.HoldNextBatch("Journal");
        var first = _journal.AddAllAsync([Entry("L-0", fact)], CancellationToken.None);
        await hold.Reached.Task;

        var waiting = Enumerable.Range(1, 40).Select(i => _journal.AddAllAsync([Entry($"L-{i}", fact)], CancellationToken.None)).ToList();
        hold.Released.SetResult();
        var added = (await Task.WhenAll(waiting.Prepend(first))).Select(Assert.Single).ToList();

        Assert.All(added, a => Assert.True(a.Added, a.Entry.EntryId));
        var batches = _requests.Batches("Journal");
        Assert.Equal(41, batches.Sum());
        Assert.True(batches.Count >= 4 && batches.Skip(1).All(b => b > 1), string.Join(", ", batches));
        var stored = await _journal.ListAsync(Day, _store, CancellationToken.None);
        Assert.Equal(41, stored.Count);
        Assert.All(stored, e => Assert.Equal(fact, e.Fact));
    }

    private StoredJournalEntry Entry(string entryId, string? fact = null) => new(
        new JournalEntry(entryId, "sale", $"fact-{entryId}", _store, "web", Day, "EUR", null,
            [new JournalLine(1, "1100", "card", 5m, 0m, "EUR", _store, "web", "card"), new JournalLine(2, "4000", "revenue", 0m, 5m, "EUR", _store, "web", "sale")]),
        PostingStatuses.Recorded, 0, DateTimeOffset.UtcNow, Fact: fact);
}

using System.Collections.Concurrent;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Security;
using RetailFunctions.Storage;
using RetailFunctions.Testing;
using static RetailFunctions.Domain.Finance.FinancialFact;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// The journal from fact to ERP against a real Azurite and a fake ERP on loopback that throttles, stalls past the
/// connector's timeout, fails and rejects: nothing is lost, nothing is booked twice, and a rejection becomes a
/// 'finance' exception that can be fixed and re-posted.
/// </summary>
public sealed class JournalPostingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateOnly Day = new(2026, 11, 20);
    private StorageAccount _account = null!;
    private FakeErp _erp = null!;
    private TableJournalStore _journal = null!;
    private TableExceptionStore _exceptions = null!;
    private readonly CapturingSender _sender = new();

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
        _erp = await FakeErp.StartAsync();
        _journal = new TableJournalStore(_account);
        _exceptions = new TableExceptionStore(_account);
    }

    public async Task DisposeAsync() => await _erp.DisposeAsync();

    private ErpConnector Connector(int maxRetries = 4, int timeoutMs = 1000, TimeProvider? clock = null) =>
        new(new HttpClient(), new ErpOptions(_erp.BaseUrl, null, maxRetries, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(timeoutMs), TimeSpan.FromSeconds(5)),
            clock ?? TimeProvider.System);

    private JournalService Service(FinanceOptions? options = null) =>
        new(_journal, _sender, _exceptions, PilotGate.AllOn(TimeProvider.System), options ?? FinanceOptions.Default with { RequeueAfter = TimeSpan.Zero }, TimeProvider.System);

    private ErpPostingHandler Handler(ErpConnector? connector = null) => new(_journal, connector ?? Connector(), _exceptions, TimeProvider.System);

    private static string Store() => $"S-{Guid.NewGuid():N}"[..14];

    private static Sale SaleOf(string store, int n, string method = "visa", DateOnly? day = null, string? reference = null) =>
        new($"pos:{store}-T1-{n}:sale", store, "pos", day ?? Day, "EUR", DateTimeOffset.UtcNow, reference ?? $"{store}-T1-{n}",
            [new SaleLine(10m + n, 1m, 1.8m)], [new Tender(method, 10.8m + n)]);

    /// <summary>Works the erp-postings messages the way the queue does: a failure comes back, up to a number of attempts.</summary>
    private async Task<(int Completed, int Failed, List<Exception> Errors)> DrainAsync(ErpPostingHandler handler, int maxAttempts = 5, int parallel = 4)
    {
        var completed = 0;
        var failed = 0;
        var errors = new List<Exception>();
        while (_sender.TryTakeAll(QueueNames.ErpPostings) is { Count: > 0 } batch)
        {
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (m, ct) =>
            {
                try
                {
                    var outcome = await handler.HandleAsync(new ReceivedMessage(m.Envelope, QueueNames.ErpPostings, m.Attempt, null), ct);
                    Assert.IsType<HandlerOutcome.Completed>(outcome);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is ErpUnavailableException)
                {
                    lock (errors) errors.Add(e);
                    if (m.Attempt < maxAttempts) _sender.Requeue(QueueNames.ErpPostings, m with { Attempt = m.Attempt + 1 });
                    else Interlocked.Increment(ref failed);
                }
            });
        }
        return (completed, failed, errors);
    }

    [Fact]
    public async Task GivenAFlakyErp_WhenADayOfFactsIsPostedWithDuplicates_ThenEachEntryIsBookedExactlyOnceAndRejectionsBecomeFinanceExceptions()
    {
        var store = Store();
        _erp.CloseAccount("1130", "paypal clearing is closed for audit");
        var service = Service();
        var facts = Enumerable.Range(1, 24).Select(n => SaleOf(store, n, n % 8 == 0 ? "paypal" : "visa")).ToList();
        foreach (var fact in facts) await service.RecordAsync(fact, CancellationToken.None);
        // The same facts delivered again, and every posting message duplicated.
        foreach (var fact in facts.Take(6)) Assert.Equal(JournalOutcome.AlreadyRecorded, (await service.RecordAsync(fact, CancellationToken.None)).Outcome);
        _sender.DuplicateAll(QueueNames.ErpPostings);
        _erp.Then(FakeErp.Scripted.Throttle(1), FakeErp.Scripted.Fail(503), FakeErp.Scripted.BookThenStall(TimeSpan.FromSeconds(3)),
            FakeErp.Scripted.Throttle(1), FakeErp.Scripted.Fail(500), FakeErp.Scripted.BookThenStall(TimeSpan.FromSeconds(3)), FakeErp.Scripted.Fail(502));

        await DrainAsync(Handler(Connector(timeoutMs: 500)));

        var entries = await _journal.ListAsync(Day, store, CancellationToken.None);
        Assert.Equal(24, entries.Count);
        var rejected = entries.Where(e => e.Status == PostingStatuses.Rejected).ToList();
        var posted = entries.Where(e => e.Status == PostingStatuses.Posted).ToList();
        Assert.Equal(3, rejected.Count);
        Assert.Equal(21, posted.Count);
        var booked = _erp.Bookings.Where(b => b.Store == store).ToList();
        Assert.Equal(21, booked.Count);
        Assert.Equal(booked.Count, booked.Select(b => b.EntryId).Distinct().Count());
        Assert.All(posted, e => Assert.Equal(_erp.Booked(e.EntryId)!.DocumentId, e.ErpDocumentId));
        Assert.All(booked, b => Assert.Equal("2026-11-20", b.PostingDate));
        Assert.True(_erp.Duplicates >= 2, $"the stalled bookings and duplicated messages were recognised as duplicates ({_erp.Duplicates})");
        Assert.True(_erp.Throttled >= 2);

        var open = await _exceptions.ListAsync(Owners.Finance, ExceptionStatuses.Open, 1000, CancellationToken.None);
        foreach (var entry in rejected)
        {
            var exception = Assert.Single(open, x => x.Id == entry.OpenExceptionId);
            Assert.Equal(FinanceExceptionReasons.ErpRejected, exception.Reason);
            Assert.Contains("account-closed: account 1130: paypal clearing is closed for audit", exception.Detail);
            Assert.Equal(store, exception.BusinessKeys["store"]);
        }
    }

    [Fact]
    public async Task GivenARejectedPosting_WhenItsAccountIsReplacedAndItIsReposted_ThenItIsBookedOnceAndItsExceptionResolved()
    {
        var store = Store();
        _erp.CloseAccount("1131", "account retired");
        var chart = ChartOfAccounts.Default.With([new("TenderClearing:giro", "1131")]);
        var service = Service(FinanceOptions.Default with { Chart = chart });
        var recorded = await service.RecordAsync(SaleOf(store, 1, "giro"), CancellationToken.None);
        await DrainAsync(Handler());

        var rejected = (await _journal.GetAsync(Day, store, recorded.EntryId!, CancellationToken.None))!;
        Assert.Equal(PostingStatuses.Rejected, rejected.Status);
        Assert.Contains("account retired", rejected.Rejection);
        var exception = (await _exceptions.GetAsync(Owners.Finance, rejected.OpenExceptionId!, CancellationToken.None))!;
        Assert.Equal(ExceptionStatuses.Open, exception.Status);

        var (reposted, refusal) = await service.RepostAsync(Day, store, recorded.EntryId!,
            new RepostRequest("controller", "giro clears through 1190 now", new Dictionary<string, string> { ["1131"] = "1190" }, Rebuild: false), CancellationToken.None);
        Assert.Null(refusal);
        Assert.Equal(1, reposted!.Revision);
        Assert.Equal(PostingStatuses.Recorded, reposted.Status);
        await DrainAsync(Handler());

        var posted = (await _journal.GetAsync(Day, store, recorded.EntryId!, CancellationToken.None))!;
        Assert.Equal(PostingStatuses.Posted, posted.Status);
        var booking = _erp.Booked(posted.EntryId)!;
        Assert.Equal(1, booking.Revision);
        Assert.Contains(booking.Lines, l => l.Account == "1190" && l.Debit == 11.8m);
        Assert.DoesNotContain(booking.Lines, l => l.Account == "1131");
        Assert.Equal(ExceptionStatuses.Resolved, (await _exceptions.GetAsync(Owners.Finance, rejected.OpenExceptionId!, CancellationToken.None))!.Status);
        Assert.Equal(["recorded", "rejected", "reposted", "posted"], posted.History!.Select(h => h.Action));

        var (_, again) = await service.RepostAsync(Day, store, recorded.EntryId!, new RepostRequest("controller", null, null, false), CancellationToken.None);
        Assert.Contains("only a rejected posting", again);
    }

    [Fact]
    public async Task GivenARejectionFixedOnTheErpSide_WhenRepostedUnchanged_ThenItIsBooked()
    {
        var store = Store();
        _erp.CloseAccount("1123", "period locked");
        var service = Service();
        var recorded = await service.RecordAsync(SaleOf(store, 1, "debit"), CancellationToken.None);
        await DrainAsync(Handler());
        Assert.Equal(PostingStatuses.Rejected, (await _journal.GetAsync(Day, store, recorded.EntryId!, CancellationToken.None))!.Status);

        _erp.ReopenAccount("1123");
        await service.RepostAsync(Day, store, recorded.EntryId!, new RepostRequest("controller", "period reopened", null, Rebuild: false), CancellationToken.None);
        await DrainAsync(Handler());

        Assert.Equal(PostingStatuses.Posted, (await _journal.GetAsync(Day, store, recorded.EntryId!, CancellationToken.None))!.Status);
        Assert.NotNull(_erp.Booked(recorded.EntryId!));
    }

    [Fact]
    public async Task GivenARejectionCausedByTheChart_WhenTheChartIsFixedAndTheEntryRebuilt_ThenTheRebuiltEntryIsBooked()
    {
        var store = Store();
        _erp.CloseAccount("1190", "no general clearing account");
        var recorded = await Service().RecordAsync(SaleOf(store, 1, "voucher"), CancellationToken.None);
        await DrainAsync(Handler());
        Assert.Equal(PostingStatuses.Rejected, (await _journal.GetAsync(Day, store, recorded.EntryId!, CancellationToken.None))!.Status);

        var fixedChart = ChartOfAccounts.Default.With([new("TenderClearing:voucher", "1150")]);
        var (rebuilt, refusal) = await Service(FinanceOptions.Default with { Chart = fixedChart })
            .RepostAsync(Day, store, recorded.EntryId!, new RepostRequest("controller", "vouchers clear through 1150", null, Rebuild: true), CancellationToken.None);
        Assert.Null(refusal);
        Assert.Contains("rebuilt from its fact", rebuilt!.History![^1].Note);
        await DrainAsync(Handler());

        var booking = _erp.Booked(recorded.EntryId!)!;
        Assert.Contains(booking.Lines, l => l.Account == "1150" && l.Debit == 11.8m);
        Assert.Equal(1, booking.Revision);
    }

    [Fact]
    public async Task GivenTheErpDownPastEveryRetry_WhenTheOutageEnds_ThenTheRequeueTimerPostsWhatWasLeft()
    {
        // The requeue timer looks back a number of business days from its own today: a sale of a fixed past day
        // would be out of its reach once the calendar moved on, so this one is today's.
        var store = Store();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var service = Service();
        var recorded = await service.RecordAsync(SaleOf(store, 1, day: today), CancellationToken.None);
        _erp.FailAlways(503);

        var (_, failed, errors) = await DrainAsync(Handler(Connector(maxRetries: 1)), maxAttempts: 2);

        Assert.Equal(1, failed);
        Assert.All(errors, e => Assert.IsType<ErpUnavailableException>(e));
        Assert.Equal(PostingStatuses.Recorded, (await _journal.GetAsync(today, store, recorded.EntryId!, CancellationToken.None))!.Status);

        _erp.Recover();
        Assert.DoesNotMatch("^0 unposted", await service.RequeueStaleAsync(CancellationToken.None));
        await DrainAsync(Handler());

        Assert.Equal(PostingStatuses.Posted, (await _journal.GetAsync(today, store, recorded.EntryId!, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task GivenATillDayRecordedLongAfterTheLookBackWindow_WhenItsPostingIsLost_ThenTheRequeueTimerStillPostsIt()
    {
        var store = Store();
        var longAgo = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-40);
        var service = Service();
        var recorded = await service.RecordAsync(SaleOf(store, 1, day: longAgo), CancellationToken.None);
        _erp.FailAlways(503);
        await DrainAsync(Handler(Connector(maxRetries: 1)), maxAttempts: 2);
        _erp.Recover();

        Assert.True((await _journal.OwedSinceAsync(CancellationToken.None)).Day <= longAgo, "the late day was not marked as owed");
        Assert.DoesNotMatch("^0 unposted", await service.RequeueStaleAsync(CancellationToken.None));
        await DrainAsync(Handler());

        Assert.Equal(PostingStatuses.Posted, (await _journal.GetAsync(longAgo, store, recorded.EntryId!, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task GivenAnEntryStillOwedWhenItsDayLeavesTheLookBackWindow_WhenTheOutageEndsLater_ThenTheRequeueTimerStillPostsIt()
    {
        var store = Store();
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        var recorded = await Service(FinanceOptions.Default with { RequeueAfter = TimeSpan.Zero, LookbackDays = 5 })
            .RecordAsync(SaleOf(store, 1, day: yesterday), CancellationToken.None);
        _erp.FailAlways(503);
        await DrainAsync(Handler(Connector(maxRetries: 1)), maxAttempts: 2);

        // Yesterday is the last day of a one-day window: the run sees the entry still owed and marks its day...
        await Service(FinanceOptions.Default with { RequeueAfter = TimeSpan.Zero, LookbackDays = 1 }).RequeueStaleAsync(CancellationToken.None);
        await DrainAsync(Handler(Connector(maxRetries: 1)), maxAttempts: 2);
        Assert.True((await _journal.OwedSinceAsync(CancellationToken.None)).Day <= yesterday, "the day leaving the window was not marked");

        // ...so a run whose window no longer reaches yesterday still finds it once the ERP is back.
        _erp.Recover();
        Assert.DoesNotMatch("^0 unposted", await Service(FinanceOptions.Default with { RequeueAfter = TimeSpan.Zero, LookbackDays = 0 })
            .RequeueStaleAsync(CancellationToken.None));
        await DrainAsync(Handler());

        Assert.Equal(PostingStatuses.Posted, (await _journal.GetAsync(yesterday, store, recorded.EntryId!, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task GivenAThrottlingErp_WhenPosting_ThenTheConnectorWaitsForRetryAfter()
    {
        _erp.Then(FakeErp.Scripted.Throttle(1));
        var entry = ((JournalDecision.Post)JournalBuilder.Build(SaleOf(Store(), 1), ChartOfAccounts.Default)).Entry;
        var clock = new RecordingClock();

        // An attempt timeout far above any load's answer time, so the retry always follows the 429 itself.
        var result = await Connector(timeoutMs: 30_000, clock: clock).PostAsync(entry, 0, CancellationToken.None);

        Assert.IsType<ErpPostingResult.Accepted>(result);
        Assert.Contains(TimeSpan.FromSeconds(1), clock.Waits);
    }

    [Fact]
    public async Task GivenAnErpThatBooksButAnswersTooLate_WhenTheConnectorRetries_ThenTheErpRecognisesTheDuplicate()
    {
        _erp.Then(FakeErp.Scripted.BookThenStall(TimeSpan.FromSeconds(3)));
        var entry = ((JournalDecision.Post)JournalBuilder.Build(SaleOf(Store(), 1), ChartOfAccounts.Default)).Entry;

        var result = Assert.IsType<ErpPostingResult.Accepted>(await Connector(timeoutMs: 400).PostAsync(entry, 0, CancellationToken.None));

        Assert.True(result.Duplicate);
        Assert.Equal(_erp.Booked(entry.EntryId)!.DocumentId, result.DocumentId);
    }

    [Fact]
    public async Task GivenAnErpWithAnotherKey_WhenPosting_ThenUnavailableNotRejected()
    {
        var entry = ((JournalDecision.Post)JournalBuilder.Build(SaleOf(Store(), 1), ChartOfAccounts.Default)).Entry;
        _erp.ExpectedApiKey = "right";
        try
        {
            await Assert.ThrowsAsync<ErpUnavailableException>(() => Connector().PostAsync(entry, 0, CancellationToken.None));
        }
        finally
        {
            _erp.ExpectedApiKey = null;
        }
    }

    [Fact]
    public async Task GivenSummarisedMode_WhenTheDayIsClosed_ThenOneEntryPerStoreDayAndCurrencyIsBookedAndLateFactsGoIntoTheNextSummary()
    {
        var store = Store();
        var service = Service(FinanceOptions.Default with { Mode = PostingMode.Summarised });
        var facts = Enumerable.Range(1, 150).Select(n => (FinancialFact)SaleOf(store, n, n % 3 == 0 ? "cash" : "visa")).ToList();
        facts.Add(new Sale($"pos:{store}-usd", store, "pos", Day, "USD", DateTimeOffset.UtcNow, null, [new SaleLine(5m, 0m, 0m)], [new Tender("cash", 5m)]));
        foreach (var fact in facts) await service.RecordAsync(fact, CancellationToken.None);
        Assert.Empty(_sender.Peek(QueueNames.ErpPostings));

        // Two runtimes close the same day at once: every entry is still counted exactly once.
        var closed = await Task.WhenAll(service.CloseSummariesAsync(Day, store, CancellationToken.None), Service(FinanceOptions.Default with { Mode = PostingMode.Summarised })
            .CloseSummariesAsync(Day, null, CancellationToken.None));
        await DrainAsync(Handler());

        var entries = await _journal.ListAsync(Day, store, CancellationToken.None);
        var summaries = entries.Where(e => e.Entry.Source == JournalEntry.SummarySource).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.All(summaries, s => Assert.Equal(PostingStatuses.Posted, s.Status));
        Assert.All(entries.Where(e => e.Entry.Source != JournalEntry.SummarySource), e => Assert.Equal(PostingStatuses.Summarised, e.Status));
        var eur = _erp.Booked(JournalIds.ForSummary(store, Day, "EUR", 1))!;
        Assert.True(eur.Summary);
        Assert.Equal(eur.Lines.Count, eur.Lines.Select(l => (l.Account, l.Channel)).Distinct().Count());
        var individual = entries.Where(e => e.Entry.Currency == "EUR" && e.Entry.Source != JournalEntry.SummarySource).SelectMany(e => e.Entry.Lines).ToList();
        Assert.Equal(individual.Where(l => l.Account == "4010").Sum(l => l.Credit), eur.Lines.Single(l => l.Account == "4010").Credit);
        Assert.Equal(individual.Where(l => l.Account == "1110").Sum(l => l.Debit), eur.Lines.Single(l => l.Account == "1110").Debit);
        Assert.Equal(2, _erp.Bookings.Count(b => b.Store == store));

        // A till that was offline uploads the same business day two days later.
        await service.RecordAsync(SaleOf(store, 999) with { OccurredAt = DateTimeOffset.UtcNow.AddDays(2) }, CancellationToken.None);
        await service.CloseSummariesAsync(Day, store, CancellationToken.None);
        await DrainAsync(Handler());

        var late = _erp.Booked(JournalIds.ForSummary(store, Day, "EUR", 2))!;
        Assert.Equal(1009m, late.Lines.Single(l => l.Account == "4010").Credit);
        Assert.Equal(3, _erp.Bookings.Count(b => b.Store == store));
    }

    [Fact]
    public async Task GivenAReferenceHoldingACardNumber_WhenRecordedAndPosted_ThenNeitherTheJournalNorTheErpSeesIt()
    {
        var store = Store();
        var service = Service();
        var recorded = await service.RecordAsync(SaleOf(store, 1, reference: "paid with 4111 1111 1111 1111 at till 3"), CancellationToken.None);
        await DrainAsync(Handler());

        var stored = (await _journal.GetAsync(Day, store, recorded.EntryId!, CancellationToken.None))!;
        Assert.Equal("paid with ************1111 at till 3", stored.Entry.Reference);
        Assert.False(PanMasker.ContainsPan(stored.Fact!));
        Assert.False(PanMasker.ContainsPan(_erp.Booked(recorded.EntryId!)!.Body));
    }

    [Fact]
    public async Task GivenAFactThatDoesNotBalance_WhenRecorded_ThenAFinanceExceptionAndNoEntry()
    {
        var store = Store();
        var fact = SaleOf(store, 1) with { Tenders = [new Tender("visa", 1m)] };

        var result = await Service().RecordAsync(fact, CancellationToken.None);

        Assert.Equal(JournalOutcome.Refused, result.Outcome);
        Assert.Empty(await _journal.ListAsync(Day, store, CancellationToken.None));
        var exception = (await _exceptions.GetAsync(Owners.Finance, $"unbalanced:{JournalIds.ForFact(fact)}", CancellationToken.None))!;
        Assert.Equal(FinanceExceptionReasons.UnbalancedFact, exception.Reason);
        Assert.Contains("does not balance", exception.Detail);
    }

    /// <summary>An in-memory erp-postings queue, so the tests decide when messages are worked and can duplicate them.</summary>
    [Fact]
    public async Task GivenNoErpConfigured_WhenFactsAreRecorded_ThenNothingIsQueuedAndTheRequeueSendsThemOnceAnErpIsSet()
    {
        var store = Store();
        var offline = Service(FinanceOptions.Default with { PostToErp = false, RequeueAfter = TimeSpan.Zero });
        for (var n = 1; n <= 3; n++)
            Assert.Equal(JournalOutcome.Recorded, (await offline.RecordAsync(SaleOf(store, n, day: DateOnly.FromDateTime(DateTime.UtcNow)), CancellationToken.None)).Outcome);
        Assert.Empty(_sender.TryTakeAll(QueueNames.ErpPostings));

        // An ERP is configured: the requeue timer's run queues what was never sent, and it is booked once.
        await Service().RequeueStaleAsync(CancellationToken.None);
        var (completed, failed, _) = await DrainAsync(Handler());
        Assert.Equal((3, 0), (completed, failed));
        Assert.Equal(3, _erp.Bookings.Count(b => b.Store == store));
    }

    private sealed class CapturingSender : IMessageSender
    {
        public sealed record Sent(Envelope Envelope, int Attempt);

        private readonly ConcurrentDictionary<string, ConcurrentQueue<Sent>> _queues = new();

        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null)
        {
            Queue(queue).Enqueue(new Sent(envelope, 1));
            return Task.CompletedTask;
        }

        private ConcurrentQueue<Sent> Queue(string name) => _queues.GetOrAdd(name, _ => new ConcurrentQueue<Sent>());

        public void Requeue(string queue, Sent message) => Queue(queue).Enqueue(message);

        public List<Sent> Peek(string queue) => Queue(queue).ToList();

        public List<Sent> TryTakeAll(string queue)
        {
            var taken = new List<Sent>();
            while (Queue(queue).TryDequeue(out var m)) taken.Add(m);
            return taken;
        }

        public void DuplicateAll(string queue)
        {
            foreach (var m in Queue(queue).ToList()) Queue(queue).Enqueue(m);
        }
    }
}

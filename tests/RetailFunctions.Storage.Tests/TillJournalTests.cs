using System.Text;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Inventory;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Pos;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Rollout;
using RetailFunctions.Testing;

namespace RetailFunctions.Storage.Tests;

/// <summary>
/// Till receipts into the journal against a real Azurite: every sale and return is journalled at the till's figure,
/// or a finance exception says why; nothing is silently left unbooked.
/// </summary>
public sealed class TillJournalTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private StorageAccount _account = null!;
    private TableJournalStore _journal = null!;
    private TableExceptionStore _exceptions = null!;
    private TillJournal _till = null!;

    public async Task InitializeAsync()
    {
        _account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        await _account.ProvisionAsync(CancellationToken.None);
        _journal = new TableJournalStore(_account);
        _exceptions = new TableExceptionStore(_account);
        var service = new JournalService(_journal, new NoSender(), _exceptions, PilotGate.AllOn(TimeProvider.System), FinanceOptions.Default, TimeProvider.System);
        _till = new TillJournal(service, _exceptions, new TableCatalogStore(_account), TimeProvider.System);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GivenTheCorpus_WhenEveryReceiptIsJournalled_ThenTheJournalPerStoreAndBusinessDayEqualsTheReceipts()
    {
        var prefix = Prefix();
        var receipts = TillCorpus.Consistent.SelectMany(f => Read(File.ReadAllText(TillCorpus.PathOf(f)), prefix)).ToList();

        foreach (var receipt in receipts)
            await _till.RecordAsync(receipt, Source(receipt), CancellationToken.None);

        var moving = receipts.Where(TillReceipts.MovesMoney).ToList();
        Assert.Equal(17, moving.Count);
        foreach (var day in moving.GroupBy(r => (r.Receipt.StoreId, r.Receipt.BusinessDay)))
        {
            var entries = await _journal.ListAsync(day.Key.BusinessDay, day.Key.StoreId, CancellationToken.None);
            Assert.All(entries, e => Assert.True(e.Entry.IsBalanced, e.EntryId));
            Assert.Equal(day.Sum(r => TillReceipts.Reckon(r).Due), entries.Sum(e => TillReceipts.Takings(e.Entry)));
        }
        var store101 = await _journal.ListAsync(new DateOnly(2026, 11, 20), prefix + "101", CancellationToken.None);
        var count = Assert.Single(store101, e => e.Entry.Source == "cash-count");
        Assert.Equal(0.50m, count.Entry.Lines.Single(l => l.Role == AccountRoles.CashOverShort).Debit);
        var open = await _exceptions.ListAsync(Owners.Finance, null, 1000, CancellationToken.None);
        Assert.DoesNotContain(open, x => x.BusinessKeys.TryGetValue(BusinessKeys.Store, out var s) && s.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GivenAReceiptWhoseTotalDisagreesWithItsLines_WhenJournalledTwice_ThenTheTillsFigureIsBookedAndOneAmountMismatchNamesIt()
    {
        var receipt = Read(File.ReadAllText(TillCorpus.PathOf(TillCorpus.Mismatch)), Prefix()).Single();

        var first = await _till.RecordAsync(receipt, Source(receipt), CancellationToken.None);
        var second = await _till.RecordAsync(receipt, Source(receipt), CancellationToken.None);

        Assert.Equal(JournalOutcome.Recorded, Assert.Single(first!.Facts).Outcome);
        Assert.Equal(JournalOutcome.AlreadyRecorded, Assert.Single(second!.Facts).Outcome);
        var entry = Assert.Single(await _journal.ListAsync(receipt.Receipt.BusinessDay, receipt.Receipt.StoreId, CancellationToken.None));
        Assert.Equal(15.00m, TillReceipts.Takings(entry.Entry));
        var mismatches = (await _exceptions.ListAsync(Owners.Finance, ExceptionStatuses.Open, 1000, CancellationToken.None))
            .Where(x => x.Reason == FinanceExceptionReasons.AmountMismatch && x.Detail.Contains(receipt.Receipt.ToString(), StringComparison.Ordinal))
            .ToList();
        var mismatch = Assert.Single(mismatches);
        Assert.Contains("15.00 USD", mismatch.Detail);
        Assert.Contains("14.50 USD", mismatch.Detail);
        Assert.Contains("difference 0.50 USD", mismatch.Detail);
        Assert.Equal(receipt.Receipt.ToString(), mismatch.BusinessKeys[BusinessKeys.Transaction]);
    }

    [Fact]
    public async Task GivenASaleItsTendersDoNotCover_WhenJournalled_ThenAFinanceExceptionSaysWhyInsteadOfSkippingIt()
    {
        var prefix = Prefix();
        const string Xml = """
            <POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
              <RetailStoreID>101</RetailStoreID><WorkstationID>4</WorkstationID><SequenceNumber>1</SequenceNumber>
              <BusinessDayDate>2026-11-20</BusinessDayDate><CurrencyCode>USD</CurrencyCode>
              <RetailTransaction>
                <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>SKU-1</ItemID><ExtendedAmount>20.00</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
                <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>5.00</Amount></Tender></LineItem>
                <Total TotalType="TransactionGrandAmount">20.00</Total>
              </RetailTransaction></Transaction></POSLog>
            """;
        var receipt = Read(Xml, prefix).Single();

        var result = await _till.RecordAsync(receipt, Source(receipt), CancellationToken.None);

        Assert.Equal(JournalOutcome.Refused, Assert.Single(result!.Facts).Outcome);
        var open = await _exceptions.ListAsync(Owners.Finance, ExceptionStatuses.Open, 1000, CancellationToken.None);
        var refused = Assert.Single(open, x => x.Reason == FinanceExceptionReasons.UnbalancedFact && x.BusinessKeys[BusinessKeys.Store] == receipt.Receipt.StoreId);
        Assert.Contains("does not balance", refused.Detail);
    }

    [Fact]
    public async Task GivenAMismatchedReceiptAtStoresWhoseJournalIsOffOrInShadow_WhenJournalled_ThenOnlyTheShadowStoreGetsAnExceptionMarkedShadow()
    {
        var (off, shadow) = (Prefix(), Prefix());
        var pilot = new PilotGate(new TablePilotStore(_account), null, new PilotOptions(
        [
            new PilotSwitch(new PilotScope.Store(off + "101"), PilotFlow.Journal, FlowMode.Off),
            new PilotSwitch(new PilotScope.Store(shadow + "101"), PilotFlow.Journal, FlowMode.Shadow),
        ], TimeSpan.FromSeconds(2)), TimeProvider.System);
        var service = new JournalService(_journal, new NoSender(), _exceptions, pilot, FinanceOptions.Default, TimeProvider.System);
        var till = new TillJournal(service, _exceptions, new TableCatalogStore(_account), TimeProvider.System);
        var xml = File.ReadAllText(TillCorpus.PathOf(TillCorpus.Mismatch));

        foreach (var receipt in Read(xml, off).Concat(Read(xml, shadow)))
            await till.RecordAsync(receipt, Source(receipt), CancellationToken.None);

        var mismatches = (await _exceptions.ListAsync(Owners.Finance, ExceptionStatuses.Open, 1000, CancellationToken.None))
            .Where(x => x.Reason == FinanceExceptionReasons.AmountMismatch).ToList();
        Assert.DoesNotContain(mismatches, x => x.BusinessKeys[BusinessKeys.Store] == off + "101");
        var marked = Assert.Single(mismatches, x => x.BusinessKeys[BusinessKeys.Store] == shadow + "101");
        Assert.Equal("shadow", marked.BusinessKeys[FinanceKeys.Pilot]);
        Assert.StartsWith("pilot shadow", marked.Detail, StringComparison.Ordinal);
    }

    private static string Prefix() => $"t{Guid.NewGuid():N}"[..9] + "-";

    private static ExceptionSource Source(PosTransaction receipt) =>
        new($"msg-{receipt.Receipt}", $"pos-uploads/test.xml#{receipt.Receipt.SequenceNumber}", new Dictionary<string, string>());

    /// <summary>The corpus's receipts under store ids of this test's own, so tests never share a store's day.</summary>
    private static List<PosTransaction> Read(string xml, string prefix)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return [.. PosLogReader.Read(stream).OfType<PosParseResult.Parsed>()
            .Select(p => p.Transaction with { Receipt = p.Transaction.Receipt with { StoreId = prefix + p.Transaction.Receipt.StoreId } })];
    }

    private sealed class NoSender : IMessageSender
    {
        public Task SendAsync(string queue, Envelope envelope, CancellationToken cancellationToken, TimeSpan? delay = null) => Task.CompletedTask;
    }
}

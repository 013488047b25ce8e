using System.Diagnostics;
using System.Text;

namespace RetailFunctions.Chaos;

/// <summary>What a run sent, injected and found. A run passes only with no differences.</summary>
public sealed class ChaosReport(int seed, ScenarioSize size, string faults)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public int Seed { get; } = seed;
    public ScenarioSize Size { get; } = size;
    public string Faults { get; } = faults;
    public List<string> Differences { get; } = [];

    public int RequestsSent { get; set; }
    public int WebhooksSent { get; set; }
    public int UploadsSent { get; set; }
    public int WebhookDuplicates { get; set; }
    public int UploadDuplicates { get; set; }
    public int Reordered { get; set; }
    public int ArrivedBeforeCreate { get; set; }
    public int PoisonWebhooks { get; set; }
    public int PoisonDeadLettered { get; set; }
    public int MalformedTransactions { get; set; }
    public int MalformedReported { get; set; }
    public int Kills { get; set; }
    public int Instances { get; set; }
    public long BacklogAtKill { get; set; }
    public int ChannelBursts { get; set; }
    public int ChannelAttempts { get; set; }
    public int ChannelSets { get; set; }
    public int WebStoreRefunds { get; set; }
    public int SendRetries { get; set; }
    public int LevelsCompared { get; set; }
    public int MovementsInLedger { get; set; }
    public int AppliedTwice { get; set; }
    public int WebFiguresCompared { get; set; }
    public double DrainSeconds { get; set; }
    public int StoreActions { get; set; }
    public int StoreActionDuplicates { get; set; }
    public int AzuriteRestarts { get; set; }
    public double AzuriteDownSeconds { get; set; }
    public int OrdersCompared { get; set; }
    public int ShoppersCompared { get; set; }
    public long PointsExpected { get; set; }
    public int JournalGroupsCompared { get; set; }
    public int JournalEntries { get; set; }
    public SortedDictionary<string, int> DeadLettersByReason { get; } = new(StringComparer.Ordinal);
    public TimeSpan Elapsed { get; private set; }

    public bool Passed => Differences.Count == 0;

    internal void Finish() => Elapsed = _clock.Elapsed;

    public override string ToString()
    {
        var elapsed = Elapsed == TimeSpan.Zero ? _clock.Elapsed : Elapsed;
        var text = new StringBuilder()
            .AppendLine($"chaos run: seed {Seed}, size {Size.ToString().ToLowerInvariant()}, faults: {Faults}")
            .AppendLine($"  requests sent          {RequestsSent} ({WebhooksSent} webhooks, {UploadsSent} till batches; {SendRetries} retried)")
            .AppendLine($"  duplicates             {WebhookDuplicates} webhooks, {UploadDuplicates} till batches")
            .AppendLine($"  reordered              {Reordered} events moved, {ArrivedBeforeCreate} orders whose cancellation, fulfilment or refund came before their creation")
            .AppendLine($"  poison                 {PoisonWebhooks} webhooks ({PoisonDeadLettered} dead-lettered), {MalformedTransactions} malformed till transactions sent ({MalformedReported} reported malformed)")
            .AppendLine($"  runtime                {Instances} instance(s), {Kills} kill(s) and restart(s) with {BacklogAtKill} messages queued or in flight")
            .AppendLine($"  store actions          {StoreActions} (ready for pickup, picked up, returns, goodwill refunds; {StoreActionDuplicates} sent twice)")
            .AppendLine($"  storage                {AzuriteRestarts} Azurite restart(s), {AzuriteDownSeconds:0.0} s without storage")
            .AppendLine($"  web store              {ChannelBursts} 429/5xx bursts, {ChannelAttempts} calls, {ChannelSets} figures set, {WebStoreRefunds} refunds made")
            .AppendLine($"  dead letters           {(DeadLettersByReason.Count == 0 ? "none" : string.Join(", ", DeadLettersByReason.Select(d => $"{d.Key} x{d.Value}")))}")
            .AppendLine($"  compared               {LevelsCompared} (sku, location) levels, {MovementsInLedger} movements ({AppliedTwice} applied twice), {WebFiguresCompared} web store figures,")
            .AppendLine($"                         {OrdersCompared} order statuses, {ShoppersCompared} shoppers' points ({PointsExpected} in all), {JournalGroupsCompared} journal totals ({JournalEntries} entries)")
            .AppendLine($"  timing                 drained in {DrainSeconds:0.0} s, {elapsed.TotalSeconds:0.0} s in all")
            .AppendLine($"  differences            {Differences.Count}");
        foreach (var difference in Differences) text.AppendLine($"    - {difference}");
        return text.ToString();
    }
}

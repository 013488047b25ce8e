using Azure;
using Azure.Data.Tables;
using RetailFunctions.Domain.Rollout;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Rollout;

namespace RetailFunctions.Storage;

/// <summary>
/// Pilot switches and shadow comparisons in one table. Operators' switches and their audit records share the
/// partition "switches", so a change and the record of who made it are one entity-group transaction; shadow figures
/// live in one partition per location, one row per SKU.
/// </summary>
public sealed class TablePilotStore(StorageAccount account) : IPilotStore
{
    private const string SwitchPartition = "switches";
    private const string SwitchRowPrefix = "switch|";
    private const string AuditRowPrefix = "audit|";
    private TableClient Table => account.Table(TableNames.Pilot);

    public async Task<IReadOnlyList<PilotSwitchChange>> ListSwitchesAsync(CancellationToken cancellationToken)
    {
        var found = new List<PilotSwitchChange>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {SwitchPartition} and RowKey ge {SwitchRowPrefix} and RowKey lt {"switch}"}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            found.Add(ToChange(e));
        return found;
    }

    public async Task SaveSwitchAsync(PilotSwitchChange change, CancellationToken cancellationToken)
    {
        var audit = ToEntity(change, $"{AuditRowPrefix}{change.ChangedAt.UtcTicks:D19}|{Guid.NewGuid():N}");
        var current = ToEntity(change, SwitchRowPrefix + TableKeys.Escape(change.Switch.Key));
        await Table.SubmitTransactionAsync(
            [new TableTransactionAction(TableTransactionActionType.UpsertReplace, current), new TableTransactionAction(TableTransactionActionType.Add, audit)],
            cancellationToken);
    }

    public async Task<IReadOnlyList<PilotSwitchChange>> HistoryAsync(int max, CancellationToken cancellationToken)
    {
        var found = new List<PilotSwitchChange>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {SwitchPartition} and RowKey ge {AuditRowPrefix} and RowKey lt {"audit}"}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            found.Add(ToChange(e));
        return [.. found.OrderByDescending(c => c.ChangedAt).Take(max)];
    }

    public Task RecordShadowPushAsync(ShadowPush push, CancellationToken cancellationToken) =>
        Table.UpsertEntityAsync(new TableEntity(ShadowPartition(push.Location), TableKeys.Escape(push.Sku))
        {
            ["Sku"] = push.Sku,
            ["Location"] = push.Location,
            ["WouldPush"] = TableInventoryStore.Store(push.Available),
            ["Version"] = push.Version,
            ["ComparedAt"] = push.At,
        }, TableUpdateMode.Merge, cancellationToken);

    public async Task RecordShadowObservationAsync(string sku, string location, decimal? reported, DateTimeOffset observedAt, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(ShadowPartition(location), TableKeys.Escape(sku))
        {
            ["Sku"] = sku,
            ["Location"] = location,
            ["WebStoreReports"] = reported is { } r ? TableInventoryStore.Store(r) : null,
            ["ReportedAt"] = observedAt,
        };
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken);
    }

    public async Task<IReadOnlyList<ShadowAvailability>> ShadowAvailabilityAsync(string? location, CancellationToken cancellationToken)
    {
        var filter = location is null
            ? TableClient.CreateQueryFilter($"PartitionKey ge {"shadow|"} and PartitionKey lt {"shadow}"}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {ShadowPartition(location)}");
        var rows = new List<ShadowAvailability>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(new ShadowAvailability(e.GetString("Sku"), e.GetString("Location"),
                e.ContainsKey("WouldPush") ? TableInventoryStore.Load(e, "WouldPush") : null, e.GetInt64("Version"), e.GetDateTimeOffset("ComparedAt"),
                e.ContainsKey("WebStoreReports") && e["WebStoreReports"] is not null ? TableInventoryStore.Load(e, "WebStoreReports") : null,
                e.GetDateTimeOffset("ReportedAt")));
        }
        return [.. rows.OrderBy(r => r.Location, StringComparer.Ordinal).ThenBy(r => r.Sku, StringComparer.Ordinal)];
    }

    private static string ShadowPartition(string location) => $"shadow|{TableKeys.Escape(location)}";

    private static TableEntity ToEntity(PilotSwitchChange change, string rowKey) => new(SwitchPartition, rowKey)
    {
        ["Scope"] = change.Switch.Scope.ToString(),
        ["Flow"] = PilotFlows.Name(change.Switch.Flow),
        ["Mode"] = PilotFlows.Name(change.Switch.Mode),
        ["ChangedBy"] = change.ChangedBy,
        ["ChangedAt"] = change.ChangedAt,
        ["Reason"] = change.Reason,
    };

    private static PilotSwitchChange ToChange(TableEntity e) => new(
        new PilotSwitch(PilotScope.Parse(e.GetString("Scope")), PilotFlows.ParseFlow(e.GetString("Flow")), PilotFlows.ParseMode(e.GetString("Mode"))),
        e.GetString("ChangedBy"), e.GetDateTimeOffset("ChangedAt") ?? DateTimeOffset.MinValue, e.GetString("Reason"));
}

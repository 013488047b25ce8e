using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RetailFunctions.Domain.Reconciliation;
using RetailFunctions.Host.Api;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Pipeline.Settlements;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Modules;

/// <summary>The reconciliation capability (settlements, nightly reconciliation, catalog audit) in the local runtime: its services, queue and timer triggers, and API routes.</summary>
public static class ReconciliationModule
{
    /// <summary>The nightly run's name in host.json's retailFunctions.timers; by default 02:30 UTC, reconciling the day before.</summary>
    public const string NightlyTimer = "reconciliation";
    public const string NightlySchedule = "0 30 2 * * *";

    public static IServiceCollection AddReconciliation(this IServiceCollection services, IConfiguration configuration)
    {
        int Setting(string name, int fallback) =>
            int.TryParse(configuration[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : fallback;

        services.AddSingleton(new SettlementEdgeOptions(
            long.TryParse(configuration["Settlements:MaxBodyBytes"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) && max > 0 ? max : 50L * 1024 * 1024,
            configuration["Settlements:DefaultStore"] is { Length: > 0 } store ? store : "web"));
        services.AddSingleton(new ReconciliationRunOptions(
            new ReconciliationOptions(Setting("Reconciliation:SettlementLagDays", 3), Setting("Reconciliation:PostingLagDays", 2)),
            Setting("Reconciliation:MaxExceptionsPerRun", 1000)));
        // The fee each gateway's contract expects per capture, Reconciliation:ExpectedFees:{gateway} = "2.9%+0.30".
        services.AddSingleton(new ExpectedProcessorFees(configuration.GetSection("Reconciliation:ExpectedFees").GetChildren()
            .Where(c => !string.IsNullOrWhiteSpace(c.Value))
            .ToDictionary(c => c.Key.Trim().ToLowerInvariant(), c => ExpectedProcessorFees.Parse(c.Value!))));
        services.AddSingleton(new TillSourceOptions(Setting("Reconciliation:LateUploadDays", 7)));

        services.AddSingleton<ISettlementStore, TableSettlementStore>();
        services.AddSingleton<IReconciliationStore, TableReconciliationStore>();
        services.AddSingleton<SettlementImporter>();
        services.AddSingleton<ITillRecordSource, TableTillRecordSource>();
        services.AddSingleton<IStockCountSource, TableStockCountSource>();
        // Sides another capability supplies: registered only when nothing else has been, so theirs wins whatever the order.
        services.AddSingleton<PendingSources>();
        services.TryAddSingleton<ICapturedPaymentSource>(sp => sp.GetRequiredService<PendingSources>());
        services.TryAddSingleton<IJournalTotalSource>(sp => sp.GetRequiredService<PendingSources>());
        services.TryAddSingleton<IErpAcknowledgementSource>(sp => sp.GetRequiredService<PendingSources>());
        services.AddSingleton(sp => new ReconciliationSources(
            sp.GetRequiredService<ITillRecordSource>(), sp.GetRequiredService<ICapturedPaymentSource>(), sp.GetRequiredService<ISettlementStore>(),
            sp.GetRequiredService<IJournalTotalSource>(), sp.GetRequiredService<IErpAcknowledgementSource>(), sp.GetRequiredService<IStockCountSource>(),
            sp.GetService<ITillTakingsSource>()));
        services.AddSingleton<ReconciliationRunner>();

        services.AddSingleton<ICatalogAuditSource, TableCatalogAuditSource>();

        services.AddSingleton(new TimerJob(NightlyTimer, NightlySchedule, async (sp, ct) =>
        {
            var day = DateOnly.FromDateTime(sp.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime).AddDays(-1);
            var report = await sp.GetRequiredService<ReconciliationRunner>().RunAsync(day, ct);
            return $"{day:yyyy-MM-dd} reconciled: {report.Summary.Differences} difference(s), {report.Summary.Cleared} cleared, {report.Summary.Escalated} escalated";
        }));
        return services;
    }

    public static RouteGroupBuilder MapReconciliation(this RouteGroupBuilder api)
    {
        api.MapReconciliationEndpoints();
        api.MapCatalogAudit();
        return api;
    }
}

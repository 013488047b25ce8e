using System.Globalization;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Host.Api;
using RetailFunctions.Host.Workers;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Finance;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Settlements;
using RetailFunctions.Pipeline.Reconciliation;
using RetailFunctions.Storage;

namespace RetailFunctions.Host.Modules;

/// <summary>The finance capability (journal entries and ERP posting) in the local runtime: its services, queue and timer triggers, and API routes.</summary>
public static class FinanceModule
{
    /// <summary>Timer names in host.json's retailFunctions.timers.</summary>
    public const string RequeueTimer = "journalRequeue";
    public const string SummaryTimer = "journalSummaries";

    public static IServiceCollection AddFinance(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(FinanceSettings.Options(configuration) with { PostToErp = FinanceSettings.Erp(configuration) is not null });
        services.AddSingleton<IJournalStore, TableJournalStore>();
        services.AddSingleton<JournalService>();
        services.AddSingleton<TillJournal>();
        services.AddSingleton<IOrderEventSubscriber, JournalOrderSubscriber>();
        services.AddSingleton<ISettlementLineSubscriber, SettlementJournalSubscriber>();
        services.AddSingleton<JournalReconciliationSources>();
        services.AddSingleton<IJournalTotalSource>(sp => sp.GetRequiredService<JournalReconciliationSources>());
        services.AddSingleton<IErpAcknowledgementSource>(sp => sp.GetRequiredService<JournalReconciliationSources>());
        services.AddSingleton<ITillTakingsSource>(sp => sp.GetRequiredService<JournalReconciliationSources>());
        services.AddSingleton(new TimerJob(SummaryTimer, "0 30 * * * *", (sp, ct) => sp.GetRequiredService<JournalService>().CloseDueSummariesAsync(ct)));

        // Without an ERP the journal still records every entry, unqueued (nothing is lost, no queue grows unread);
        // once Erp:BaseUrl is set, the worker starts and the requeue timer sends what was never queued.
        if (FinanceSettings.Erp(configuration) is { } erp)
        {
            services.AddSingleton(erp);
            services.AddHttpClient<IErpConnector, ErpConnector>();
            services.AddSingleton<ErpPostingHandler>();
            services.AddSingleton(new QueueRoute(QueueNames.ErpPostings, sp => (m, ct) => sp.GetRequiredService<ErpPostingHandler>().HandleAsync(m, ct)));
            services.AddSingleton(new TimerJob(RequeueTimer, "0 */5 * * * *", (sp, ct) => sp.GetRequiredService<JournalService>().RequeueStaleAsync(ct)));
        }
        return services;
    }

    public static RouteGroupBuilder MapFinance(this RouteGroupBuilder api)
    {
        api.MapFinanceEndpoints();
        return api;
    }
}

/// <summary>The finance settings (docs/finance.md), with their defaults.</summary>
public static class FinanceSettings
{
    public static FinanceOptions Options(IConfiguration config)
    {
        var accounts = config.GetSection("Finance:Accounts").AsEnumerable(makePathsRelative: true)
            .Where(kv => !string.IsNullOrWhiteSpace(kv.Value))
            .Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value!))
            .ToList();
        ChartOfAccounts chart;
        try
        {
            chart = ChartOfAccounts.Default.With(accounts);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Finance:Accounts: {e.Message}", e);
        }
        var byStore = config.GetSection("Finance:PostingModeByStore").GetChildren()
            .Where(c => !string.IsNullOrWhiteSpace(c.Value))
            .ToDictionary(c => c.Key, c => FinanceOptions.ParseMode(c.Value, $"Finance:PostingModeByStore:{c.Key}"), StringComparer.Ordinal);
        return new FinanceOptions(
            chart,
            new JournalRules(Int(config, "Finance:RoundingToleranceMinorUnits", 5)),
            FinanceOptions.ParseMode(config["Finance:PostingMode"], "Finance:PostingMode"),
            byStore,
            TimeSpan.FromMinutes(Int(config, "Finance:RequeueAfterMinutes", 15)),
            Math.Max(1, Int(config, "Finance:LookbackDays", 7)),
            TimeSpan.FromHours(Int(config, "Finance:SummaryCloseAfterHours", 6)));
    }

    public static ErpOptions? Erp(IConfiguration config) =>
        config["Erp:BaseUrl"] is { Length: > 0 } baseUrl
            ? new ErpOptions(
                new Uri(baseUrl.TrimEnd('/') + "/"),
                config["Erp:ApiKey"] is { Length: > 0 } key ? key : null,
                Int(config, "Erp:MaxRetries", 5),
                TimeSpan.FromMilliseconds(Int(config, "Erp:BaseDelayMilliseconds", 200)),
                TimeSpan.FromMilliseconds(Math.Max(10, Int(config, "Erp:TimeoutMilliseconds", 10_000))),
                TimeSpan.FromSeconds(Math.Max(1, Int(config, "Erp:BreakSeconds", 30))))
            : null;

    private static int Int(IConfiguration config, string name, int fallback) =>
        int.TryParse(config[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : fallback;
}

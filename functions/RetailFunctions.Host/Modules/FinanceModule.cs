namespace RetailFunctions.Host.Modules;

/// <summary>The finance capability (journal entries and ERP posting) in the local runtime: its services, queue and timer triggers, and API routes.</summary>
public static class FinanceModule
{
    public static IServiceCollection AddFinance(this IServiceCollection services, IConfiguration configuration) => services;

    public static RouteGroupBuilder MapFinance(this RouteGroupBuilder api) => api;
}

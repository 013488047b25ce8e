namespace RetailFunctions.Host.Modules;

/// <summary>The reconciliation capability (settlements, nightly reconciliation, catalog audit) in the local runtime: its services, queue and timer triggers, and API routes.</summary>
public static class ReconciliationModule
{
    public static IServiceCollection AddReconciliation(this IServiceCollection services, IConfiguration configuration) => services;

    public static RouteGroupBuilder MapReconciliation(this RouteGroupBuilder api) => api;
}

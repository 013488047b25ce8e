namespace RetailFunctions.Host.Modules;

/// <summary>The customers capability in the local runtime: its services, queue and timer triggers, and API routes.</summary>
public static class CustomersModule
{
    public static IServiceCollection AddCustomers(this IServiceCollection services, IConfiguration configuration) => services;

    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder api) => api;
}

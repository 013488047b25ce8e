namespace RetailFunctions.Host.Modules;

/// <summary>The orders capability in the local runtime: its services, queue and timer triggers, and API routes.</summary>
public static class OrdersModule
{
    public static IServiceCollection AddOrders(this IServiceCollection services, IConfiguration configuration) => services;

    public static RouteGroupBuilder MapOrders(this RouteGroupBuilder api) => api;
}

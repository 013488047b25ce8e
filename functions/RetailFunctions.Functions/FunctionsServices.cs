using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Http;
using RetailFunctions.Functions.Messaging;
using RetailFunctions.Host;
using RetailFunctions.Host.Modules;
using RetailFunctions.Host.Settings;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Functions;

public static class FunctionsServices
{
    /// <summary>
    /// The local runtime's registrations (storage adapters, handlers, modules), minus its own queue and timer loops
    /// (Service Bus and Timer triggers replace them), with Service Bus as the message sender.
    /// </summary>
    public static IServiceCollection AddRetailFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = RuntimeSettings.From(configuration) with { WorkersEnabled = false };
        var appDirectory = Environment.GetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY") ?? AppContext.BaseDirectory;
        var hostJson = HostJson.Read(Path.Combine(appDirectory, "host.json"), configuration);

        services.AddRetailFunctions(settings, hostJson);
        services.AddOrders(configuration);
        services.AddCustomers(configuration);
        services.AddFinance(configuration);
        services.AddReconciliation(configuration);
        services.AddPilot(configuration);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddOpenApi();
        services.AddProblemDetails();
        services.AddRouting();

        services.AddSingleton(_ => CreateServiceBusClient(configuration));
        services.AddSingleton<ServiceBusMessageSender>();
        services.AddSingleton<IMessageSender, WorkflowMessageSender>();
        services.AddSingleton<QueueHandlers>();
        services.AddSingleton<ServiceBusQueueRunner>();
        services.AddSingleton<ApiRoutes>();
        services.AddSingleton<Core.Workflows.IOrderWorkflowStep, Workflows.OrderWorkflowStep>();
        return services;
    }

    /// <summary>
    /// The same "ServiceBus" connection the triggers use: a connection string (the emulator, local runs) or, as infra
    /// sets it, ServiceBus__fullyQualifiedNamespace with the managed identity named by ServiceBus__clientId.
    /// </summary>
    private static ServiceBusClient CreateServiceBusClient(IConfiguration configuration)
    {
        var section = configuration.GetSection(FunctionTriggers.ServiceBusConnection);
        if (section.Value is { Length: > 0 } connectionString) return new ServiceBusClient(connectionString);
        if (section["fullyQualifiedNamespace"] is { Length: > 0 } fullyQualifiedNamespace)
            return new ServiceBusClient(fullyQualifiedNamespace,
                new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = section["clientId"] }));
        throw new InvalidOperationException(
            "No Service Bus configured: set ServiceBus (a connection string) or ServiceBus__fullyQualifiedNamespace (with ServiceBus__clientId for a user-assigned identity).");
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RetailFunctions.Host.Api;
using RetailFunctions.Host.Modules;
using RetailFunctions.Host.Settings;

namespace RetailFunctions.Functions.Http;

/// <summary>
/// The local runtime's route table (the same Map... calls as its Program.cs), built once as a request pipeline. An
/// HTTP function hands it the request it received through the ASP.NET Core integration, and the route's own
/// handler answers it (docs/adr/0004). Function keys are the Functions host's job here, so the local runtime's
/// key middleware is not part of it.
/// </summary>
public sealed class ApiRoutes
{
    private readonly RequestDelegate pipeline;

    public ApiRoutes(IServiceProvider services, HostJson hostJson)
    {
        var app = new ApplicationBuilder(services);
        app.UseRouting();
        app.UseEndpoints(endpoints =>
        {
            var api = endpoints.MapGroup($"/{hostJson.RoutePrefix}");
            api.MapOpenApi("/openapi/{documentName}.json");
            api.MapHealth();
            api.MapIngestion();
            api.MapQueries();
            api.MapInventory();
            api.MapOperations();
            api.MapOrders();
            api.MapCustomers();
            api.MapFinance();
            api.MapReconciliation();
            api.MapPilot();
        });
        app.Run(context => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
            detail: $"no route for {context.Request.Method} {context.Request.Path}").ExecuteAsync(context));
        pipeline = app.Build();
    }

    /// <summary>Routes the request afresh: the endpoint the integration matched is the function itself.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        await pipeline(context);
    }
}

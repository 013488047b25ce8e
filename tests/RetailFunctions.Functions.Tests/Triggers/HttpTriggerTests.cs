using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Functions.Http;
using RetailFunctions.Functions.Tests.Durable;
using RetailFunctions.Functions.Workflows;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.Functions.Tests.Triggers;

/// <summary>
/// The HTTP functions called as the ASP.NET Core integration calls them, with the request's HttpRequest: the API
/// functions hand it to the local runtime's route table in the app's own services; the workflow routes drive an
/// orchestration on the in-process Durable engine.
/// </summary>
public sealed class HttpTriggerTests : IAsyncLifetime
{
    private const string Secret = "functions-test-secret";
    private readonly Mock<IMessageSender> sender = new();
    private readonly DurableEngine durable = new();
    private ServiceProvider app = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["ServiceBus"] = "Endpoint=sb://retail.example/;SharedAccessKeyName=test;SharedAccessKey=dGVzdA==",
            ["Shopify:WebhookSecret"] = Secret,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        // What the worker's ASP.NET Core integration (ConfigureFunctionsWebApplication) gives the app: a web host's
        // diagnostic listener and the executors of IActionResult.
        services.AddSingleton(new System.Diagnostics.DiagnosticListener("Microsoft.AspNetCore"));
        services.AddMvcCore();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddRetailFunctionsApp(configuration);
        services.AddSingleton(sender.Object);
        app = services.BuildServiceProvider();
        await durable.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await durable.DisposeAsync();
        await app.DisposeAsync();
    }

    private DefaultHttpContext Request(string method, string path, string body = "", IDictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext { RequestServices = app };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("retail.example");
        context.Request.Path = path;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Request.ContentType = "application/json";
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) context.Request.Headers[name] = value;
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static async Task<int> ExecuteAsync(HttpContext context, IActionResult result)
    {
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        return context.Response.StatusCode;
    }

    [Fact]
    public async Task GivenASignedShopifyWebhook_WhenTheFunctionGetsItsHttpRequest_ThenTheDeliveryIsEnqueuedAndAnswered200()
    {
        const string body = """{"id":1,"note":"gift"}""";
        var context = Request("POST", "/api/webhooks/shopify", body, new Dictionary<string, string>
        {
            ["X-Shopify-Hmac-Sha256"] = ShopifyHmac.Sign(Encoding.UTF8.GetBytes(body), Secret),
            ["X-Shopify-Topic"] = "orders/create",
            ["X-Shopify-Shop-Domain"] = "demo.myshopify.com",
            ["X-Shopify-Webhook-Id"] = "w-1",
        });

        var result = await new ApiFunctions(app.GetRequiredService<ApiRoutes>()).ShopifyWebhook(context.Request);

        Assert.Equal(StatusCodes.Status200OK, await ExecuteAsync(context, result));
        sender.Verify(s => s.SendAsync(QueueNames.ShopifyWebhooks, It.IsAny<Envelope>(), It.IsAny<CancellationToken>(), It.IsAny<TimeSpan?>()), Times.Once);
    }

    [Fact]
    public async Task GivenAWebhookWithABadSignature_WhenTheFunctionGetsIt_ThenItAnswers401AndEnqueuesNothing()
    {
        var context = Request("POST", "/api/webhooks/shopify", "{}", new Dictionary<string, string> { ["X-Shopify-Hmac-Sha256"] = "bm9wZQ==" });

        var result = await new ApiFunctions(app.GetRequiredService<ApiRoutes>()).ShopifyWebhook(context.Request);

        Assert.Equal(StatusCodes.Status401Unauthorized, await ExecuteAsync(context, result));
        sender.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task GivenTheConsole_WhenItsFunctionsServeIt_ThenThePageCallsTheApiUnderThePrefixAndItsAssetsComeFromTheAnonymousFunction()
    {
        var functions = new ApiFunctions(app.GetRequiredService<ApiRoutes>());
        var page = Request("GET", "/api/console");
        Assert.Equal(StatusCodes.Status200OK, await ExecuteAsync(page, await functions.Console(page.Request)));
        var html = Encoding.UTF8.GetString(((MemoryStream)page.Response.Body).ToArray());
        Assert.Contains("""<meta name="api-base" content="/api">""", html);
        Assert.Contains("""href="/api/console-assets/console.css""", html);
        Assert.Contains("""src="/api/console-assets/console.js""", html);
        Assert.Contains("default-src 'self'", page.Response.Headers.ContentSecurityPolicy.ToString());

        var script = Request("GET", "/api/console-assets/console.js");
        Assert.Equal(StatusCodes.Status200OK, await ExecuteAsync(script, await functions.ConsoleAssets(script.Request)));
        Assert.StartsWith("text/javascript", script.Response.ContentType);
        var missing = Request("GET", "/api/console-assets/secrets.json");
        Assert.Equal(StatusCodes.Status404NotFound, await ExecuteAsync(missing, await functions.ConsoleAssets(missing.Request)));
    }

    [Fact]
    public async Task GivenAPathNoRouteServes_WhenAnAreaFunctionGetsIt_ThenTheRouteTableAnswers404()
    {
        var context = Request("GET", "/api/inventory/a/b/c/d/e");

        var result = await new ApiFunctions(app.GetRequiredService<ApiRoutes>()).Inventory(context.Request);

        Assert.Equal(StatusCodes.Status404NotFound, await ExecuteAsync(context, result));
    }

    [Fact]
    public async Task GivenAnOrderWithoutWorkflow_WhenItsStatusIsAsked_ThenTheAnswerIs404()
    {
        var routes = new WorkflowRoutes(TimeProvider.System, durable.Orders);
        var context = Request("GET", "/api/workflows/orders/none");

        var result = await routes.Status(context.Request, "none", durable.Client);

        Assert.Equal(StatusCodes.Status404NotFound, await ExecuteAsync(context, result));
    }

    [Fact]
    public async Task GivenAStoreActionOverHttp_WhenTheWorkflowRouteGetsIt_ThenTheOrderHasItBeforeTheAnswerAndTheOrchestrationStartsToReadIt()
    {
        var routes = new WorkflowRoutes(TimeProvider.System, durable.Orders);
        var context = Request("POST", "/api/workflows/orders/http-1/shipments/s-1/ready-for-pickup", "{}");

        var result = await routes.ShipmentAction(context.Request, "http-1", "s-1", "ready-for-pickup", durable.Client);

        Assert.Equal(StatusCodes.Status202Accepted, await ExecuteAsync(context, result));
        Assert.Equal("https://retail.example/api/workflows/orders/http-1", context.Response.Headers.Location.ToString());
        // Applied before the answer, not left to an event the orchestration might miss.
        Assert.Equal("ReadyForPickup", durable.Orders.StatusOf("http-1"));
        Assert.Equal("ReadyForPickup", Assert.IsType<WorkflowRoutes.Accepted>(Assert.IsType<AcceptedResult>(result).Value).Progress!.Status);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var instanceId = OrderOrchestration.InstanceIdFor("http-1");
        while ((await durable.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true))?.ReadCustomStatusAs<OrderProgress>()?.Status != "ReadyForPickup")
            await Task.Delay(50, timeout.Token);
        var status = Request("GET", "/api/workflows/orders/http-1");
        Assert.Equal(StatusCodes.Status200OK, await ExecuteAsync(status, await routes.Status(status.Request, "http-1", durable.Client)));
    }

    [Fact]
    public async Task GivenAnActionThatIsNoStage_WhenTheWorkflowRouteGetsIt_ThenItAnswers404AndStartsNothing()
    {
        var routes = new WorkflowRoutes(TimeProvider.System, durable.Orders);
        var context = Request("POST", "/api/workflows/orders/http-2/shipments/s-1/teleport");

        var result = await routes.ShipmentAction(context.Request, "http-2", "s-1", "teleport", durable.Client);

        Assert.Equal(StatusCodes.Status404NotFound, await ExecuteAsync(context, result));
        Assert.Null(await durable.Client.GetInstanceAsync(OrderOrchestration.InstanceIdFor("http-2")));
    }
}

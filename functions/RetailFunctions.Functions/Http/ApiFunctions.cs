using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using RetailFunctions.Functions.Core.Hosting;

namespace RetailFunctions.Functions.Http;

/// <summary>
/// The HTTP API: one function per route area, each handing the request to the local runtime's route table, so the
/// webhook runs IngestionEndpoints' code (HMAC inside) and every route behaves as it does locally. The webhook and
/// the health probe are anonymous; everything else needs a function key (x-functions-key or ?code=). Every
/// method is bound, so a route added to the table needs no change here; the table answers 404/405 for the rest.
/// </summary>
public sealed class ApiFunctions(ApiRoutes routes)
{
    private const string Get = "get";
    private const string Post = "post";
    private const string Put = "put";
    private const string Patch = "patch";
    private const string Delete = "delete";

    [Function("ShopifyWebhook")]
    public Task<IActionResult> ShopifyWebhook([HttpTrigger(AuthorizationLevel.Anonymous, Post, Route = HttpAreas.Webhooks)] HttpRequest req) => Handle(req);

    [Function("Health")]
    public Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, Get, Route = HttpAreas.Health)] HttpRequest req) => Handle(req);

    [Function("PosUploads")]
    public Task<IActionResult> Pos([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Pos)] HttpRequest req) => Handle(req);

    [Function("Orders")]
    public Task<IActionResult> Orders([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Orders)] HttpRequest req) => Handle(req);

    [Function("Pilot")]
    public Task<IActionResult> Pilot([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Pilot)] HttpRequest req) => Handle(req);

    [Function("Stores")]
    public Task<IActionResult> Stores([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Stores)] HttpRequest req) => Handle(req);

    [Function("Inventory")]
    public Task<IActionResult> Inventory([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Inventory)] HttpRequest req) => Handle(req);

    [Function("Catalog")]
    public Task<IActionResult> Catalog([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Catalog)] HttpRequest req) => Handle(req);

    [Function("Alerts")]
    public Task<IActionResult> Alerts([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Alerts)] HttpRequest req) => Handle(req);

    [Function("Customers")]
    public Task<IActionResult> Customers([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Customers)] HttpRequest req) => Handle(req);

    [Function("Finance")]
    public Task<IActionResult> Finance([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Finance)] HttpRequest req) => Handle(req);

    [Function("Settlements")]
    public Task<IActionResult> Settlements([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Settlements)] HttpRequest req) => Handle(req);

    [Function("ReconciliationApi")]
    public Task<IActionResult> Reconciliation([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Reconciliation)] HttpRequest req) => Handle(req);

    [Function("Exceptions")]
    public Task<IActionResult> Exceptions([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Exceptions)] HttpRequest req) => Handle(req);

    [Function("DeadLetters")]
    public Task<IActionResult> DeadLetters([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.DeadLetters)] HttpRequest req) => Handle(req);

    [Function("Replay")]
    public Task<IActionResult> Replay([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.Replay)] HttpRequest req) => Handle(req);

    [Function("OpenApi")]
    public Task<IActionResult> OpenApi([HttpTrigger(AuthorizationLevel.Function, Get, Post, Put, Patch, Delete, Route = HttpAreas.OpenApi)] HttpRequest req) => Handle(req);

    /// <summary>The route's handler writes the response itself; the empty result leaves it as it is.</summary>
    private async Task<IActionResult> Handle(HttpRequest req)
    {
        await routes.InvokeAsync(req.HttpContext);
        return new EmptyResult();
    }
}

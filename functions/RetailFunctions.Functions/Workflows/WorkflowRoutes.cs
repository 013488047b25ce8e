using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Host.Api;

namespace RetailFunctions.Functions.Workflows;

/// <summary>
/// Workflow management over HTTP (function keys): start an order's orchestration and read its status, and raise
/// store actions to it as external events. A start or an action answers 202 with the status route as Location.
/// </summary>
public sealed class WorkflowRoutes(TimeProvider clock)
{
    public sealed record ShipmentActionRequest(List<string>? TrackingNumbers);

    public sealed record CancelRequest(string? Reason);

    /// <summary>What a start or an action answers: the instance and where its status is read.</summary>
    public sealed record Accepted(string InstanceId, string StatusUri);

    /// <summary>GET: the orchestration's status and the order's progress (404 when none). POST: start it.</summary>
    [Function("OrderWorkflowStatus")]
    public async Task<IActionResult> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = HttpAreas.Workflows)] HttpRequest req, string orderId,
        [DurableClient] DurableTaskClient client)
    {
        var ct = req.HttpContext.RequestAborted;
        if (HttpMethods.IsPost(req.Method))
            return AcceptedFor(req, orderId, await OrderWorkflowFunctions.StartOnceAsync(client, orderId, null, ct));

        var instance = await client.GetInstanceAsync(OrderOrchestration.InstanceIdFor(orderId), getInputsAndOutputs: true, ct);
        if (instance is null) return Problem(StatusCodes.Status404NotFound, $"no workflow for order {orderId}");
        return new OkObjectResult(new
        {
            instance.InstanceId,
            runtimeStatus = instance.RuntimeStatus.ToString(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            progress = instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<OrderProgress>(),
        });
    }

    [Function("OrderWorkflowShipmentAction")]
    public async Task<IActionResult> ShipmentAction(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = HttpAreas.WorkflowShipmentAction)] HttpRequest req,
        string orderId, string shipmentId, string action, [DurableClient] DurableTaskClient client)
    {
        var ct = req.HttpContext.RequestAborted;
        var body = await ReadBodyAsync<ShipmentActionRequest>(req, ct);
        var command = StoreActions.Advance(orderId, shipmentId, action, Actor(req), body?.TrackingNumbers ?? [], clock.GetUtcNow());
        if (command is null)
            return Problem(StatusCodes.Status404NotFound, $"'{action}' is not one of {string.Join(", ", StoreActions.Stages.Keys)}");
        return AcceptedFor(req, orderId, await OrderWorkflowFunctions.StartOnceAsync(client, orderId, command, ct));
    }

    [Function("OrderWorkflowCancel")]
    public async Task<IActionResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = HttpAreas.WorkflowCancel)] HttpRequest req, string orderId,
        [DurableClient] DurableTaskClient client)
    {
        var ct = req.HttpContext.RequestAborted;
        var body = await ReadBodyAsync<CancelRequest>(req, ct);
        var command = StoreActions.Cancel(orderId, Actor(req), body?.Reason, clock.GetUtcNow());
        return AcceptedFor(req, orderId, await OrderWorkflowFunctions.StartOnceAsync(client, orderId, command, ct));
    }

    private static AcceptedResult AcceptedFor(HttpRequest req, string orderId, string instanceId)
    {
        var status = $"{req.Scheme}://{req.Host}{req.PathBase}/api/workflows/orders/{Uri.EscapeDataString(orderId)}";
        return new AcceptedResult(status, new Accepted(instanceId, status));
    }

    private static string Actor(HttpRequest req) =>
        req.Headers[InventoryEndpoints.UserHeader].FirstOrDefault() is { Length: > 0 } user ? user : "api";

    /// <summary>The JSON body, or null when there is none (every field of these requests is optional).</summary>
    private static async Task<T?> ReadBodyAsync<T>(HttpRequest req, CancellationToken ct) where T : class
    {
        using var reader = new StreamReader(req.Body);
        var text = await reader.ReadToEndAsync(ct);
        return string.IsNullOrWhiteSpace(text) ? null : System.Text.Json.JsonSerializer.Deserialize<T>(text, Core.Messaging.BrokerMessages.Json);
    }

    private static ObjectResult Problem(int status, string detail) =>
        new(new ProblemDetails { Status = status, Title = ReasonPhrases(status), Detail = detail }) { StatusCode = status };

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}

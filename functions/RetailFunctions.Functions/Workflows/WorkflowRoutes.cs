using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Host.Api;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Workflows;

/// <summary>
/// Workflow management over HTTP (function keys): start an order's orchestration and read its status, and apply store
/// actions. An action is applied to the order before the answer (once per command id, so a client may resend it), then
/// the orchestration is woken to read the order; the answer is 202 with the order's progress and the status route as
/// Location, because the orchestration's own reaction (a pickup timer, the end of the workflow) follows later.
/// </summary>
public sealed class WorkflowRoutes(TimeProvider clock, IOrderWorkflowStep steps)
{
    public sealed record ShipmentActionRequest(List<string>? TrackingNumbers);

    public sealed record CancelRequest(string? Reason);

    /// <summary>What a start or an action answers: the instance, where its status is read, and the order after an action.</summary>
    public sealed record Accepted(string InstanceId, string StatusUri, OrderProgress? Progress = null);

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
        return await ApplyAsync(req, orderId, command, client, ct);
    }

    [Function("OrderWorkflowCancel")]
    public async Task<IActionResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = HttpAreas.WorkflowCancel)] HttpRequest req, string orderId,
        [DurableClient] DurableTaskClient client)
    {
        var ct = req.HttpContext.RequestAborted;
        var body = await ReadBodyAsync<CancelRequest>(req, ct);
        var command = StoreActions.Cancel(orderId, Actor(req), body?.Reason, clock.GetUtcNow());
        return await ApplyAsync(req, orderId, command, client, ct);
    }

    /// <summary>Applies the action to the order, then wakes (or starts) the orchestration to read it.</summary>
    private async Task<IActionResult> ApplyAsync(HttpRequest req, string orderId, Envelope command, DurableTaskClient client, CancellationToken ct)
    {
        var (instanceId, progress) = await OrderWorkflowFunctions.ApplyStoreActionAsync(steps, client, orderId, command, clock.GetUtcNow(), ct);
        return AcceptedFor(req, orderId, instanceId, progress);
    }

    private static AcceptedResult AcceptedFor(HttpRequest req, string orderId, string instanceId, OrderProgress? progress = null)
    {
        var status = $"{req.Scheme}://{req.Host}{req.PathBase}/api/workflows/orders/{Uri.EscapeDataString(orderId)}";
        return new AcceptedResult(status, new Accepted(instanceId, status, progress));
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

using System.Net;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using RetailFunctions.Functions.Core.Hosting;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Host.Api;

namespace RetailFunctions.Functions.Workflows;

/// <summary>
/// Workflow management over HTTP (function keys): start an order's orchestration and read its status, and raise
/// store actions to it as external events. The Durable Functions' own status URLs come back with each answer.
/// </summary>
public sealed class WorkflowRoutes(TimeProvider clock)
{
    public sealed record ShipmentActionRequest(List<string>? TrackingNumbers);

    public sealed record CancelRequest(string? Reason);

    /// <summary>GET: the orchestration's status and the order's progress (404 when none). POST: start it.</summary>
    [Function("OrderWorkflowStatus")]
    public async Task<HttpResponseData> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = HttpAreas.Workflows)] HttpRequestData req, string orderId,
        [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        var ct = context.CancellationToken;
        if (req.Method.Equals("POST", StringComparison.OrdinalIgnoreCase))
            return await client.CreateCheckStatusResponseAsync(req, await OrderWorkflowFunctions.StartOnceAsync(client, orderId, null, ct), ct);

        var instance = await client.GetInstanceAsync(OrderOrchestration.InstanceIdFor(orderId), getInputsAndOutputs: true, ct);
        if (instance is null) return await Problem(req, HttpStatusCode.NotFound, $"no workflow for order {orderId}");
        var response = req.CreateResponse();
        await response.WriteAsJsonAsync(new
        {
            instance.InstanceId,
            runtimeStatus = instance.RuntimeStatus.ToString(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            progress = instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<OrderProgress>(),
        }, ct);
        return response;
    }

    [Function("OrderWorkflowShipmentAction")]
    public async Task<HttpResponseData> ShipmentAction(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = HttpAreas.WorkflowShipmentAction)] HttpRequestData req,
        string orderId, string shipmentId, string action, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        var body = await ReadBodyAsync<ShipmentActionRequest>(req, context.CancellationToken);
        var command = StoreActions.Advance(orderId, shipmentId, action, Actor(req), body?.TrackingNumbers ?? [], clock.GetUtcNow());
        if (command is null)
            return await Problem(req, HttpStatusCode.NotFound, $"'{action}' is not one of {string.Join(", ", StoreActions.Stages.Keys)}");
        return await client.CreateCheckStatusResponseAsync(req, await OrderWorkflowFunctions.StartOnceAsync(client, orderId, command, context.CancellationToken),
            context.CancellationToken);
    }

    [Function("OrderWorkflowCancel")]
    public async Task<HttpResponseData> Cancel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = HttpAreas.WorkflowCancel)] HttpRequestData req, string orderId,
        [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        var body = await ReadBodyAsync<CancelRequest>(req, context.CancellationToken);
        var command = StoreActions.Cancel(orderId, Actor(req), body?.Reason, clock.GetUtcNow());
        return await client.CreateCheckStatusResponseAsync(req, await OrderWorkflowFunctions.StartOnceAsync(client, orderId, command, context.CancellationToken),
            context.CancellationToken);
    }

    private static string Actor(HttpRequestData req) =>
        req.Headers.TryGetValues(InventoryEndpoints.UserHeader, out var values) && values.FirstOrDefault() is { Length: > 0 } user ? user : "api";

    /// <summary>The JSON body, or null when there is none (every field of these requests is optional).</summary>
    private static async Task<T?> ReadBodyAsync<T>(HttpRequestData req, CancellationToken ct) where T : class
    {
        using var reader = new StreamReader(req.Body);
        var text = await reader.ReadToEndAsync(ct);
        return string.IsNullOrWhiteSpace(text) ? null : System.Text.Json.JsonSerializer.Deserialize<T>(text, Core.Messaging.BrokerMessages.Json);
    }

    private static async Task<HttpResponseData> Problem(HttpRequestData req, HttpStatusCode status, string detail)
    {
        var response = req.CreateResponse();
        await response.WriteAsJsonAsync(new { title = status.ToString(), status = (int)status, detail }, status);
        return response;
    }
}

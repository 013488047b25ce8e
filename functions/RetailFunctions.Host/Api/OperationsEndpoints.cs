using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Ingestion;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Host.Api;

/// <summary>What an operator uses to find, own, fix and replay failures.</summary>
public static class OperationsEndpoints
{
    public sealed record TransitionRequest(string? By, string? Note);
    public sealed record DeadLetterReplayRequest(List<string>? Ids, string? Queue, string? ReasonContains, bool? All, bool? Force);
    public sealed record RawReplayRequest(string? Shop, DateTimeOffset? From, DateTimeOffset? To, List<string>? Blobs);

    public static void MapOperations(this IEndpointRouteBuilder api)
    {
        api.MapGet("/exceptions", async (string? owner, string? status, int? max, HttpContext context, IExceptionStore exceptions,
            CancellationToken ct) =>
        {
            var role = Caller.OperationsRole(context);
            var take = Math.Clamp(max ?? 500, 1, 5000);
            if (owner is not null)
                return OperationsRoles.ExceptionRefusal(role, owner) is { } refusal
                    ? Forbidden(refusal)
                    : Results.Ok(await exceptions.ListAsync(owner, status, take, ct));
            var owners = OperationsRoles.OwnersFor(role);
            if (owners.Count == 0) return Forbidden(OperationsRoles.ExceptionRefusal(role, Owners.Inventory)!);
            if (owners.Count == OperationsRoles.AllOwners.Count) return Results.Ok(await exceptions.ListAsync(null, status, take, ct));
            var found = new List<BusinessException>();
            foreach (var o in owners) found.AddRange(await exceptions.ListAsync(o, status, take, ct));
            return Results.Ok(found.OrderByDescending(e => e.RaisedAt).Take(take).ToList());
        }).WithSummary("Business exceptions (unmapped SKU or location, backorder, negative stock, stock conflict...), by owner and status")
            .WithDescription($"A caller in a role ({Caller.RoleHeaderName} locally) sees only the owners its role answers for: " +
                $"{OperationsRoles.Operator} all, {OperationsRoles.InventoryManager} and {OperationsRoles.StoreManager} inventory, " +
                $"{OperationsRoles.Finance} finance, {OperationsRoles.Crm} crm; a caller with no role (the CLI) all.");

        api.MapGet("/exceptions/{owner}/{id}/payload", async (string owner, string id, HttpContext context, IExceptionStore exceptions,
            IBlobStore blobs, CancellationToken ct) =>
        {
            if (OperationsRoles.ExceptionRefusal(Caller.OperationsRole(context), owner) is { } refusal) return Forbidden(refusal);
            if (await exceptions.GetAsync(owner, id, ct) is not { } exception)
                return Http.Problem(StatusCodes.Status404NotFound, "Unknown exception", $"owner '{owner}' has no exception '{id}'", "id");
            if (ArchivedBlob(exception.PayloadReference) is not { } blob)
                return Http.Problem(StatusCodes.Status404NotFound, "No archived payload", $"exception '{id}' keeps no archived payload",
                    "payloadReference");
            var content = await blobs.ReadAsync(blob.Container, blob.Name, ct);
            var xml = blob.Name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase);
            return Results.Bytes(content.ToArray(), xml ? "application/xml" : "application/json");
        }).WithSummary("The archived payload an exception was raised from (the webhook body, or the POS batch as uploaded, cards masked)");

        api.MapPost("/exceptions/{owner}/{id}/acknowledge", (string owner, string id, TransitionRequest? request, HttpContext context, IExceptionStore exceptions, TimeProvider clock, CancellationToken ct) =>
                Transition(owner, id, ExceptionLifecycle.Acknowledge, request, context, exceptions, clock, ct))
            .WithSummary("Take ownership of an open exception (audited)");
        api.MapPost("/exceptions/{owner}/{id}/resolve", (string owner, string id, TransitionRequest? request, HttpContext context, IExceptionStore exceptions, TimeProvider clock, CancellationToken ct) =>
                Transition(owner, id, ExceptionLifecycle.Resolve, request, context, exceptions, clock, ct))
            .WithSummary("Close an exception once fixed (audited)");

        api.MapGet("/deadletters", async (string? queue, int? max, HttpContext context, IDeadLetterStore deadLetters,
            CancellationToken ct) =>
            OperationsRoles.DeadLetterRefusal(Caller.OperationsRole(context)) is { } refusal
                ? Forbidden(refusal)
                : Results.Ok(await deadLetters.ListAsync(Math.Clamp(max ?? 500, 1, 5000), ct, queue)))
            .WithSummary("Messages that failed for good, with reason, exception type, attempts, envelope and replay status");

        api.MapPost("/deadletters/replay", async (DeadLetterReplayRequest request, HttpContext context, Replayer replayer,
            CancellationToken ct) =>
        {
            if (OperationsRoles.DeadLetterRefusal(Caller.OperationsRole(context)) is { } refusal) return Forbidden(refusal);
            var selection = new DeadLetterSelection(request.Ids, request.Queue, request.ReasonContains, request.All ?? false, request.Force ?? false);
            if (selection.IsEmpty)
                return Http.Problem(StatusCodes.Status400BadRequest, "Nothing selected", "give ids, a queue, reasonContains, or all: true", "ids");
            return Results.Ok(await replayer.ReplayDeadLettersAsync(selection, ct));
        }).WithSummary("Put dead letters back on their queues after a fix; already replayed ones only with force");

        api.MapPost("/replay/raw", async (RawReplayRequest request, HttpContext context, Replayer replayer, CancellationToken ct) =>
        {
            if (OperationsRoles.ReplayRefusal(Caller.OperationsRole(context)) is { } refusal) return Forbidden(refusal);
            if (string.IsNullOrWhiteSpace(request.Shop))
                return Http.Problem(StatusCodes.Status400BadRequest, "Missing field", "shop is required", "shop");
            if (request.Blobs is not { Count: > 0 } && request.From is null && request.To is null)
                return Http.Problem(StatusCodes.Status400BadRequest, "Nothing selected", "give blobs, or a from/to range of archive days", "from");
            return Results.Ok(await replayer.ReplayRawAsync(request.Shop, request.From, request.To, request.Blobs, ct));
        }).WithSummary("Re-deliver archived Shopify webhooks (by blob or day range) through the pipeline");

        api.MapPost("/replay/pos/{batchId}", async (string batchId, HttpContext context, Replayer replayer, CancellationToken ct) =>
            OperationsRoles.ReplayRefusal(Caller.OperationsRole(context)) is { } refusal ? Forbidden(refusal)
            : await replayer.ReplayPosBatchAsync(batchId, ct) is { } replay
                ? Results.Accepted($"/api/pos/batches/{replay.BatchId}", new { batchId = replay.BatchId, replayOf = batchId, statusUrl = $"/api/pos/batches/{replay.BatchId}" })
                : Http.Problem(StatusCodes.Status404NotFound, "Unknown batch", $"no POS batch '{batchId}'", "batchId"))
            .WithSummary("Process an uploaded POS batch again from its archive, as a new batch: what was applied is a no-op, what was only archived is applied");
    }

    private static async Task<IResult> Transition(string owner, string id, string action, TransitionRequest? request, HttpContext context,
        IExceptionStore exceptions, TimeProvider clock, CancellationToken ct)
    {
        if (OperationsRoles.ExceptionRefusal(Caller.OperationsRole(context), owner) is { } forbidden) return Forbidden(forbidden);
        var by = request?.By ?? Caller.Actor(context);
        var (exception, refusal) = await exceptions.TransitionAsync(owner, id, action, by, request?.Note, clock.GetUtcNow(), ct);
        if (exception is null)
            return Http.Problem(StatusCodes.Status404NotFound, "Unknown exception", $"owner '{owner}' has no exception '{id}'", "id");
        return refusal is null ? Results.Ok(exception) : Http.Problem(StatusCodes.Status409Conflict, "Not allowed", refusal, "status");
    }

    private static IResult Forbidden(string refusal) =>
        Http.Problem(StatusCodes.Status403Forbidden, "Not permitted", refusal, Caller.RoleHeaderName);

    /// <summary>The archived blob behind a payload reference: <c>container/name</c>, a POS transaction's with <c>#position</c>.</summary>
    public static (string Container, string Name)? ArchivedBlob(string? reference)
    {
        var slash = reference?.IndexOf('/') ?? -1;
        if (slash <= 0) return null;
        var container = reference![..slash];
        var name = reference[(slash + 1)..].Split('#')[0];
        return container is ContainerNames.RawArchive or ContainerNames.PosUploads && name.Length > 0 ? (container, name) : null;
    }
}

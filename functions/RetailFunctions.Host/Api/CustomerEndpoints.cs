using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Privacy;

namespace RetailFunctions.Host.Api;

/// <summary>
/// Customers and loyalty over HTTP: lookups by any contact point, role-based views, contacts, consent, notes, merges,
/// anonymization, purchase and return activity, and the points ledger (redemption as a tender, adjustments).
/// The caller's role comes from <see cref="InventoryEndpoints.RoleHeader"/> in local mode (Entra ID app roles in Azure).
/// </summary>
public static class CustomerEndpoints
{
    public sealed record CustomerRefRequest(string? Channel, string? ChannelCustomerId, string? Email, string? Phone, string? LoyaltyId);
    public sealed record ActivityRequest(
        string? IdempotencyKey, string? Kind, CustomerRefRequest? Customer, string? OrderId, string? OriginalOrderId, string? Channel, string? Store,
        decimal? Net, string? Currency, DateTimeOffset? OccurredAt);
    public sealed record ContactsRequest(string? Email, string? Phone, string? LoyaltyId, string? Store);
    public sealed record ConsentRequest(bool? Granted, string? Source, DateTimeOffset? At);
    public sealed record NoteRequest(string? Text, string? NoteId);
    public sealed record StoreRequest(string? Store);
    public sealed record MergeRequest(string? OtherId, string? Reason, string? MergeId);
    public sealed record AnonymizeRequest(string? Reason);
    public sealed record RedemptionRequest(string? RedemptionId, long? Points, string? Channel, string? OrderReference);
    public sealed record AdjustmentRequest(long? Points, string? Reason, string? IdempotencyKey);

    private static readonly string[] LoyaltyReaders = [CustomerRoles.StoreAssociate, CustomerRoles.StoreManager, CustomerRoles.Finance, CustomerRoles.Crm, LoyaltyRoles.Checkout];

    public static RouteGroupBuilder MapCustomerRoutes(this RouteGroupBuilder api)
    {
        api.MapGet("/customers", async (string? email, string? phone, string? loyaltyId, string? store, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(email) && string.IsNullOrWhiteSpace(phone) && string.IsNullOrWhiteSpace(loyaltyId))
                return Http.Problem(StatusCodes.Status400BadRequest, "Missing query", "name one of email, phone or loyaltyId", "email");
            return await Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.Readers, "read customer profiles");
                var id = await customers.FindAsync(new CustomerReference(Email: email, Phone: phone, LoyaltyId: loyaltyId, Store: store), ct);
                return await ViewAsync(id, context, customers, clock, ct);
            });
        }).WithSummary("Find a profile by email, phone (E.164 or national with ?store=) or loyalty id; the view depends on the caller's role");

        api.MapGet("/customers/{id}", (string id, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
                Guard(() => ViewAsync(id, context, customers, clock, ct)))
            .WithSummary("A profile as the caller's role may see it (store-associate, store-manager, marketing, finance, crm); a merged id leads to the survivor");

        api.MapPost("/customers/activities", RecordActivity)
            .WithSummary("A purchase or a return from any channel: resolves the shopper, adds it to their history and accrues or reverses points, once per idempotencyKey");

        api.MapPost("/customers/{id}/contacts", (string id, ContactsRequest request, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayEditContacts, "link contact points");
                var linked = await customers.AddContactsAsync(id, new CustomerReference(Email: request.Email, Phone: request.Phone, LoyaltyId: request.LoyaltyId, Store: request.Store), clock.GetUtcNow(), ct);
                return Results.Ok(new { customerId = id, linked = linked.Select(p => p.Kind.ToString()) });
            }))
            .WithSummary("Link an email, phone or loyalty id to a profile (409 when another profile holds it)");

        api.MapPut("/customers/{id}/consent/{purpose}", (string id, string purpose, ConsentRequest request, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayRecordConsent, "record consent");
                if (request.Granted is not { } granted) throw Refused.Invalid("granted", "granted (true or false) is required");
                var choice = new ConsentChoice(granted, string.IsNullOrWhiteSpace(request.Source) ? $"api:{Actor(context)}" : request.Source, request.At ?? clock.GetUtcNow());
                var events = await customers.ExecuteAsync(new CustomerCommand.RecordConsent(id, purpose, choice), ct);
                return Results.Ok(new { customerId = id, purpose, recorded = events.Count > 0, detail = events.Count > 0 ? "recorded" : "a newer choice stands" });
            }))
            .WithSummary("Record an explicit consent choice (email, sms, loyalty, e-receipt); the newest choice wins");

        api.MapPost("/customers/{id}/notes", (string id, NoteRequest request, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayWriteNotes, "write service notes");
                var note = new ServiceNote(request.NoteId ?? Guid.NewGuid().ToString("N"), clock.GetUtcNow(), Actor(context), request.Text ?? "");
                await customers.ExecuteAsync(new CustomerCommand.AddNote(id, note), ct);
                return Results.Ok(new { customerId = id, noteId = note.NoteId });
            }))
            .WithSummary("Add a service note");

        api.MapPut("/customers/{id}/preferred-store", (string id, StoreRequest request, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayEditContacts, "set the preferred store");
                await customers.ExecuteAsync(new CustomerCommand.SetPreferredStore(id, request.Store ?? "", clock.GetUtcNow()), ct);
                return Results.Ok(new { customerId = id, preferredStore = request.Store });
            }))
            .WithSummary("Set the shopper's preferred store");

        api.MapPost("/customers/{id}/merges", (string id, MergeRequest request, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayMerge, "merge profiles");
                if (string.IsNullOrWhiteSpace(request.OtherId)) throw Refused.Invalid("otherId", "otherId (the profile to absorb) is required");
                if (string.IsNullOrWhiteSpace(request.Reason)) throw Refused.Invalid("reason", "a merge needs a reason");
                var mergeId = await customers.MergeAsync(id, request.OtherId, IdentityResolver.ManualRule, request.Reason, Actor(context),
                    request.MergeId ?? $"manual:{Guid.NewGuid():N}", clock.GetUtcNow(), ct);
                return Results.Ok(new { customerId = id, absorbed = request.OtherId, mergeId });
            }))
            .WithSummary("Merge another profile into this one (crm); its points move here");

        api.MapPost("/customers/{id}/merges/{mergeId}/reverse", (string id, string mergeId, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayMerge, "reverse merges");
                await customers.ReverseMergeAsync(id, mergeId, Actor(context), clock.GetUtcNow(), ct);
                return Results.Ok(new { customerId = id, mergeId, reversed = true });
            }))
            .WithSummary("Reverse a merge (crm): both profiles stand alone again and the moved points go back");

        api.MapPost("/customers/{id}/anonymize", (string id, AnonymizeRequest request, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayAnonymize, "anonymize profiles");
                var count = await customers.AnonymizeAsync(id, string.IsNullOrWhiteSpace(request.Reason) ? "erasure request" : request.Reason, clock.GetUtcNow(), ct);
                return Results.Ok(new { customerId = id, anonymized = count });
            }))
            .WithSummary("Remove a profile's personal data (crm); history and points stay under the bare id");

        api.MapPost("/customers/{id}/erase", (string id, AnonymizeRequest request, HttpContext context, PrivacyService privacy, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), CustomerRoles.MayAnonymize, "erase shoppers");
                var outcome = await privacy.EraseCustomerAsync(id, string.IsNullOrWhiteSpace(request.Reason) ? "erasure request" : request.Reason, ct);
                return Results.Ok(new { customerId = id, outcome });
            }))
            .WithSummary("Anonymize a profile and rewrite every stored copy of the shopper's data without it (crm); money and stock records stay");

        api.MapGet("/customers/data-requests/{shop}/{requestId}", (string shop, string requestId, HttpContext context, IBlobStore blobs, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), [CustomerRoles.Crm], "read data-request exports");
                try
                {
                    var export = await blobs.ReadAsync(ContainerNames.PrivacyExports, PrivacyService.ExportName(shop, requestId), ct);
                    return Results.Bytes(export.ToArray(), "application/json");
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                    throw Refused.NotFound("requestId", $"no export for data request {requestId} of {shop} (not compiled yet, or erased since)");
                }
            }))
            .WithSummary("The export compiled for a Shopify customers/data_request (crm), to deliver to the shop owner");

        api.MapGet("/customers/{id}/loyalty", (string id, HttpContext context, CustomerService customers, LoyaltyService loyalty, CancellationToken ct) =>
            Guard(async () =>
            {
                CustomerRoles.Require(Role(context), LoyaltyReaders, "read points");
                var (survivor, state) = await customers.FollowAsync(id, ct);
                if (state is CustomerState.Unknown) throw Refused.NotFound("id", $"no customer {id}");
                return Results.Ok(new { customerId = survivor, loyalty = await loyalty.SummaryAsync(survivor, ct) });
            }))
            .WithSummary("Balance, spendable points and their value, tier, and the newest ledger entries");

        api.MapPost("/customers/{id}/loyalty/redemptions", Redeem)
            .WithSummary("Redeem points as a tender (in store or online), checked against the balance at once; 409 when it is short");

        api.MapPost("/customers/{id}/loyalty/adjustments", (string id, AdjustmentRequest request, HttpContext context, CustomerService customers, LoyaltyService loyalty, TimeProvider clock, CancellationToken ct) =>
            Guard(async () =>
            {
                if (request.Points is not { } points) throw Refused.Invalid("points", "points (signed) is required");
                if (string.IsNullOrWhiteSpace(request.IdempotencyKey)) throw Refused.Invalid("idempotencyKey", "an adjustment needs an idempotency key");
                var (survivor, state) = await customers.FollowAsync(id, ct);
                if (state is not (CustomerState.Active or CustomerState.Anonymized)) throw Refused.NotFound("id", $"no customer {id}");
                var result = await loyalty.ExecuteAsync(new LoyaltyCommand.Adjust(survivor, points, request.Reason ?? "", Role(context), Actor(context),
                    $"adjust:{request.IdempotencyKey}", clock.GetUtcNow()), ct);
                if (result.Refusal is { } refused) throw refused;
                return Results.Ok(new { customerId = survivor, outcome = result.Outcome.ToString(), balance = result.Account.Balance });
            }))
            .WithSummary("A manual adjustment with a reason (store-manager up to a limit, crm)");

        return api;
    }

    private static async Task<IResult> ViewAsync(string? id, HttpContext context, CustomerService customers, TimeProvider clock, CancellationToken ct)
    {
        CustomerRoles.Require(Role(context), CustomerRoles.Readers, "read customer profiles");
        var record = id is null ? null : await customers.GetRecordAsync(id, ct);
        if (record is null) return Http.Problem(StatusCodes.Status404NotFound, "Unknown customer", "no profile matches", "id");
        return Results.Ok(CustomerViews.For(Role(context), record, clock.GetUtcNow()));
    }

    private static Task<IResult> RecordActivity(ActivityRequest request, CustomerService customers, CancellationToken ct) => Guard(async () =>
    {
        var kind = request.Kind?.ToLowerInvariant() switch
        {
            "purchase" => ActivityKind.Purchase,
            "return" => ActivityKind.Return,
            _ => throw Refused.Invalid("kind", "kind is purchase or return"),
        };
        if (request.Net is not { } net) throw Refused.Invalid("net", "net (paid amount excluding tax and gift cards) is required");
        if (request.OccurredAt is not { } at) throw Refused.Invalid("occurredAt", "occurredAt is required");
        var c = request.Customer ?? new CustomerRefRequest(null, null, null, null, null);
        var activity = new CustomerActivity(request.IdempotencyKey ?? "", kind,
            new CustomerReference(c.Channel ?? request.Channel, c.ChannelCustomerId, c.Email, c.Phone, c.LoyaltyId, request.Store),
            request.OrderId ?? "", request.Channel ?? "", request.Store, new Money(net, request.Currency ?? ""), at, request.OriginalOrderId);
        return Results.Ok(await customers.RecordActivityAsync(activity, ct));
    });

    private static Task<IResult> Redeem(string id, RedemptionRequest request, HttpContext context, CustomerService customers, LoyaltyService loyalty, TimeProvider clock, CancellationToken ct) =>
        Guard(async () =>
        {
            CustomerRoles.Require(Role(context), LoyaltyRoles.MayRedeem, "redeem points");
            if (string.IsNullOrWhiteSpace(request.RedemptionId)) throw Refused.Invalid("redemptionId", "a redemption needs its id (the tender line), so a retry is harmless");
            if (request.Points is not { } points) throw Refused.Invalid("points", "points is required");
            var (survivor, state) = await customers.FollowAsync(id, ct);
            if (state is not CustomerState.Active) throw Refused.NotFound("id", $"no active customer {id}");
            var result = await loyalty.ExecuteAsync(new LoyaltyCommand.Redeem(survivor, request.RedemptionId, points, request.Channel ?? Channels.Pos,
                request.OrderReference, clock.GetUtcNow()), ct);
            if (result.Refusal is { } refused) throw refused;
            var redeemed = result.Events.OfType<LoyaltyEvent.Redeemed>().FirstOrDefault();
            return Results.Ok(new
            {
                customerId = survivor,
                redemptionId = request.RedemptionId,
                outcome = result.Outcome.ToString(),
                points = redeemed?.Points ?? points,
                value = redeemed?.Value.Amount,
                currency = loyalty.Program.Currency,
                balance = result.Account.Balance,
            });
        });

    private static string? Role(HttpContext context) => Caller.Role(context);

    private static string Actor(HttpContext context) => Caller.Actor(context);

    /// <summary>Turns a refusal into problem+json: 400 naming the field, 403, 404 or 409.</summary>
    private static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (Refused refused)
        {
            var (status, title) = refused.Kind switch
            {
                RefusalKind.Invalid => (StatusCodes.Status400BadRequest, "Invalid request"),
                RefusalKind.Forbidden => (StatusCodes.Status403Forbidden, "Not permitted"),
                RefusalKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
                _ => (StatusCodes.Status409Conflict, "Refused"),
            };
            return Http.Problem(status, title, refused.Reason, refused.Kind == RefusalKind.Forbidden ? InventoryEndpoints.RoleHeader : refused.Field);
        }
    }
}

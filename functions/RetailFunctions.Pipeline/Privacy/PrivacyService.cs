using System.Text.Json;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Pipeline.Customers;
using RetailFunctions.Pipeline.Orders;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Privacy;

/// <summary>What an erasure sweep did: copies read, rewritten without the personal data, and deleted (exports).</summary>
public sealed record ErasureReport(int Examined, int Rewritten, int Deleted)
{
    public override string ToString() => $"{Examined} copies examined, {Rewritten} rewritten, {Deleted} exports deleted";
}

/// <summary>
/// Shopify's three privacy requests, answered from everything we hold.
/// <list type="bullet">
/// <item>customers/data_request: the shopper's profiles (contacts, consent, history, points) and orders compiled into one
/// JSON export in <see cref="ContainerNames.PrivacyExports"/>, and an exception for <see cref="Owners.Crm"/> naming it,
/// to be delivered to the shop owner.</item>
/// <item>customers/redact: the profiles are anonymized (financial history and points stay under the bare id), then every
/// copy of a payload (raw archive, till uploads, spilled payloads, dead letters, exceptions, queued envelopes, orders)
/// is rewritten without the shopper's personal fields, and their exports are deleted.</item>
/// <item>shop/redact: the same for every shopper the shop sent us, and every document of the shop, whoever it names.</item>
/// </list>
/// Each step loads, decides with pure code (<see cref="PersonalDataRedactor"/>) and saves.
/// </summary>
public sealed class PrivacyService(
    CustomerService customers, IOrderStore orders, IPersonalDataCopies copies, IBlobStore blobs, IExceptionStore exceptions,
    CustomerOptions options, TimeProvider clock)
{
    public const string DataRequestReason = "customer-data-request";
    private const int MaxAttempts = 8;
    private static readonly JsonSerializerOptions ExportJson = new(OrderJson.Options) { WriteIndented = true };

    public static string ExportName(string shop, string requestId) =>
        $"{Messaging.ShopifyEnvelopes.SafeName(shop)}/{Messaging.ShopifyEnvelopes.SafeName(requestId)}.json";

    public async Task<string> ExportAsync(ShopifyDataRequest request, string sourceMessageId, CancellationToken ct)
    {
        var reference = new CustomerReference(SourceSystems.Shopify, request.CustomerId, request.Email, request.Phone);
        var records = await RecordsAsync(await customers.FindAllAsync(reference, ct), ct);
        var held = await OrdersAsync(ShopifyOrders(request.ShopDomain, request.OrdersRequested).Concat(records.SelectMany(OrdersOf)), ct);
        var now = clock.GetUtcNow();
        var export = new
        {
            kind = PrivacyTopics.CustomersDataRequest,
            shop = request.ShopDomain,
            dataRequestId = request.RequestId,
            compiledAt = now,
            customer = new { id = request.CustomerId, email = request.Email, phone = request.Phone },
            ordersRequested = request.OrdersRequested,
            profiles = records.Select(r => CustomerViews.For(CustomerRoles.Crm, r, now)).ToList(),
            orders = held.Select(o => o.Order).ToList(),
        };
        var name = ExportName(request.ShopDomain, request.RequestId);
        await blobs.PutIfAbsentAsync(ContainerNames.PrivacyExports, name, JsonSerializer.SerializeToUtf8Bytes(export, ExportJson), "application/json", ct);
        var summary = $"{records.Count} profiles, {held.Count} orders";
        await exceptions.RaiseAsync(new BusinessException(
            $"data-request:{CustomerService.Hash($"{request.ShopDomain}:{request.RequestId}")}", Owners.Crm, DataRequestReason,
            $"Shopify data request {request.RequestId} from {request.ShopDomain}: {summary} compiled. Fetch GET /api/customers/data-requests/" +
            $"{Messaging.ShopifyEnvelopes.SafeName(request.ShopDomain)}/{Messaging.ShopifyEnvelopes.SafeName(request.RequestId)}, deliver it to the shop owner " +
            "within 30 days, then resolve this exception.",
            sourceMessageId, $"{ContainerNames.PrivacyExports}/{name}",
            new Dictionary<string, string> { ["shop"] = request.ShopDomain, ["dataRequest"] = request.RequestId },
            ExceptionStatuses.Open, now), ct);
        return $"data request {request.RequestId}: {summary} exported to {ContainerNames.PrivacyExports}/{name}";
    }

    public async Task<string> RedactCustomerAsync(ShopifyCustomerRedact request, Func<CancellationToken, Task> keepAlive, CancellationToken ct)
    {
        var reference = new CustomerReference(SourceSystems.Shopify, request.CustomerId, request.Email, request.Phone);
        var target = await TargetAsync(request.ShopDomain, false, reference, await customers.FindAllAsync(reference, ct), request.OrdersToRedact, ct);
        var anonymized = await customers.RedactAsync(request, clock.GetUtcNow(), ct);
        var report = await EraseAsync(target, keepAlive, ct);
        return $"customer redacted: {anonymized} profiles anonymized; {report}";
    }

    public async Task<string> RedactShopAsync(ShopifyShopRedact request, Func<CancellationToken, Task> keepAlive, CancellationToken ct)
    {
        // The shop's shoppers: every profile holding a Shopify customer id, and whoever its web orders name (guests too).
        var ids = new HashSet<string>(await customers.FindHoldersAsync(ContactKind.ChannelId, $"{SourceSystems.Shopify}:", ct), StringComparer.Ordinal);
        foreach (var order in await OrdersAsync(await orders.ListIdsAsync(OrderIds.ForShopify(request.ShopDomain, ""), ct), ct))
            if (order.Order.Draft?.Customer is { } c)
                ids.UnionWith(await customers.FindAllAsync(new CustomerReference(SourceSystems.Shopify, c.ChannelCustomerId, c.Email, c.Phone, c.LoyaltyId), ct));
        var target = await TargetAsync(request.ShopDomain, true, new CustomerReference(), [.. ids], [], ct);
        var anonymized = 0;
        foreach (var id in ids) anonymized += await customers.AnonymizeAsync(id, $"shop/redact from {request.ShopDomain}", clock.GetUtcNow(), ct);
        var report = await EraseAsync(target, keepAlive, ct);
        return $"shop redacted: {anonymized} profiles anonymized; {report}";
    }

    /// <summary>
    /// An erasure an operator was asked for directly (a shopper in store, a letter): the profile an id leads to is
    /// anonymized and every copy of their data is rewritten, as for customers/redact.
    /// </summary>
    public async Task<string> EraseCustomerAsync(string customerId, string reason, CancellationToken ct)
    {
        var (id, state) = await customers.FollowAsync(customerId, ct);
        if (state is CustomerState.Unknown) throw Refused.NotFound("id", $"no customer {customerId}");
        var target = await TargetAsync("", false, new CustomerReference(), [id], [], ct);
        var anonymized = await customers.AnonymizeAsync(id, reason, clock.GetUtcNow(), ct);
        var report = await EraseAsync(target, _ => Task.CompletedTask, ct);
        return $"customer {id} erased: {anonymized} profiles anonymized; {report}";
    }

    /// <summary>
    /// Rewrites every copy that holds the target's personal data: read, redact (pure), write back under the version it
    /// was read at; a copy that changed meanwhile is read and redacted again. Exports of the shopper are deleted.
    /// </summary>
    public async Task<ErasureReport> EraseAsync(ErasureTarget target, Func<CancellationToken, Task> keepAlive, CancellationToken ct)
    {
        int examined = 0, rewritten = 0, deleted = 0;
        await foreach (var listed in copies.ListAsync(ct))
        {
            if (++examined % 100 == 0) await keepAlive(ct);
            for (var (copy, attempt) = (listed, 1); copy is not null; attempt++)
            {
                var redacted = PersonalDataRedactor.Redact(copy.Text, target, target.CoversWhole(copy), copy.Topic);
                if (redacted is null)
                {
                    await copies.ReleaseAsync(copy, ct);
                    break;
                }
                if (copy.Kind == CopyKind.Export)
                {
                    await copies.DeleteAsync(copy, ct);
                    deleted++;
                    break;
                }
                if (await copies.ReplaceAsync(copy, redacted, ct))
                {
                    rewritten++;
                    break;
                }
                if (attempt >= MaxAttempts) throw new InvalidOperationException($"{copy.Kind} {copy.Location} kept changing while it was being redacted");
                copy = await copies.ReloadAsync(copy, ct);
            }
        }
        return new ErasureReport(examined, rewritten, deleted);
    }

    /// <summary>
    /// Everything the shopper may be named by in a copy: the request's identifiers, every identifier and name of their
    /// profiles (read before they are anonymized), their orders and the identifiers those orders carry.
    /// </summary>
    private async Task<ErasureTarget> TargetAsync(string shop, bool wholeShop, CustomerReference reference, IReadOnlyList<string> profileIds,
        IReadOnlyList<string> shopifyOrders, CancellationToken ct)
    {
        var records = await RecordsAsync(profileIds, ct);
        var held = await OrdersAsync(ShopifyOrders(shop, shopifyOrders).Concat(records.SelectMany(OrdersOf)), ct);
        var orderIds = shopifyOrders.Concat(ShopifyOrders(shop, shopifyOrders)).Concat(records.SelectMany(OrdersOf))
            .Concat(held.SelectMany(o => o.Order.Draft?.References.Select(r => r.Value) ?? []).Where(v => v.All(char.IsAsciiDigit)));
        var contacts = ContactPoints.Normalize(reference, options.DefaultRegion).Points
            .Concat(records.SelectMany(r => r.Absorbed.Append(r.Profile)).SelectMany(p => p.Contacts))
            .Concat(held.SelectMany(o => o.Order.Draft?.Customer is { } c
                ? ContactPoints.Normalize(new CustomerReference(SourceSystems.Shopify, c.ChannelCustomerId, c.Email, c.Phone, c.LoyaltyId), options.DefaultRegion).Points
                : []));
        var names = records.SelectMany(r => r.Absorbed.Append(r.Profile)).SelectMany(p => new[] { p.FirstName, p.LastName });
        var regions = options.StoreRegions.Values.Prepend(options.DefaultRegion).Distinct().ToList();
        return ErasureTarget.For(shop, wholeShop, contacts, orderIds, names, regions);
    }

    private async Task<IReadOnlyList<CustomerRecord>> RecordsAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        var records = new List<CustomerRecord>();
        foreach (var id in ids)
            if (await customers.GetRecordAsync(id, ct) is { } record) records.Add(record);
        return records;
    }

    private static IEnumerable<string> OrdersOf(CustomerRecord record) =>
        record.History.SelectMany(h => new[] { h.OrderId, h.OriginalOrderId }).OfType<string>();

    private static IEnumerable<string> ShopifyOrders(string shop, IEnumerable<string> ids) => ids.Select(id => OrderIds.ForShopify(shop, id));

    private async Task<IReadOnlyList<StoredOrder>> OrdersAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        var found = new List<StoredOrder>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
            if (await orders.LoadAsync(id, ct) is { Order.IsKnown: true } stored) found.Add(stored);
        return found;
    }
}

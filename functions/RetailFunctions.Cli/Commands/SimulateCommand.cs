using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RetailFunctions.Chaos;
using Spectre.Console;

namespace RetailFunctions.Cli.Commands;

/// <summary>
/// retail simulate: drives a running runtime with the chaos harness's seeded retail day (catalog, receipts, enrolled
/// shoppers, signed web-store webhooks, till batches, then store actions: pickups, returns in store, goodwill
/// refunds), with a progress bar. No faults and no checks: that is `retail chaos`.
/// </summary>
public static class SimulateCommand
{
    public const string SecretVariable = "RETAILFUNCTIONS_WEBHOOK_SECRET";

    /// <summary>What a simulation sent and what the runtime refused.</summary>
    public sealed record Summary(int Seed, string Size, int Requests, int Webhooks, int TillBatches, int StoreActions, int Poison, IReadOnlyList<string> Refused);

    public static Command Create(GlobalOptions globals, Terminal terminal, Func<string, string?> environment)
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the day: the same seed sends the same day", HelpName = "N", DefaultValueFactory = _ => 1 };
        var size = new Option<string>("--size")
        {
            Description = "small (4 SKUs, 2 stores, 24 web orders, 6 till batches) or large (12 SKUs, 4 stores, 200 web orders, 30 till batches)",
            HelpName = "SIZE",
            DefaultValueFactory = _ => "small",
        }.AcceptOnlyFromAmong("small", "large");
        var secret = new Option<string?>("--secret")
        {
            Description = $"The web store's webhook secret the runtime checks (Shopify:WebhookSecrets), to sign webhooks (default: ${SecretVariable})",
            HelpName = "SECRET",
        };
        var poison = new Option<bool>("--poison") { Description = "Also send the day's poison webhooks (they end in the dead letters) and malformed till transactions" };
        var noStoreActions = new Option<bool>("--no-store-actions") { Description = "Send the day only: no pickups, returns in store or goodwill refunds afterwards" };
        var wait = new Option<int?>("--wait")
        {
            Description = "Seconds to wait for an order to be ready for its store action before giving up on it (default 60)",
            HelpName = "SECONDS",
        }.AtLeast(1);
        var command = new Command("simulate",
            "Drive the running runtime with a seeded retail day, as the chaos harness generates it: maps the catalog (SKUs, stores, the WH-1 " +
            "warehouse), records receipts, enrols shoppers, then sends the day in order (signed web-store order, fulfilment, cancellation and " +
            "refund webhooks, including pickup orders; till batches with loyalty card or phone) and finally the store actions (ready for " +
            "pickup, picked up, returns in store, goodwill refunds). The runtime needs Inventory:DefaultFulfillmentLocation = WH-1 and the " +
            "webhook secret. Exit code 1 when the runtime refused any request.")
        {
            seed, size, secret, poison, noStoreActions, wait,
        };
        command.SetRuntimeAction(globals, terminal, async (parse, cli, ct) =>
        {
            var key = parse.GetValue(secret) is { Length: > 0 } given ? given : environment(SecretVariable);
            if (string.IsNullOrWhiteSpace(key))
                throw new UsageException($"--secret (or ${SecretVariable}) is required: webhooks are signed with the runtime's Shopify:WebhookSecrets");
            var scenario = Scenario.Generate(parse.GetValue(seed), Enum.Parse<ScenarioSize>(parse.GetValue(size)!, ignoreCase: true));
            var simulator = new Simulator(cli.Api, scenario, key, parse.GetValue(poison), TimeSpan.FromSeconds(parse.GetValue(wait) ?? 60));
            var steps = simulator.Steps(includeStoreActions: !parse.GetValue(noStoreActions));
            if (cli.Json)
            {
                foreach (var step in steps) await step.Run(ct);
            }
            else
            {
                await cli.Terminal.Err.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var phases = steps.GroupBy(s => s.Phase).Select(g => (Task: progress.AddTask(g.Key, maxValue: g.Count()), Steps: g.ToList())).ToList();
                        foreach (var (task, phaseSteps) in phases)
                        {
                            foreach (var step in phaseSteps)
                            {
                                await step.Run(ct);
                                task.Increment(1);
                            }
                        }
                    });
            }
            var summary = simulator.Summary();
            if (cli.Json) cli.WriteJson(summary);
            else cli.WriteLine(Render(summary));
            return summary.Refused.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    public static Spectre.Console.Rendering.IRenderable Render(Summary summary)
    {
        var table = new Table().Title($"simulated day: seed {summary.Seed}, {summary.Size}").AddColumn("sent").AddColumn(new TableColumn("count").RightAligned());
        table.AddRow("requests", summary.Requests.ToString(CultureInfo.InvariantCulture));
        table.AddRow("web-store webhooks", summary.Webhooks.ToString(CultureInfo.InvariantCulture));
        table.AddRow("till batches", summary.TillBatches.ToString(CultureInfo.InvariantCulture));
        table.AddRow("store actions", summary.StoreActions.ToString(CultureInfo.InvariantCulture));
        table.AddRow("poison webhooks", summary.Poison.ToString(CultureInfo.InvariantCulture));
        table.AddRow("refused", summary.Refused.Count.ToString(CultureInfo.InvariantCulture));
        var rows = new List<Spectre.Console.Rendering.IRenderable> { table };
        rows.AddRange(summary.Refused.Take(20).Select(r => new Text($"refused: {r}", new Style(Color.Red))));
        return new Rows(rows);
    }

    /// <summary>One request (or one wait-then-request) of the simulation.</summary>
    public sealed record Step(string Phase, Func<CancellationToken, Task> Run);

    /// <summary>Turns a scenario into requests against the runtime's API.</summary>
    public sealed class Simulator(RuntimeApi api, Scenario scenario, string secret, bool poison, TimeSpan wait)
    {
        private readonly List<string> _refused = [];
        private int _requests, _webhooks, _batches, _storeActions, _poison;

        public Summary Summary() => new(scenario.Seed, scenario.Size.ToString().ToLowerInvariant(), _requests, _webhooks, _batches, _storeActions, _poison, _refused);

        public List<Step> Steps(bool includeStoreActions)
        {
            var steps = new List<Step>();
            const string Setup = "catalog, receipts, shoppers";
            steps.Add(new(Setup, ct => PutAsync($"api/catalog/locations/{Scenario.Warehouse}", new
            {
                name = "Web fulfilment warehouse",
                aliases = new[] { new { system = "shopify", value = Scenario.WarehouseShopifyLocation.ToString(CultureInfo.InvariantCulture) } },
            }, ct)));
            foreach (var store in scenario.Stores)
            {
                steps.Add(new(Setup, ct => PutAsync($"api/catalog/locations/{store.Location}", new
                {
                    name = $"Store {store.PosStoreId}",
                    aliases = new[]
                    {
                        new { system = "pos", value = store.PosStoreId },
                        new { system = "shopify", value = store.ShopifyLocationId.ToString(CultureInfo.InvariantCulture) },
                    },
                }, ct)));
            }
            foreach (var sku in scenario.Skus)
            {
                steps.Add(new(Setup, ct => PutAsync($"api/catalog/skus/{sku.Sku}", new
                {
                    title = $"Chaos item {sku.Sku}",
                    aliases = new[]
                    {
                        new { system = "shopify", kind = "variant", value = sku.VariantId.ToString(CultureInfo.InvariantCulture) },
                        new { system = "shopify", kind = "inventory-item", value = sku.InventoryItemId.ToString(CultureInfo.InvariantCulture) },
                        new { system = "pos", kind = "item", value = sku.PosItemId },
                    },
                }, ct)));
            }
            foreach (var receipt in scenario.Receipts)
            {
                steps.Add(new(Setup, ct => SendAsync(HttpMethod.Post, "api/inventory/movements", Json(new
                {
                    sku = receipt.Sku, location = receipt.Location, kind = "receipt", quantity = receipt.Quantity,
                    reason = "simulation: stock for the day", idempotencyKey = receipt.IdempotencyKey,
                }), new Dictionary<string, string> { ["X-RetailFunctions-Role"] = "inventory-manager" }, $"receipt {receipt.IdempotencyKey}", ct)));
            }
            foreach (var shopper in scenario.Shoppers)
            {
                steps.Add(new(Setup, ct => SendAsync(HttpMethod.Post, "api/customers/activities", Json(new
                {
                    idempotencyKey = $"simulate-{scenario.Seed}-enrol-{shopper.Number}", kind = "purchase",
                    customer = new { email = shopper.Email, phone = shopper.Phone, loyaltyId = shopper.LoyaltyId },
                    orderId = $"enrol-{shopper.Number}", channel = "pos", store = scenario.Stores[0].Location, net = 0m, currency = "USD",
                    occurredAt = "2026-11-20T09:00:00Z",
                }), null, $"enrolment of {shopper.Email}", ct)));
            }

            const string Day = "the day: webhooks and till batches";
            foreach (var e in scenario.Events)
            {
                switch (e)
                {
                    case DayEvent.Webhook { IsPoison: true } when !poison:
                        break;
                    case DayEvent.Webhook w:
                        steps.Add(new(Day, ct => WebhookAsync(w, ct)));
                        break;
                    case DayEvent.Upload u:
                        var batch = poison ? u.Batch : u.Batch with { Transactions = [.. u.Batch.Transactions.Where(t => !t.Malformed)] };
                        steps.Add(new(Day, async ct =>
                        {
                            await SendAsync(HttpMethod.Post, "api/pos/transactions", batch.Body(), null, $"till batch {batch.Index}", ct);
                            _batches++;
                        }));
                        break;
                }
            }

            if (!includeStoreActions) return steps;
            const string Store = "store actions: pickups, returns, refunds";
            foreach (var order in scenario.Orders.Where(o => o.IsPickup || o.Return is not null || o.Goodwill is not null))
                steps.Add(new(Store, ct => StoreActionsAsync(order, ct)));
            return steps;
        }

        private static string Json(object body) => JsonSerializer.Serialize(body, body.GetType(), new JsonSerializerOptions(JsonSerializerDefaults.Web));

        private Task PutAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Put, path, Json(body), null, $"PUT {path}", ct);

        private async Task<RuntimeResponse> SendAsync(HttpMethod method, string path, string? json, IReadOnlyDictionary<string, string>? headers, string what,
            CancellationToken ct)
        {
            var response = await api.SendRawAsync(method, path, json, headers, ct);
            _requests++;
            if (!response.IsSuccess)
            {
                var problem = ApiProblem.From(response);
                _refused.Add($"{what}: {response.Status} {problem.Title}{(problem.Detail is null ? "" : $": {problem.Detail}")}");
            }
            return response;
        }

        private async Task WebhookAsync(DayEvent.Webhook w, CancellationToken ct)
        {
            var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(w.Body)));
            var response = await SendAsync(HttpMethod.Post, "api/webhooks/shopify", w.Body, new Dictionary<string, string>
            {
                ["X-Shopify-Hmac-Sha256"] = signature,
                ["X-Shopify-Topic"] = w.Topic,
                ["X-Shopify-Shop-Domain"] = Scenario.Shop,
                ["X-Shopify-Webhook-Id"] = $"simulate-{w.WebhookId}",
                ["X-Shopify-Event-Id"] = $"simulate-event-{w.WebhookId}",
                ["X-Shopify-Triggered-At"] = "2026-11-21T17:00:00Z",
                ["X-Shopify-API-Version"] = "2025-10",
            }, $"{w.Topic} {w.WebhookId}", ct);
            if (response.Status == 401)
                throw new UsageException("the runtime refused the webhook signature: --secret must be one of the runtime's Shopify:WebhookSecrets");
            _webhooks++;
            if (w.IsPoison) _poison++;
        }

        private async Task StoreActionsAsync(WebOrder order, CancellationToken ct)
        {
            var wanted = order.IsPickup ? "Paid" : "Fulfilled";
            var deadline = DateTime.UtcNow + wait;
            JsonElement view;
            while (true)
            {
                var found = await api.SendAsync(HttpMethod.Get, $"api/orders/by-channel/shopify/{order.OrderId}", null, ct);
                if (found.IsSuccess && (view = found.Json()).GetProperty("status").GetString() == wanted) break;
                if (DateTime.UtcNow > deadline)
                {
                    _refused.Add($"web order {order.OrderId}: not {wanted} after {wait.TotalSeconds:0} s; its store actions were not sent");
                    return;
                }
                await Task.Delay(500, ct);
            }
            var orderId = Route.Segment(view.GetProperty("orderId").GetString()!);
            var user = new Dictionary<string, string> { ["X-RetailFunctions-User"] = "simulated-associate" };
            if (order.IsPickup && view.GetProperty("shipments") is { ValueKind: JsonValueKind.Array } shipments && shipments.GetArrayLength() > 0)
            {
                var shipment = Route.Segment(shipments[0].GetProperty("shipmentId").GetString()!);
                await SendAsync(HttpMethod.Post, $"api/orders/{orderId}/shipments/{shipment}/ready-for-pickup", "{}", user, $"order {order.OrderId} ready for pickup", ct);
                _storeActions++;
                if (order.Pickup == PickupFate.Collected)
                {
                    await SendAsync(HttpMethod.Post, $"api/orders/{orderId}/shipments/{shipment}/picked-up", "{}", user, $"order {order.OrderId} picked up", ct);
                    _storeActions++;
                }
            }
            if (order.Return is { } r)
            {
                await SendAsync(HttpMethod.Post, $"api/orders/{orderId}/returns", Json(new
                {
                    returnId = r.ReturnId, location = r.Store.Location,
                    lines = new[] { new { lineId = r.Line.LineId.ToString(CultureInfo.InvariantCulture), quantity = r.Quantity, disposition = r.Damaged ? "damaged" : "sellable" } },
                }), user, $"order {order.OrderId} return {r.ReturnId}", ct);
                _storeActions++;
            }
            if (order.Goodwill is { } g)
            {
                await SendAsync(HttpMethod.Post, $"api/orders/{orderId}/refunds", Json(new { refundId = g.RefundId, amount = g.Amount, reason = "goodwill" }), user,
                    $"order {order.OrderId} refund {g.RefundId}", ct);
                _storeActions++;
            }
        }
    }
}

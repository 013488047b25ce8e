namespace RetailFunctions.Chaos;

/// <summary>Which faults a run injects; each can be switched off on its own.</summary>
public sealed record Faults
{
    /// <summary>Webhooks sent twice (same X-Shopify-Webhook-Id, or re-sent as a new event) and till batches uploaded twice.</summary>
    public bool Duplicates { get; init; } = true;

    /// <summary>Events shuffled within a window: a cancellation or fulfilment may arrive before its order's creation.</summary>
    public bool Reorder { get; init; } = true;

    /// <summary>Signed webhooks that cannot be mapped, and malformed till transactions inside batches.</summary>
    public bool Poison { get; init; } = true;

    /// <summary>The runtime process killed mid-run and started again.</summary>
    public bool Kill { get; init; } = true;

    /// <summary>Two runtime processes consuming the same queues; requests alternate between them.</summary>
    public bool TwoInstances { get; init; } = true;

    /// <summary>The web store's Admin API answers bursts of 429 and 503.</summary>
    public bool ChannelFaults { get; init; } = true;

    /// <summary>
    /// Azurite stopped and started again on the same ports while the store actions are sent. The chaos run keeps
    /// Azurite's data on disk (--location), so a restart is an outage, not a lost storage account.
    /// </summary>
    public bool AzuriteRestart { get; init; } = true;

    public double DuplicateRate { get; init; } = 0.2;
    public double UploadDuplicateRate { get; init; } = 0.3;
    public int ReorderWindow { get; init; } = 6;

    /// <summary>Share of cancelled or fulfilled orders whose cancellation or fulfilment is sent before their creation.</summary>
    public double EarlyEndRate { get; init; } = 0.15;

    public static Faults All { get; } = new();
    public static Faults None { get; } = new()
    {
        Duplicates = false, Reorder = false, Poison = false, Kill = false, TwoInstances = false, ChannelFaults = false, AzuriteRestart = false,
    };

    public override string ToString() =>
        string.Join(", ", new[]
        {
            Duplicates ? $"duplicates ({DuplicateRate:P0} of webhooks, {UploadDuplicateRate:P0} of batches)" : null,
            Reorder ? $"reordering (window {ReorderWindow}, {EarlyEndRate:P0} of ended orders ended before created)" : null,
            Poison ? "poison" : null,
            Kill ? "kill/restart" : null,
            TwoInstances ? "two instances" : null,
            ChannelFaults ? "channel 429/503 bursts" : null,
            AzuriteRestart ? "Azurite restart" : null,
        }.OfType<string>().DefaultIfEmpty("none"));
}

/// <summary>One request to send, in sending order.</summary>
public abstract record Send
{
    public sealed record Webhook(DayEvent.Webhook Event, string WebhookId, string EventId, bool Duplicate) : Send;

    public sealed record Upload(DayEvent.Upload Event, bool Duplicate) : Send;

    /// <summary>Kill a runtime process here and start a new one with the same settings.</summary>
    public sealed record KillRuntime : Send;

    /// <summary>The web store starts answering a burst of throttles and server errors.</summary>
    public sealed record ChannelBurst : Send;
}

/// <summary>The seeded order in which the day is sent, with the faults woven in.</summary>
public sealed record FaultPlan(IReadOnlyList<Send> Sends, int Reordered, int ArrivedBeforeCreate, int WebhookDuplicates, int UploadDuplicates, int PoisonWebhooks,
    int MalformedTransactions)
{
    public static FaultPlan Build(Scenario scenario, Faults faults)
    {
        var random = new Random(unchecked(scenario.Seed * 7919 + 17));
        var events = scenario.Events.Where(e => faults.Poison || e is not DayEvent.Webhook { IsPoison: true }).ToList();

        var inScenarioOrder = events.ToList();
        var reordered = 0;
        if (faults.Reorder)
        {
            for (var start = 0; start < events.Count; start += faults.ReorderWindow)
            {
                var count = Math.Min(faults.ReorderWindow, events.Count - start);
                var window = events.GetRange(start, count).OrderBy(_ => random.Next()).ToList();
                for (var i = 0; i < count; i++) events[start + i] = window[i];
            }
            // And some orders' cancellation or fulfilment is moved to just before their creation.
            foreach (var order in scenario.Orders.Where(o => o.Fate != OrderFate.Open))
            {
                if (random.NextDouble() >= faults.EarlyEndRate) continue;
                var create = events.FindIndex(e => e is DayEvent.Webhook { Topic: "orders/create" } w && w.OrderId == order.OrderId);
                var end = events.FindIndex(e => e is DayEvent.Webhook { Topic: "orders/fulfilled" or "orders/cancelled" } w && w.OrderId == order.OrderId);
                if (create < 0 || end < create) continue;
                var moved = events[end];
                events.RemoveAt(end);
                events.Insert(create, moved);
            }
            reordered = events.Where((e, i) => e.Index != inScenarioOrder[i].Index).Count();
        }

        var sends = new List<Send>();
        foreach (var e in events)
        {
            sends.Add(e switch
            {
                DayEvent.Webhook w => new Send.Webhook(w, w.WebhookId, $"event-{w.WebhookId}", false),
                DayEvent.Upload u => new Send.Upload(u, false),
                _ => throw new InvalidOperationException(e.GetType().Name),
            });
        }

        int webhookDuplicates = 0, uploadDuplicates = 0;
        if (faults.Duplicates)
        {
            var originals = sends.ToList();
            foreach (var original in originals)
            {
                Send? copy = original switch
                {
                    Send.Webhook { Event.IsPoison: false } w when random.NextDouble() < faults.DuplicateRate =>
                        // Shopify retries with the same webhook id; a re-sent event gets new ids and the same body.
                        random.Next(3) == 0 ? w with { WebhookId = $"{w.WebhookId}-resent", EventId = $"event-{w.WebhookId}-resent", Duplicate = true } : w with { Duplicate = true },
                    Send.Upload u when random.NextDouble() < faults.UploadDuplicateRate => u with { Duplicate = true },
                    _ => null,
                };
                if (copy is null) continue;
                if (copy is Send.Webhook) webhookDuplicates++;
                else uploadDuplicates++;
                var at = sends.IndexOf(original) + 1 + random.Next(0, 8);
                sends.Insert(Math.Min(at, sends.Count), copy);
            }
        }

        // Orders whose first request to be sent is not their creation.
        var arrivedBeforeCreate = sends.OfType<Send.Webhook>().Where(w => w.Event.OrderId is not null)
            .GroupBy(w => w.Event.OrderId).Count(g => g.First().Event.Topic != "orders/create");

        if (faults.ChannelFaults)
        {
            foreach (var fraction in new[] { 0.2, 0.45, 0.7, 0.9 })
                sends.Insert((int)(sends.Count * fraction), new Send.ChannelBurst());
        }
        if (faults.Kill)
            sends.Insert(sends.Count / 2, new Send.KillRuntime());

        var poison = sends.OfType<Send.Webhook>().Count(w => w.Event.IsPoison);
        var malformed = faults.Poison ? scenario.Uploads.Sum(u => u.Transactions.Count(t => t.Malformed)) : 0;
        return new FaultPlan(sends, reordered, arrivedBeforeCreate, webhookDuplicates, uploadDuplicates, poison, malformed);
    }
}

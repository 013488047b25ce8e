using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RetailFunctions.Cli.Formatting;

/// <summary>
/// An order's business timeline: status changes, payments, shipments, returns, refunds and the exceptions that name
/// the order, in time order, under a header with what the order is and where it stands.
/// </summary>
public static class TraceView
{
    public sealed record Step(DateTimeOffset? At, string What, string Detail, string Kind);

    public static IReadOnlyList<Step> Timeline(JsonElement order, IEnumerable<JsonElement> exceptions)
    {
        var steps = new List<Step>();
        foreach (var h in order.Member("history").Items())
            steps.Add(new(At(h, "at"), $"status {h.Text("status")}", h.Text("cause"), "status"));
        foreach (var p in order.Member("payments").Items())
        {
            var tender = p.Member("tender") is { } t ? $"{t.Text("method")}{(t.Text("last4") is { Length: > 0 } last4 ? $" ...{last4}" : "")}" : "";
            foreach (var tx in p.Member("transactions").Items())
                steps.Add(new(At(tx, "at"), $"payment {tx.Text("kind")} {tx.Text("amount")}", $"{tender} {tx.Text("transactionId")}".Trim(), "payment"));
        }
        foreach (var s in order.Member("shipments").Items())
        {
            var lines = string.Join(", ", s.Member("lines").Items().Select(l => $"{l.Text("sku")} x{l.Text("quantity")} ({l.Text("reservation")})"));
            var deadline = s.Text("pickupDeadline") is { Length: > 0 } d ? $"; pickup by {d}" : "";
            steps.Add(new(At(s, "completedAt"), $"shipment {s.Text("shipmentId")} {s.Text("stage")}",
                $"{s.Text("method")} at {s.Text("location")}: {lines}{deadline}", "shipment"));
        }
        foreach (var r in order.Member("returns").Items())
        {
            var lines = string.Join(", ", r.Member("lines").Items().Select(l => $"{l.Text("sku")} x{l.Text("quantity")} {l.Text("disposition")} {l.Text("amount")}"));
            steps.Add(new(At(r, "at"), $"return {r.Text("returnId")}", $"at {r.Text("location")} by {r.Text("actor")}: {lines}", "return"));
        }
        foreach (var r in order.Member("refunds").Items())
        {
            var total = Sum(r, "goods") + Sum(r, "tax") + Sum(r, "shipping");
            var tenders = string.Join(", ", r.Member("tenders").Items().Select(t => $"{t.Text("method")} {t.Text("amount")}"));
            var credit = Sum(r, "storeCredit") > 0m ? $", store credit {r.Text("storeCredit")}" : "";
            steps.Add(new(At(r, "at"), $"refund {r.Text("refundId")} {total.ToString("0.00", CultureInfo.InvariantCulture)}",
                $"{r.Text("reason")}{(r.Text("returnId") is { Length: > 0 } ret ? $" (return {ret})" : "")}: {tenders}{credit}", "refund"));
        }
        foreach (var e in exceptions)
            steps.Add(new(At(e, "raisedAt"), $"exception {e.Text("reason")} ({e.Text("status")})", $"{e.Text("owner")} {e.Text("id")}: {e.Text("detail")}", "exception"));
        return [.. steps.OrderBy(s => s.At ?? DateTimeOffset.MaxValue).ThenBy(s => s.Kind == "status" ? 1 : 0)];
    }

    /// <summary>Whether an exception names the order: its id or one of its channel references appears in it.</summary>
    public static bool Names(JsonElement exception, JsonElement order)
    {
        var text = exception.GetRawText();
        var keys = new List<string> { order.Text("orderId") };
        keys.AddRange(order.Member("references").Items().Select(r => r.Text("value")).Where(v => v.Length >= 4));
        return keys.Any(k => k.Length > 0 && text.Contains(k, StringComparison.OrdinalIgnoreCase));
    }

    public static IRenderable Render(JsonElement order, IReadOnlyList<Step> steps)
    {
        var totals = order.Member("totals");
        var references = string.Join(", ", order.Member("references").Items().Select(r => $"{r.Text("system")} {r.Text("kind")} {r.Text("value")}"));
        var header = new Grid().AddColumn().AddColumn();
        header.AddRow(Values.Cell("order"), Values.Cell(order.Text("orderId")));
        header.AddRow(Values.Cell("channel"), Values.Cell($"{order.Text("channel")} ({references})"));
        header.AddRow(Values.Cell("status"), Values.Cell(order.Text("status"), StatusStyle(order.Text("status"))));
        header.AddRow(Values.Cell("method"), Values.Cell($"{order.Text("method")}{(order.Text("location") is { Length: > 0 } l ? $" at {l}" : "")}"));
        if (totals is { } t)
            header.AddRow(Values.Cell("money"), Values.Cell($"total {t.Text("total")}, captured {t.Text("captured")}, refunded {t.Text("refunded")}, refundable {t.Text("refundable")} {order.Text("currency")}"));
        if (order.Text("pendingEffects") is { Length: > 0 } pending && pending != "0")
            header.AddRow(Values.Cell("pending"), Values.Cell($"{pending} effect(s) not yet run", new Style(Color.Yellow)));

        var table = Values.NewTable("when (UTC)", "what", "detail");
        foreach (var step in steps)
        {
            var style = step.Kind switch { "exception" => new Style(Color.Red), "status" => new Style(Color.Blue), _ => Style.Plain };
            table.AddRow(Values.Cell(step.At?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-"), Values.Cell(step.What, style), Values.Cell(step.Detail));
        }
        table.Caption = new TableTitle($"{steps.Count} step(s)");
        return new Rows(header, table);
    }

    private static Style StatusStyle(string status) => status switch
    {
        "Cancelled" or "Backordered" => new Style(Color.Red),
        "Closed" or "Fulfilled" => new Style(Color.Green),
        _ => Style.Plain,
    };

    private static decimal Sum(JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.Number } n && n.TryGetDecimal(out var d) ? d : 0m;

    private static DateTimeOffset? At(JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.String } s && DateTimeOffset.TryParse(s.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at
            : null;
}

using RetailFunctions.Testing;
using System.Text.Json;

namespace RetailFunctions.Cli.Tests;

/// <summary>The CLI, run in process, against the real runtime process and a real Azurite.</summary>
public class RuntimeTests(RuntimeFixture runtime) : IClassFixture<RuntimeFixture>
{
    private static bool Has(JsonElement array, Func<JsonElement, bool> match) =>
        array.ValueKind == JsonValueKind.Array && array.EnumerateArray().Any(match);

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    [Fact]
    public async Task Health_OfTheRunningRuntime_IsHealthy()
    {
        var run = await runtime.RetailAsync("health");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("status: healthy", run.Output);
        Assert.Contains("shopify-webhooks", run.Output);
        Assert.Contains("backpressure: 503 beyond depth", run.Output);

        var json = await runtime.RetailAsync("health", "--json");
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        Assert.Equal("healthy", JsonDocument.Parse(json.Output).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AFunctionKeyFromTheEnvironment_IsSent_AndAMissingOneIsExplained()
    {
        var withEnvironment = await Cli.RunWithEnvironmentAsync(new Dictionary<string, string>
        {
            [GlobalOptions.UrlVariable] = runtime.Url,
            [GlobalOptions.KeyVariable] = RuntimeFixture.FunctionKey,
        }, "exceptions", "list");
        Assert.Equal(ExitCodes.Ok, withEnvironment.ExitCode);

        var without = await Cli.RunAsync("exceptions", "list", "--url", runtime.Url);
        Assert.Equal(ExitCodes.Failed, without.ExitCode);
        Assert.Contains("error: HTTP 401 Function key required", without.Error);
        Assert.Contains("--key", without.Error);
    }

    [Fact]
    public async Task Stock_AfterAReceipt_ShowsTheLocation_AndMovementsShowTheReceipt()
    {
        await runtime.ReceiveAsync("CLI-STOCK-1", "WH-1", 12);
        var run = await runtime.RetailAsync("stock", "CLI-STOCK-1");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("WH-1", run.Output);
        Assert.Contains("12", run.Output);
        Assert.Contains("ATP web", run.Output);
        Assert.Contains("total on hand 12", run.Output);

        var json = await runtime.RetailAsync("stock", "CLI-STOCK-1", "--json");
        var level = JsonDocument.Parse(json.Output).RootElement.GetProperty("locations")[0];
        Assert.Equal(12m, level.GetProperty("onHand").GetDecimal());

        await runtime.ReceiveAsync("CLI-STOCK-1", "WH-1", 3);
        var movements = await runtime.RetailAsync("movements", "CLI-STOCK-1", "--location", "WH-1", "--page-size", "1");
        Assert.Equal(ExitCodes.Ok, movements.ExitCode);
        Assert.Contains("2 movement(s) of CLI-STOCK-1", movements.Output);
        Assert.Contains("receipt", movements.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ExceptionsList_ShowsTheUnmappedSkuOfAnUnknownVariant()
    {
        await runtime.SendWebhookAsync("orders/create", Payloads.Order(7770000000001, 8880000000001, 912345678901201, "CLI-NOT-IN-CATALOG", 1), "cli-unmapped-1");
        await runtime.EventuallyAsync(["exceptions", "list", "--owner", "inventory"],
            list => Has(list, e => Str(e, "reason") == "unmapped-sku" && Str(e, "detail").Contains("912345678901201")), "the unmapped-sku exception");

        var run = await runtime.RetailAsync("exceptions", "list", "--owner", "inventory", "--status", "open");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("unmapped-sku", run.Output);
        Assert.Contains("912345678901201", run.Output);
        Assert.Contains("raw-archive/shopify/", run.Output);
    }

    [Fact]
    public async Task DeadLettersList_ShowsAPoisonMessage()
    {
        await runtime.SendWebhookAsync("orders/create", """{ "line_items": [], "currency": "USD" }""", "cli-poison-1");
        await runtime.EventuallyAsync(["deadletters", "list"],
            list => Has(list, d => d.TryGetProperty("envelope", out var e) && Str(e, "correlationId") == "cli-poison-1"), "the dead letter");

        var run = await runtime.RetailAsync("deadletters", "list", "--queue", "shopify-webhooks");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("cli-poison-1", run.Output);
        Assert.Contains("PayloadException", run.Output);
        Assert.Contains("shopify-webhooks", run.Output);
    }

    [Fact]
    public async Task Batch_OfAnUnmappedStore_HighlightsTheExceptionRow()
    {
        var batchId = await runtime.UploadPosLogAsync(Payloads.PosLogSale("7701", "1", "CLI-APPLE"));
        await runtime.EventuallyAsync(["batch", batchId], b => Str(b.GetProperty("batch"), "status") == "completed", "the batch to complete");

        var run = await runtime.RetailAsync("batch", batchId);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains(batchId, run.Output);
        Assert.Contains("completed", run.Output);
        Assert.Contains("exception", run.Output);
        Assert.Contains("1 transaction(s), 1 need attention", run.Output);
    }

    [Fact]
    public async Task UnknownBatch_PrintsTheProblemAndExitsOne()
    {
        var run = await runtime.RetailAsync("batch", "no-such-batch");
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("error: HTTP 404 Unknown batch", run.Error);
        Assert.Contains("no POS batch has the id 'no-such-batch'", run.Error);
        Assert.Contains("field: batchId", run.Error);
    }

    [Fact]
    public async Task Exception_IsAcknowledgedThenResolved_AndAResolvedOneCannotBeResolvedAgain()
    {
        await runtime.SendWebhookAsync("orders/create", Payloads.Order(7770000000002, 8880000000002, 912345678901202, "CLI-ACK", 1), "cli-unmapped-2");
        var list = await runtime.EventuallyAsync(["exceptions", "list", "--owner", "inventory"],
            l => Has(l, e => Str(e, "detail").Contains("912345678901202")), "the exception to act on");
        var id = Str(list.EnumerateArray().First(e => Str(e, "detail").Contains("912345678901202")), "id");

        var ack = await runtime.RetailAsync("exceptions", "ack", "inventory", id, "--by", "ana", "--note", "mapping the variant");
        Assert.True(ack.ExitCode == ExitCodes.Ok, ack.All);
        Assert.Contains("now acknowledged", ack.Output);
        Assert.Contains("ana acknowledge: mapping the variant", ack.Output);

        var resolve = await runtime.RetailAsync("exceptions", "resolve", "inventory", id, "--by", "ana", "--note", "mapped");
        Assert.True(resolve.ExitCode == ExitCodes.Ok, resolve.All);
        Assert.Contains("now resolved", resolve.Output);

        var again = await runtime.RetailAsync("exceptions", "resolve", "inventory", id, "--by", "ana");
        Assert.Equal(ExitCodes.Failed, again.ExitCode);
        Assert.Contains("HTTP 409", again.Error);
        Assert.Contains("cannot be resolved", again.Error);

        var resolved = await runtime.RetailAsync("exceptions", "list", "--owner", "inventory", "--status", "resolved", "--json");
        Assert.Contains(JsonDocument.Parse(resolved.Output).RootElement.EnumerateArray(), e => Str(e, "id") == id);
    }

    [Fact]
    public async Task DeadLetter_IsReplayed_AndForceReplaysItAgain()
    {
        await runtime.SendWebhookAsync("orders/create", """{ "line_items": [], "currency": "EUR" }""", "cli-poison-2");
        var list = await runtime.EventuallyAsync(["deadletters", "list"],
            l => Has(l, d => d.TryGetProperty("envelope", out var e) && Str(e, "correlationId") == "cli-poison-2"), "the dead letter");
        var id = Str(list.EnumerateArray().First(d => Str(d.GetProperty("envelope"), "correlationId") == "cli-poison-2"), "id");

        var replay = await runtime.RetailAsync("deadletters", "replay", "--id", id);
        Assert.True(replay.ExitCode == ExitCodes.Ok, replay.All);
        Assert.Contains("replayed 1, skipped 0", replay.Output);
        Assert.Contains(id, replay.Output);

        // Skipped while it stands replayed; once the replayed message has failed again and been parked anew, it is
        // eligible again: either way the CLI reports the runtime's count of one.
        var again = await runtime.RetailAsync("deadletters", "replay", "--id", id, "--json");
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        var answer = JsonDocument.Parse(again.Output).RootElement;
        Assert.Equal(1, answer.GetProperty("replayed").GetInt32() + answer.GetProperty("skipped").GetInt32());

        var forced = await runtime.RetailAsync("deadletters", "replay", "--id", id, "--force");
        Assert.Equal(ExitCodes.Ok, forced.ExitCode);
        Assert.Contains("replayed 1, skipped 0", forced.Output);
    }

    [Fact]
    public async Task ManyIds_AreReplayedInGroups()
    {
        var ids = Enumerable.Range(0, 120).Select(i => $"cli-absent-{i}").SelectMany(i => new[] { "--id", i }).ToArray();
        var run = await runtime.RetailAsync(["deadletters", "replay", .. ids]);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.All);
        Assert.Contains("replayed 0, skipped 0", run.Output);
    }

    [Fact]
    public async Task RawReplay_RedeliversAnArchivedWebhook()
    {
        await runtime.SendWebhookAsync("orders/create", Payloads.Order(7770000000003, 8880000000003, 912345678901203, "CLI-RAW", 1), "cli-raw-1");
        var list = await runtime.EventuallyAsync(["exceptions", "list", "--owner", "inventory"],
            l => Has(l, e => Str(e, "detail").Contains("912345678901203")), "the archived webhook's exception");
        var reference = Str(list.EnumerateArray().First(e => Str(e, "detail").Contains("912345678901203")), "payloadReference");

        var run = await runtime.RetailAsync("replay", "raw", "--shop", RuntimeFixture.Shop, "--blob", reference);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.All);
        Assert.Contains($"replayed 1 archived webhook(s) of {RuntimeFixture.Shop}", run.Output);

        var window = await runtime.RetailAsync("replay", "raw", "--shop", RuntimeFixture.Shop, "--from", DateTimeOffset.UtcNow.AddDays(-1).ToString("O"),
            "--to", DateTimeOffset.UtcNow.AddDays(1).ToString("O"), "--json");
        Assert.True(window.ExitCode == ExitCodes.Ok, window.All);
        Assert.True(JsonDocument.Parse(window.Output).RootElement.GetProperty("replayed").GetInt32() >= 1, window.Output);
    }
}

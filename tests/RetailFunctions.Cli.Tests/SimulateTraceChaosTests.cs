using System.Text.Json;
using RetailFunctions.Chaos;
using RetailFunctions.Cli.Commands;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Tests;

/// <summary>retail simulate, retail trace and retail chaos: what they accept and refuse before any request, and their output.</summary>
public class SimulateTraceChaosParsingTests
{
    [Fact]
    public async Task Chaos_Print_ShowsTheHarnessCommandWithTheSwitchesPassedThrough()
    {
        var run = await Cli.RunAsync("chaos", "--print", "--seed", "3", "--size", "large", "--no-kill", "--no-azurite-restart", "--quiet");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("dotnet run -c Release --project", run.Output);
        Assert.Contains(ChaosCommand.HarnessProject.Replace('/', Path.DirectorySeparatorChar), run.Output);
        Assert.Contains("-- --seed 3 --size large --no-kill --no-azurite-restart --quiet", run.Output);
    }

    [Fact]
    public async Task Chaos_OutsideTheSourceTree_ExplainsWhereItRuns()
    {
        var empty = Directory.CreateTempSubdirectory("retail-chaos-cli-").FullName;
        var run = await Cli.RunAsync("chaos", "--repo", empty);
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("was not found", run.Error);
        Assert.Contains("bash eng/chaos.sh", run.Error);
    }

    [Fact]
    public async Task Chaos_AnUnknownSize_IsAUsageError()
    {
        var run = await Cli.RunAsync("chaos", "--size", "huge", "--print");
        Assert.NotEqual(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("huge", run.All);
    }

    [Fact]
    public async Task Simulate_WithoutTheWebhookSecret_IsRefusedBeforeCallingTheRuntime()
    {
        // The address is closed: reaching it would exit 2, so exit 1 proves nothing was sent.
        var run = await Cli.RunAsync("simulate", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("--secret", run.Error);
        Assert.Contains(SimulateCommand.SecretVariable, run.Error);
    }

    [Fact]
    public async Task Simulate_AgainstNothing_ExitsTwo()
    {
        var run = await Cli.RunWithEnvironmentAsync(new Dictionary<string, string> { [SimulateCommand.SecretVariable] = "s" }, "simulate", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("cannot reach the runtime", run.Error);
    }

    [Fact]
    public async Task Trace_AgainstNothing_ExitsTwo_AndAnUnknownChannelIsAUsageError()
    {
        var run = await Cli.RunAsync("trace", "web-1", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);

        var channel = await Cli.RunAsync("trace", "web-1", "--channel", "fax", "--url", Cli.ClosedUrl());
        Assert.NotEqual(ExitCodes.Ok, channel.ExitCode);
        Assert.Contains("fax", channel.All);
    }

    [Fact]
    public async Task Help_NamesTheNewCommands_AndExplainsThem()
    {
        var root = await Cli.RunAsync("--help");
        Assert.Contains("simulate", root.Output);
        Assert.Contains("chaos", root.Output);
        Assert.Contains("trace", root.Output);

        var simulate = await Cli.RunAsync("simulate", "--help");
        Assert.Contains("--seed", simulate.Output);
        Assert.Contains("--no-store-actions", simulate.Output);
        var trace = await Cli.RunAsync("trace", "--help");
        Assert.Contains("timeline", trace.Output);
        var chaos = await Cli.RunAsync("chaos", "--help");
        Assert.Contains("--no-azurite-restart", chaos.Output);
        Assert.Contains("oracle", chaos.Output);
    }

    [Fact]
    public void Timeline_PutsPaymentsShipmentsReturnsRefundsAndExceptionsInTimeOrder()
    {
        using var order = JsonDocument.Parse("""
            {"orderId":"web-x-1","channel":"web","status":"Fulfilled","currency":"USD","references":[{"system":"shopify","kind":"id","value":"5100000001"}],
             "totals":{"total":24,"captured":24,"refunded":12,"refundable":12},
             "history":[{"status":"Placed","at":"2026-11-21T15:00:00Z","cause":"OrderPlaced"},{"status":"Fulfilled","at":"2026-11-21T17:00:00Z","cause":"ChannelFulfilled"}],
             "payments":[{"tender":{"method":"card","last4":"4242"},"transactions":[{"transactionId":"t1","kind":"Capture","amount":24,"at":"2026-11-21T15:00:01Z"}]}],
             "shipments":[{"shipmentId":"S1","location":"WH-1","method":"Ship","stage":"Shipped","lines":[{"sku":"A","quantity":2,"reservation":"Consumed"}],"completedAt":"2026-11-21T17:00:00Z"}],
             "returns":[{"returnId":"R-1","location":"STORE-01","actor":"associate","at":"2026-11-22T10:00:00Z","lines":[{"sku":"A","quantity":1,"disposition":"Damaged","amount":12}]}],
             "refunds":[{"refundId":"R-1","returnId":"R-1","goods":12,"tax":0,"shipping":0,"storeCredit":0,"reason":"return","at":"2026-11-22T10:00:00Z","tenders":[{"method":"card","amount":12}]}]}
            """);
        using var exception = JsonDocument.Parse("""{"id":"e1","owner":"finance","reason":"refund-shortfall","status":"open","raisedAt":"2026-11-22T10:00:05Z","detail":"order web-x-1 short by 1.00"}""");
        using var other = JsonDocument.Parse("""{"id":"e2","owner":"inventory","reason":"backorder","status":"open","raisedAt":"2026-11-22T10:00:05Z","detail":"order web-y-2"}""");

        Assert.True(TraceView.Names(exception.RootElement, order.RootElement));
        Assert.False(TraceView.Names(other.RootElement, order.RootElement));
        var steps = TraceView.Timeline(order.RootElement, [exception.RootElement]);
        Assert.Equal(["status Placed", "payment Capture 24", "shipment S1 Shipped", "status Fulfilled", "return R-1", "refund R-1 12.00", "exception refund-shortfall (open)"],
            steps.Select(s => s.What));
        var text = Values.Plain(TraceView.Render(order.RootElement, steps));
        Assert.Contains("total 24, captured 24, refunded 12, refundable 12 USD", text);
        Assert.Contains("at STORE-01 by associate: A x1 Damaged 12", text);
    }
}

/// <summary>retail simulate and retail trace against the real runtime process on a real Azurite.</summary>
public class SimulateTraceRuntimeTests(RuntimeFixture runtime) : IClassFixture<RuntimeFixture>
{
    [Fact]
    public async Task Simulate_SendsASeededDay_ThenTraceShowsAnOrdersTimeline_AndAnUnknownOrderFails()
    {
        var run = await runtime.RetailAsync("simulate", "--seed", "5", "--secret", RuntimeFixture.Secret, "--wait", "90");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.All);
        Assert.Contains("simulated day: seed 5, small", run.Output);
        Assert.Contains("web-store webhooks", run.Output);

        var scenario = Scenario.Generate(5, ScenarioSize.Small);
        var returned = scenario.Orders.First(o => o.Return is not null);
        var trace = await runtime.RetailAsync("trace", returned.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--channel", "shopify");
        Assert.True(trace.ExitCode == ExitCodes.Ok, trace.All);
        Assert.Contains("status Fulfilled", trace.Output);
        Assert.Contains("payment Capture", trace.Output);
        Assert.Contains($"return {returned.Return!.ReturnId}", trace.Output);
        Assert.Contains($"at {returned.Return.Store.Location}", trace.Output);

        var sale = scenario.Uploads.SelectMany(u => u.Transactions.Where(t => t is { IsReturn: false, Malformed: false }).Select(t => $"{u.Store.PosStoreId}-{t.Sequence}")).First();
        var till = await runtime.RetailAsync("trace", sale, "--json");
        Assert.True(till.ExitCode == ExitCodes.Ok, till.All);
        Assert.Equal("Closed", JsonDocument.Parse(till.Output).RootElement.GetProperty("order").GetProperty("status").GetString());

        var unknown = await runtime.RetailAsync("trace", "no-such-order-42");
        Assert.Equal(ExitCodes.Failed, unknown.ExitCode);
        Assert.Contains("no order known as 'no-such-order-42'", unknown.Error);
    }
}

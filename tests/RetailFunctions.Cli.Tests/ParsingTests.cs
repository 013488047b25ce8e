using RetailFunctions.Cli.Commands;

namespace RetailFunctions.Cli.Tests;

/// <summary>What the command line accepts and refuses before any request is made, and the exit codes.</summary>
public class ParsingTests
{
    [Fact]
    public async Task ReplayWithoutSelector_IsRefusedBeforeCallingTheRuntime()
    {
        // The address is closed: reaching it would exit 2, so exit 1 proves nothing was sent.
        var run = await Cli.RunAsync("deadletters", "replay", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("say which dead letters to replay", run.Error);
        Assert.Contains("--all", run.Error);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task ReplayWithForceOnly_IsStillRefused()
    {
        var run = await Cli.RunAsync("deadletters", "replay", "--force", "--url", Cli.ClosedUrl());
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("say which dead letters to replay", run.Error);
    }

    [Fact]
    public void ManyIds_AreSentInGroupsOfFifty_EachWithTheOtherSelectors()
    {
        var ids = Enumerable.Range(1, 120).Select(i => $"dl-{i}").ToList();
        var requests = new DeadLetterReplaySelection(ids, "shopify-webhooks", null, false, true).Requests();
        Assert.Equal([50, 50, 20], requests.Select(r => r.Ids!.Count));
        Assert.All(requests, r => Assert.Equal("shopify-webhooks", r.Queue));
        Assert.All(requests, r => Assert.True(r.Force));
        Assert.All(requests, r => Assert.Null(r.All));
        Assert.Equal(ids, requests.SelectMany(r => r.Ids!));
    }

    [Fact]
    public void QueueOnly_IsOneRequestWithoutIds()
    {
        var request = Assert.Single(new DeadLetterReplaySelection([], "channel-availability", "429", false, false).Requests());
        Assert.Null(request.Ids);
        Assert.Equal("429", request.ReasonContains);
        Assert.Null(request.Force);
    }

    [Fact]
    public void AllAlone_IsAccepted()
    {
        var request = Assert.Single(new DeadLetterReplaySelection([], null, null, true, false).Requests());
        Assert.True(request.All);
    }

    [Fact]
    public async Task UnreachableRuntime_ExitsTwoAndSaysHowToStartIt()
    {
        var url = Cli.ClosedUrl();
        var run = await Cli.RunAsync("stock", "ANY-SKU", "--url", url);
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains($"cannot reach the runtime at {url}: is it running? (bash eng/start.sh)", run.Error);
    }

    [Fact]
    public async Task UrlComesFromTheEnvironmentWhenNotGiven()
    {
        var url = Cli.ClosedUrl();
        var run = await Cli.RunWithEnvironmentAsync(new Dictionary<string, string> { [GlobalOptions.UrlVariable] = url }, "health");
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains(url, run.Error);
    }

    [Fact]
    public async Task AUrlThatIsNotHttp_IsAUsageError()
    {
        var run = await Cli.RunAsync("health", "--url", "ftp://example");
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("is not an http:// or https:// address", run.Error);
    }

    [Fact]
    public async Task MaxBelowOne_IsRefusedByTheParser()
    {
        var run = await Cli.RunAsync("exceptions", "list", "--max", "0", "--url", Cli.ClosedUrl());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--max must be at least 1", run.All);
    }

    [Fact]
    public async Task MissingArgument_IsRefusedByTheParser()
    {
        var run = await Cli.RunAsync("exceptions", "ack", "inventory", "--url", Cli.ClosedUrl());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'id'", run.All);
    }

    [Theory]
    [InlineData("2026-11-21T00:00:00Z", "2026-11-20T00:00:00Z", "is after --to")]
    [InlineData("yesterday", null, "is not an ISO 8601 time")]
    [InlineData(null, null, "say which archived webhooks to replay")]
    public async Task RawReplay_RefusesABadWindow(string? from, string? to, string message)
    {
        var args = new List<string> { "replay", "raw", "--shop", "demo.myshopify.com", "--url", Cli.ClosedUrl() };
        if (from is not null) args.AddRange(["--from", from]);
        if (to is not null) args.AddRange(["--to", to]);
        var run = await Cli.RunAsync([.. args]);
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task RawReplay_NeedsAShop()
    {
        var run = await Cli.RunAsync("replay", "raw", "--from", "2026-11-20", "--url", Cli.ClosedUrl());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--shop", run.All);
    }

    [Fact]
    public void RawReplay_AcceptsAPayloadReferenceAsTheBlobName()
    {
        var request = ReplayCommands.BuildRawRequest(" demo.myshopify.com ", "2026-11-20", null, ["raw-archive/shopify/demo/2026/11/20/a.json", "shopify/demo/b.json"]);
        Assert.Equal("demo.myshopify.com", request.Shop);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), request.From);
        Assert.Equal(["shopify/demo/2026/11/20/a.json", "shopify/demo/b.json"], request.Blobs);
    }

    [Theory]
    [InlineData("health")]
    [InlineData("stock")]
    [InlineData("movements")]
    [InlineData("batch")]
    [InlineData("exceptions", "list")]
    [InlineData("exceptions", "ack")]
    [InlineData("exceptions", "resolve")]
    [InlineData("deadletters", "list")]
    [InlineData("deadletters", "replay")]
    [InlineData("replay", "raw")]
    public async Task EveryCommandExplainsItself(params string[] command)
    {
        var run = await Cli.RunAsync([.. command, "--help"]);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Description:", run.Output);
        Assert.Contains($"retail {string.Join(' ', command)}", run.Output);
        Assert.Contains("--url", run.Output);
    }

    [Fact]
    public async Task HelpNeverShowsTheFunctionKey()
    {
        var run = await Cli.RunWithEnvironmentAsync(new Dictionary<string, string> { [GlobalOptions.KeyVariable] = "very-secret-key" }, "health", "--help");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("very-secret-key", run.All);
    }
}

public class UnreachableTests
{
    [Fact]
    public async Task Health_AgainstAClosedPort_ExitsTwoWithTheMessage()
    {
        var url = Cli.ClosedUrl();
        var run = await Cli.RunAsync("health", "--url", url);
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Equal($"cannot reach the runtime at {url}: is it running? (bash eng/start.sh)", run.Error.Trim());
    }
}

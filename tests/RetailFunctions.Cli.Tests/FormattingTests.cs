using System.Text.Json;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Tests;

/// <summary>The pure rendering of the runtime's answers, as plain text.</summary>
public class FormattingTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void ProblemJson_IsToldWithTitleDetailAndField()
    {
        var problem = ApiProblem.From(new RuntimeResponse(409, """
            {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Not allowed","status":409,
             "detail":"an exception that is resolved cannot be acknowledged","field":"status"}
            """, null, "POST", "api/exceptions/inventory/x/acknowledge"));
        var lines = ProblemView.Lines(problem);
        Assert.Equal("error: HTTP 409 Not allowed", lines[0]);
        Assert.Contains("  detail: an exception that is resolved cannot be acknowledged", lines);
        Assert.Contains("  field: status", lines);
    }

    [Fact]
    public void BackpressureProblem_SaysWhenToRetry()
    {
        var problem = ApiProblem.From(new RuntimeResponse(503, """{"title":"Backlog too large, retry later","detail":"shopify-webhooks depth 2500 > 2000"}""", 30, "GET", "x"));
        var lines = ProblemView.Lines(problem);
        Assert.Contains("  retry after: 30 s", lines);
        Assert.Contains(lines, l => l.Contains("retail health"));
    }

    [Fact]
    public void MissingFunctionKey_GetsAHint()
    {
        var lines = ProblemView.Lines(ApiProblem.From(new RuntimeResponse(401, """{"title":"Function key required","detail":"send the function key"}""", null, "GET", "x")));
        Assert.Contains(lines, l => l.Contains("--key") && l.Contains(GlobalOptions.KeyVariable));
    }

    [Fact]
    public void ABodyThatIsNotJson_IsStillShown()
    {
        var problem = ApiProblem.From(new RuntimeResponse(502, "<html>Bad gateway</html>", null, "GET", "x"));
        Assert.Equal("BadGateway", problem.Title);
        Assert.Equal("<html>Bad gateway</html>", problem.Detail);
        var empty = ApiProblem.From(new RuntimeResponse(404, "", null, "GET", "x"));
        Assert.Equal("NotFound", empty.Title);
        Assert.Null(empty.Detail);
    }

    [Fact]
    public void Health_ShowsChecksQueuesAndLimits()
    {
        var health = Json("""
            {"status":"unhealthy","checks":{"tables":"ok","queues":"ok","blobs":"failed: connection refused"},
             "queues":[{"queue":"shopify-webhooks","depth":2500,"oldestAgeSeconds":12.5,"overloaded":"depth 2500 passes 2000"},
                       {"queue":"pos-batches","depth":0,"oldestAgeSeconds":null,"overloaded":null}],
             "backpressure":{"maxQueueDepth":2000,"maxQueueAgeSeconds":300,"retryAfterSeconds":30},"functionKeyRequired":true}
            """);
        Assert.False(HealthView.IsHealthy(health));
        var text = Values.Plain(HealthView.Render(health));
        Assert.Contains("status: unhealthy", text);
        Assert.Contains("failed: connection refused", text);
        Assert.Contains("depth 2500 passes 2000", text);
        Assert.Contains("12.5", text);
        Assert.Contains("503 beyond depth 2000 or oldest message 300 s, Retry-After 30 s", text);
    }

    [Fact]
    public void Stock_HasAColumnPerChannel()
    {
        var stock = Json("""
            {"sku":"SHIRT-M","locations":[{"location":"WH-1","onHand":10,"reserved":2,"inTransit":0,"available":8,"safetyStock":{},
              "reorderPoint":null,"availableToPromise":{"web":8,"pos":8,"app":8},"version":3,"pushedVersion":3}],
             "totalOnHand":10,"totalAvailable":8}
            """);
        var text = Values.Plain(StockView.Render(stock));
        Assert.Contains("ATP web", text);
        Assert.Contains("ATP app", text);
        Assert.Contains("WH-1", text);
        Assert.Contains("total on hand 10, total available 8", text);
    }

    [Fact]
    public void Stock_OfAnUnknownSku_SaysSo()
    {
        var text = Values.Plain(StockView.Render(Json("""{"sku":"NOPE","locations":[],"totalOnHand":0,"totalAvailable":0}""")));
        Assert.Contains("NOPE: no stock recorded", text);
    }

    [Fact]
    public void Batch_CountsTheRowsThatNeedAttention()
    {
        var batch = Json("""{"batchId":"b1","store":"9","format":"xml","status":"completed","declaredTransactions":3,"malformed":1,"exceptions":1}""");
        var transactions = new[]
        {
            Json("""{"position":0,"receipt":"9-2-1","kind":"sale","status":"applied","reason":null,"movementsApplied":1,"movementsAlreadyApplied":0}"""),
            Json("""{"position":1,"receipt":"9-2-2","kind":"sale","status":"exception","reason":"unmapped-sku 123","movementsApplied":0,"movementsAlreadyApplied":0}"""),
            Json("""{"position":2,"receipt":null,"kind":"unknown","status":"malformed","reason":"line 40: Quantity is not a number","movementsApplied":0,"movementsAlreadyApplied":0}"""),
        };
        var text = Values.Plain(BatchView.Render(batch, transactions), 200);
        Assert.Contains("3 transaction(s), 2 need attention", text);
        Assert.Contains("line 40: Quantity is not a number", text);
        Assert.NotEqual(BatchView.StatusStyle("applied"), BatchView.StatusStyle("malformed"));
        Assert.NotEqual(BatchView.StatusStyle("applied"), BatchView.StatusStyle("exception"));
    }

    [Fact]
    public void Exceptions_ShowHistoryWhenThereIsOne()
    {
        var list = Json("""
            [{"id":"e1","owner":"inventory","reason":"unmapped-sku","detail":"variant 42 has no canonical SKU","sourceMessageId":"m1",
              "payloadReference":"raw-archive/shopify/a.json","businessKeys":{"shop":"demo"},"status":"acknowledged","raisedAt":"2026-11-20T10:00:00+00:00",
              "history":[{"at":"2026-11-20T11:00:00+00:00","by":"ana","action":"acknowledge","note":"mapping it"}]}]
            """);
        var text = Values.Plain(ExceptionsView.RenderList(list), 250);
        Assert.Contains("variant 42 has no canonical SKU", text);
        Assert.Contains("shop=demo", text);
        Assert.Contains("2026-11-20 11:00:00Z ana acknowledge: mapping it", text);
        Assert.Contains("1 exception(s)", text);
    }

    [Fact]
    public void Markup_InTheDataIsPrintedAsIs()
    {
        var text = Values.Plain(ExceptionsView.RenderList(Json("""[{"id":"[red]x[/]","owner":"ops","reason":"r","detail":"[bold]","status":"open"}]""")), 250);
        Assert.Contains("[red]x[/]", text);
        Assert.Contains("[bold]", text);
    }

    [Fact]
    public void DeadLetters_ShowTheEnvelopeAndAnyReplay()
    {
        var text = Values.Plain(DeadLettersView.RenderList([Json("""
            {"id":"d1","queue":"shopify-webhooks","reason":"id is missing","exceptionType":"PayloadException","attemptCount":1,
             "envelope":{"id":"m1","type":"shopify.orders/create","correlationId":"wh-1","keys":{"shop":"demo"}},
             "deadLetteredAt":"2026-11-20T10:00:00Z","replayedAt":"2026-11-21T10:00:00Z","replayCount":2}
            """)]), 250);
        Assert.Contains("correlation: wh-1", text);
        Assert.Contains("PayloadException", text);
        Assert.Contains("2026-11-21 10:00:00Z (2x)", text);
    }

    [Fact]
    public void ReplayAnswers_AddUp()
    {
        var totals = ReplayTotals.Empty
            .Add(Json("""{"replayed":2,"skipped":1,"ids":["a","b"]}"""))
            .Add(Json("""{"replayed":1,"skipped":0,"ids":["c"]}"""));
        Assert.Equal(new[] { "a", "b", "c" }, totals.Ids);
        Assert.Equal(3, totals.Replayed);
        Assert.Equal(1, totals.Skipped);
        Assert.Contains("replayed 3, skipped 1", Values.Plain(DeadLettersView.RenderReplay(totals)));
    }

    [Fact]
    public void RawReplay_ListsTheBlobs()
    {
        var text = Values.Plain(RawReplayView.Render("demo", Json("""{"replayed":1,"skipped":0,"ids":["shopify/demo/a.json"]}""")));
        Assert.Contains("replayed 1 archived webhook(s) of demo", text);
        Assert.Contains("shopify/demo/a.json", text);
    }
}

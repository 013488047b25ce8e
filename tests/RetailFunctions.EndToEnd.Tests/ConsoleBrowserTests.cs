using System.Globalization;
using System.Net;
using System.Text;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using RetailFunctions.Domain.Operations;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>The operator console in a real headless Chromium, against the real runtime and Azurite.</summary>
public sealed class ConsoleBrowserTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private HttpClient Http => fixture.Http;

    private ChromeDriver Open(string role, string user = "")
    {
        var driver = Browser.Start();
        driver.Navigate().GoToUrl(new Uri(fixture.Runtime.BaseAddress,
            $"console?code={RuntimeFixture.FunctionKey}&role={role}&user={Uri.EscapeDataString(user)}"));
        driver.Until(d => d.FindElement(By.Id("status")).Text.StartsWith("Up to date", StringComparison.Ordinal), "the console to load");
        return driver;
    }

    /// <summary>The row of a list that shows the text or is the record with that id.</summary>
    private static IWebElement RowContaining(IWebDriver driver, string listId, string text) =>
        driver.FindElements(By.CssSelector($"#{listId} tbody tr"))
            .FirstOrDefault(r => r.GetDomAttribute("data-id") == text || r.Text.Contains(text, StringComparison.Ordinal))
        ?? throw new NoSuchElementException($"no row of #{listId} shows '{text}'; it reads: {driver.FindElement(By.Id(listId)).Text}");

    private static void Refresh(IWebDriver driver) => driver.FindElement(By.CssSelector("#identity button[type=submit]")).Click();

    private static bool Shows(IWebDriver driver, string id, string text) =>
        driver.FindElement(By.Id(id)).Text.Contains(text, StringComparison.Ordinal);

    private static Task<System.Text.Json.JsonElement> ExceptionRaised(HttpClient http, string owner, string text) =>
        Calls.Eventually(() => http.GetJson($"api/exceptions?owner={owner}&max=5000"),
            e => e.EnumerateArray().Any(x => x.GetProperty("detail").GetString()!.Contains(text)), $"the exception about {text}", 120);

    [BrowserFact]
    public async Task AnOperatorFindsAPlantedUnmappedSkuInTheConsole_FixesTheMapping_ReplaysAndResolvesIt()
    {
        await Http.Receive("CONSOLE-MAPPED", "WH-1", 5m);
        var order = Payloads.Order(5550000000700, 4440000000700, 600000000000700, "TYPO-CONSOLE", 2);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-console-700"))).StatusCode);
        await ExceptionRaised(Http, "inventory", "600000000000700");

        using var driver = Open("operator", "ana");
        var row = driver.Until(d => RowContaining(d, "exception-list", "600000000000700"), "the exception in the list");
        Assert.Contains("unmapped-sku", row.Text);
        Assert.Contains("inventory", row.Text);
        // Keyboard: the row's button takes focus and Enter opens the detail.
        row.FindElement(By.TagName("button")).SendKeys(Keys.Enter);
        var detail = driver.Until(d => d.FindElement(By.Id("exception-detail")) is { Displayed: true } e ? e : null, "the detail")!;
        Assert.Contains("unmapped-sku (inventory)", detail.FindElement(By.TagName("h3")).Text);
        Assert.Equal("exception-detail", driver.SwitchTo().ActiveElement().GetDomAttribute("id"));

        detail.FindElement(By.XPath(".//button[.='Show archived payload']")).Click();
        driver.Until(d => Shows(d, "exception-detail", "\"variant_id\": 600000000000700"), "the archived webhook body");

        // The fix is made through the API (the catalog), then replayed and resolved from the console.
        await Http.PutJson("api/catalog/skus/CONSOLE-MAPPED",
            new { aliases = new[] { new { system = "shopify", kind = "variant", value = "600000000000700" } } });
        driver.FindElement(By.XPath("//div[@id='exception-detail']//button[.='Replay archived webhook']")).Click();
        driver.Until(d => Shows(d, "status", "Replayed 1"), "the replay to be confirmed");
        await Calls.Eventually(() => Http.Reserved("CONSOLE-MAPPED", "WH-1"), v => v == 2m, "the replayed order to reserve its line", 120);

        driver.FindElement(By.Id("exception-note")).SendKeys("variant mapped to CONSOLE-MAPPED and replayed");
        driver.FindElement(By.XPath("//div[@id='exception-detail']//button[.='Resolve']")).Click();
        driver.Until(d => Shows(d, "status", "is resolved"), "the resolution to be confirmed");

        var all = await Http.GetJson("api/exceptions?owner=inventory&max=5000");
        var resolved = all.EnumerateArray().First(x => x.GetProperty("detail").GetString()!.Contains("600000000000700"));
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        var step = Assert.Single(resolved.GetProperty("history").EnumerateArray());
        Assert.Equal("ana", step.GetProperty("by").GetString());
        Assert.Equal("variant mapped to CONSOLE-MAPPED and replayed", step.GetProperty("note").GetString());
        // Open exceptions no longer list it.
        driver.Until(d => !Shows(d, "exception-list", "600000000000700"), "the resolved exception to leave the open list");
    }

    [BrowserFact]
    public async Task AFinanceUserSeesOnlyFinanceExceptions_AndNoDeadLetters()
    {
        var finance = await Plant(Owners.Finance, "chargeback", "order #1042 charged back: 49.00 USD", ("order", "1042"));
        var inventory = await Plant(Owners.Inventory, ExceptionReasons.UnmappedSku, "variant 31 unknown");

        using var driver = Open("finance");
        driver.Until(d => RowContaining(d, "exception-list", finance.Id), "the finance exception");
        var owners = driver.FindElements(By.CssSelector("#exception-list tbody tr td:nth-child(2)")).Select(c => c.Text).Distinct();
        Assert.Equal(["finance"], owners);
        Assert.DoesNotContain(inventory.Id, driver.FindElement(By.Id("exception-list")).Text);
        Assert.Equal(["finance"], driver.FindElements(By.CssSelector("#owner option")).Select(o => o.Text));
        Assert.Contains("Not for this role", driver.FindElement(By.Id("deadletter-list")).Text);

        // The same page as an operator lists both.
        driver.ExecuteScript("const r = document.getElementById('role'); r.value = 'operator'; r.dispatchEvent(new Event('change'));");
        driver.Until(d => RowContaining(d, "exception-list", inventory.Id), "the inventory exception for the operator");
    }

    [BrowserFact]
    public async Task GivenADayOfExceptions_WhenAnOperatorOpensTheConsole_ThenEverySectionShowsIt_LabelledAndPrintable()
    {
        // A day: an unmapped web-store variant, a till batch with an unknown item, finance and CRM exceptions, a reconciliation.
        var order = Payloads.Order(5550000000800, 4440000000800, 600000000000800, "TYPO-DAY", 1);
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create", order, "wh-console-800"))).StatusCode);
        await Http.PutJson("api/catalog/locations/STORE-80", new { name = "Harbour Road", aliases = new[] { new { system = "pos", value = "80" } } });
        var till = new StringContent(Payloads.PosLogSale("80", "8001", "00000000080080"), Encoding.UTF8, "application/xml");
        var upload = await Http.PostAsync("api/pos/transactions", till);
        var batchId = (await upload.Json()).GetProperty("batchId").GetString()!;
        await Plant(Owners.Finance, "refund-shortfall", "refund of order #1043 is 12.50 USD short", ("order", "1043"));
        await Plant(Owners.Crm, "consent-conflict", "two profiles disagree on email consent", ("customer", "c-7001"));
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsync("api/reconciliation/run?businessDay=2026-11-20", null)).StatusCode);
        await Calls.Eventually(() => Http.GetJson($"api/pos/batches/{batchId}"),
            b => b.GetProperty("batch").GetProperty("status").GetString() == "completed", "the till batch to complete", 120);
        await ExceptionRaised(Http, "inventory", "600000000000800");

        using var driver = Open("operator", "ana");
        Refresh(driver);
        driver.Until(d => d.FindElement(By.Id("status")).Text.StartsWith("Up to date", StringComparison.Ordinal), "the refresh");
        driver.Until(d => RowContaining(d, "exception-list", "600000000000800"), "the web order's exception");
        driver.Until(d => RowContaining(d, "exception-list", "consent-conflict"), "the CRM exception");
        var batchRow = driver.Until(d => RowContaining(d, "batch-list", batchId), "the till batch");
        Assert.Contains("completed", batchRow.Text);
        batchRow.FindElement(By.TagName("button")).Click();
        driver.Until(d => Shows(d, "batch-detail", "exception"), "the batch's transaction statuses");
        Assert.Contains("shopify-webhooks", driver.FindElement(By.Id("health-body")).Text);
        driver.Until(d => RowContaining(d, "reconciliation-list", "2026-11-20"), "the reconciled day").FindElement(By.TagName("button")).Click();
        driver.Until(d => Shows(d, "reconciliation-detail", "Reconciliation of 2026-11-20"), "the day's report");
        RowContaining(driver, "exception-list", "600000000000800").FindElement(By.TagName("button")).Click();
        driver.Until(d => d.FindElement(By.Id("exception-detail")).Displayed, "the exception's detail");

        // Every field has a label, every button a name; printing drops the controls and keeps the tables.
        var unlabelled = driver.ExecuteScript("""
            const fields = [...document.querySelectorAll('input, select, textarea')].filter(e => e.labels.length === 0);
            const buttons = [...document.querySelectorAll('button')].filter(b => !(b.getAttribute('aria-label') || b.textContent.trim()));
            return fields.concat(buttons).map(e => e.outerHTML);
            """);
        Assert.Empty(Assert.IsAssignableFrom<System.Collections.IEnumerable>(unlabelled));
        Screenshot(driver);
        driver.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object?> { ["media"] = "print" });
        Assert.False(driver.FindElement(By.CssSelector("#identity")).Displayed);
        Assert.DoesNotContain(driver.FindElements(By.TagName("button")), b => b.Displayed);
        Assert.True(driver.FindElement(By.CssSelector("#exception-list table")).Displayed);
    }

    private Task<BusinessException> Plant(string owner, string reason, string detail, params (string Key, string Value)[] keys) =>
        ExceptionRoleTests.Plant(fixture.Azurite.ConnectionString, owner, reason, detail, keys.ToDictionary(k => k.Key, k => k.Value));

    /// <summary>Kept beside the test output, or where RETAILFUNCTIONS_CONSOLE_SCREENSHOT says (docs/console.png is taken so).</summary>
    private static void Screenshot(ChromeDriver driver)
    {
        var height = Convert.ToInt32(driver.ExecuteScript("return document.documentElement.scrollHeight"), CultureInfo.InvariantCulture);
        driver.Manage().Window.Size = new System.Drawing.Size(1400, Math.Min(Math.Max(height, 900), 4000));
        driver.ExecuteScript("window.scrollTo(0, 0)");
        var path = Environment.GetEnvironmentVariable("RETAILFUNCTIONS_CONSOLE_SCREENSHOT")
            ?? Path.Combine(AppContext.BaseDirectory, "console.png");
        driver.GetScreenshot().SaveAsFile(path);
    }
}

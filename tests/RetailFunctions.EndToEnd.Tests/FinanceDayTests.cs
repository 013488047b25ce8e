using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RetailFunctions.Testing;

namespace RetailFunctions.EndToEnd.Tests;

/// <summary>A runtime of its own whose ERP throttles, fails, answers after booking too late, and has one account closed.</summary>
public sealed class FinanceDayFixture : RuntimeFixture
{
    public FakeErp Erp { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Erp__BaseUrl"] = Erp.BaseUrl.ToString(),
        ["Erp__ApiKey"] = "e2e-erp-key",
        ["Erp__MaxRetries"] = "3",
        ["Erp__BaseDelayMilliseconds"] = "50",
        ["Erp__TimeoutMilliseconds"] = "600",
        ["Reconciliation__ExpectedFees__shopify_payments"] = "2.9%+0.30",
        ["Reconciliation__ExpectedFees__stripe"] = "1.5%+0.25",
    };

    public override async Task InitializeAsync()
    {
        Erp = await FakeErp.StartAsync();
        Erp.ExpectedApiKey = "e2e-erp-key";
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Erp.DisposeAsync();
    }
}

/// <summary>
/// A business day of the whole estate, through the real edges: till sales and a till close uploaded as a POS batch,
/// signed web-store orders with their transactions, an app order paid through Stripe, a return in a store, a partial
/// refund and a cancellation. Every journal entry balances and reaches the flaky ERP exactly once; the one the ERP
/// refuses is finance's to fix and re-post; the nightly run finds exactly what was planted and nothing else.
/// </summary>
public sealed class FinanceDayTests(FinanceDayFixture fixture) : IClassFixture<FinanceDayFixture>
{
    private HttpClient Http => fixture.Http;
    private FakeErp Erp => fixture.Erp;

    // Today, so that the refunds issued now belong to the same business day as the sales.
    private static readonly string Day = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    private static string At(int hour, int minute = 0) => $"{Day}T{hour:00}:{minute:00}:00Z";

    private static string WebOrder(long id, int quantity, string financialStatus, object[] transactions, string? cancelledAt = null) =>
        JsonSerializer.Serialize(new
        {
            id, name = $"#D{id % 10000}", order_number = id % 10000, currency = "EUR",
            created_at = At(0, 10), updated_at = cancelledAt ?? At(0, 10), cancelled_at = cancelledAt, cancel_reason = cancelledAt is null ? null : "customer",
            financial_status = financialStatus, payment_gateway_names = new[] { "shopify_payments" },
            subtotal_price = (40m * quantity).ToString("0.00", CultureInfo.InvariantCulture),
            total_tax = (8m * quantity).ToString("0.00", CultureInfo.InvariantCulture),
            total_price = (48m * quantity + 5m).ToString("0.00", CultureInfo.InvariantCulture),
            taxes_included = false,
            customer = new { id = 88000 + id % 100, email = $"day.shopper.{id % 100}@example.com" },
            line_items = new[]
            {
                new
                {
                    id = id * 10 + 1, variant_id = 990001, product_id = 99000, sku = "SHIRT-DAY", title = "Linen shirt", quantity, price = "40.00",
                    total_discount = "0.00", requires_shipping = true, gift_card = false, fulfillment_status = (string?)null,
                    tax_lines = new[] { new { title = "VAT", rate = 0.2m, price = (8m * quantity).ToString("0.00", CultureInfo.InvariantCulture) } },
                },
            },
            shipping_lines = new[] { new { title = "Standard", code = "STANDARD", price = "5.00", tax_lines = Array.Empty<object>() } },
            transactions,
        });

    private static object Sale(long transactionId, decimal amount, int minute) => new
    {
        id = transactionId, kind = "sale", status = "success", gateway = "shopify_payments", amount = amount.ToString("0.00", CultureInfo.InvariantCulture),
        currency = "EUR", processed_at = At(0, minute), payment_details = new { credit_card_number = "•••• •••• •••• 4242", credit_card_company = "Visa" },
    };

    private async Task<JsonElement> Order(string path, Func<JsonElement, bool> until, string what) =>
        await Calls.Eventually(async () =>
        {
            var response = await Http.GetAsync(path);
            return response.IsSuccessStatusCode ? await response.Json() : default;
        }, o => o.ValueKind == JsonValueKind.Object && until(o), what);

    private async Task<JsonElement> Post(string path, object body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-RetailFunctions-User", "associate-81");
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<List<JsonElement>> Journal() => (await Http.GetJson($"api/finance/journal?businessDay={Day}")).EnumerateArray().ToList();

    private async Task<JsonElement> Reconcile()
    {
        var run = await Http.PostAsync($"api/reconciliation/run?businessDay={Day}", null);
        Assert.True(run.IsSuccessStatusCode, $"reconciliation run: {(int)run.StatusCode} {await run.Content.ReadAsStringAsync()}");
        return await Http.GetJson($"api/reconciliation/{Day}");
    }

    private static SortedSet<string> Found(JsonElement report) =>
        new(report.GetProperty("differences").EnumerateArray().Select(d => string.Join(" ",
            d.GetProperty("area").ToString(), d.GetProperty("cause").ToString(), d.GetProperty("store").GetString(), d.GetProperty("key").GetString(),
            d.GetProperty("amount").GetDecimal().ToString("0.00", CultureInfo.InvariantCulture), d.GetProperty("owner").GetString())), StringComparer.Ordinal);

    [Fact]
    public async Task ADayOfTillAndWebSalesReturnsAndRefundsBalancesPostsOnceThroughAFlakyErpAndReconcilesToExactlyWhatWasPlanted()
    {
        await Http.PutJson("api/catalog/locations/STORE-81", new { aliases = new[] { new { system = "pos", value = "81" } } });
        await Http.PutJson("api/catalog/locations/STORE-82", new { aliases = new[] { new { system = "pos", value = "82" } } });
        await Http.PutJson("api/catalog/skus/SHIRT-DAY", new
        {
            title = "Linen shirt",
            aliases = new object[] { new { system = "pos", kind = "item", value = "till-shirt" }, new { system = "shopify", kind = "variant", value = "990001" } },
        });
        await Http.Receive("SHIRT-DAY", "WH-1", 20m);

        // The ERP throttles, fails, books one entry but answers too late, and has the app revenue account closed.
        Erp.CloseAccount("4030", "period closed for app revenue");
        Erp.Then(FakeErp.Scripted.Throttle(1), FakeErp.Scripted.Fail(503), FakeErp.Scripted.BookThenStall(TimeSpan.FromSeconds(2)),
            FakeErp.Scripted.Fail(500), FakeErp.Scripted.Throttle(1), FakeErp.Scripted.Fail(502));

        // Store 81, till 1: three sales (cash with change, a card, cash) and the close, which declares 5.00 more cash than was rung up.
        var till = $$"""
            { "storeId": "81", "currency": "EUR", "transactions": [
              { "workstationId": "1", "sequenceNumber": "4101", "businessDay": "{{Day}}", "endDateTime": "{{At(0, 5)}}", "type": "sale", "operatorId": "7",
                "lines": [ { "itemId": "till-shirt", "quantity": 2, "unitPrice": 25.00, "extendedAmount": 50.00, "tax": 10.00 } ],
                "tenders": [ { "type": "cash", "amount": 70.00 }, { "type": "cash", "amount": 10.00, "change": true } ], "total": 60.00 },
              { "workstationId": "1", "sequenceNumber": "4102", "businessDay": "{{Day}}", "endDateTime": "{{At(0, 6)}}", "type": "sale", "operatorId": "7",
                "lines": [ { "itemId": "till-shirt", "quantity": 1, "unitPrice": 25.00, "extendedAmount": 25.00, "tax": 5.00 } ],
                "tenders": [ { "type": "card", "amount": 30.00, "cardType": "visa", "account": "************4242", "authorizationCode": "A81402" } ], "total": 30.00 },
              { "workstationId": "1", "sequenceNumber": "4103", "businessDay": "{{Day}}", "endDateTime": "{{At(0, 7)}}", "type": "sale", "operatorId": "7",
                "lines": [ { "itemId": "till-shirt", "quantity": 1, "unitPrice": 25.00, "extendedAmount": 25.00, "tax": 5.00 } ],
                "tenders": [ { "type": "cash", "amount": 30.00 } ], "total": 30.00 },
              { "workstationId": "1", "sequenceNumber": "4199", "businessDay": "{{Day}}", "endDateTime": "{{At(0, 8)}}", "type": "tillClose", "operatorId": "7",
                "tillTotals": [ { "tenderType": "cash", "amount": 95.00, "count": 2 }, { "tenderType": "card", "amount": 30.00, "count": 1 } ] } ] }
            """;
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync("api/pos/transactions", new StringContent(till, Encoding.UTF8, "application/json"))).StatusCode);

        // Web orders, signed, with their Shopify Payments transactions; one is only authorized and then cancelled.
        (long Order, long Tx, int Qty)[] web = [(5558101L, 6608101001L, 1), (5558102L, 6608102001L, 2), (5558104L, 6608104001L, 1)];
        foreach (var (order, tx, qty) in web)
            Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create",
                WebOrder(order, qty, "paid", [Sale(tx, 48m * qty + 5m, 11)]), $"wh-day-{order}"))).StatusCode);
        var authorizedOnly = new { id = 6608103001L, kind = "authorization", status = "success", gateway = "shopify_payments", amount = "53.00", currency = "EUR", processed_at = At(0, 12) };
        var voided = new { id = 6608103002L, kind = "void", status = "success", gateway = "shopify_payments", amount = "53.00", currency = "EUR", processed_at = At(0, 20) };
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/create",
            WebOrder(5558103, 1, "authorized", [authorizedOnly]), "wh-day-5558103"))).StatusCode);

        // The app order is authorized at checkout and captured through Stripe.
        await Post("api/orders", new
        {
            channel = "app", channelOrderId = "APP-8101", currency = "EUR", method = "ship",
            lines = new[] { new { lineId = "1", sku = "SHIRT-DAY", quantity = 1, unitPrice = 40m, tax = 8m } },
            payments = new[] { new { paymentId = "stripe", method = "card", gateway = "stripe", token = "tok_visa_8101", last4 = "4242", authorized = 48m } },
        }, HttpStatusCode.Created);
        await Post("api/orders/app-APP-8101/payments", new { paymentId = "stripe", method = "card", kind = "capture", amount = 48m, transactionId = "ch_3QDay8101AppOrder" },
            HttpStatusCode.OK);

        var tillSale = await Order("api/orders/by-channel/pos/81-4101", o => o.GetProperty("status").GetString() == "Closed", "the till sale as an order");
        var cancelledOrder = await Order("api/orders/by-channel/shopify/5558103", o => o.GetProperty("status").GetString() is "Reserved" or "Paid", "the authorized web order");
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("orders/cancelled",
            WebOrder(5558103, 1, "voided", [authorizedOnly, voided], cancelledAt: At(0, 20)), "wh-day-5558103-c"))).StatusCode);
        var partiallyRefunded = await Order("api/orders/by-channel/shopify/5558102", o => o.GetProperty("status").GetString() == "Paid", "the two-shirt web order");

        // A shirt from the till sale comes back in the other store; one of the two web shirts is refunded in the web store without a return.
        await Post($"api/orders/{tillSale.GetProperty("orderId").GetString()}/returns",
            new { returnId = "DAY-RET-1", location = "STORE-82", lines = new[] { new { lineId = "1", quantity = 1, disposition = "sellable" } } }, HttpStatusCode.Created);
        var refund = JsonSerializer.Serialize(new
        {
            id = 8808102L, order_id = 5558102L, created_at = At(0, 30), note = "one shirt arrived torn", restock = false,
            refund_line_items = new[] { new { id = 8818102L, line_item_id = 55581021L, quantity = 1, restock_type = "no_restock", subtotal = 40.00m, total_tax = 8.00m } },
            transactions = new[]
            {
                new { id = 6608102002L, kind = "refund", status = "success", gateway = "shopify_payments", amount = "48.00", currency = "EUR", processed_at = At(0, 30) },
            },
        });
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(Calls.ShopifyWebhook("refunds/create", refund, "wh-day-refund-8808102"))).StatusCode);
        await Order($"api/orders/{partiallyRefunded.GetProperty("orderId").GetString()}", o => o.GetProperty("totals").GetProperty("refunded").GetDecimal() == 48m,
            "the web order's partial refund");
        await Order($"api/orders/{cancelledOrder.GetProperty("orderId").GetString()}", o => o.GetProperty("status").GetString() == "Cancelled", "the web order's cancellation");

        // Journal: three till sales, three web sales, the app sale, the store return and the web refund of a shirt (goods given back
        // reverse their sale, so it is a return too); the cancellation moved no money.
        var entries = await Calls.Eventually(Journal,
            e => e.Count == 9 && e.All(x => x.GetProperty("status").GetString() is "posted" or "rejected"), "every entry of the day to be posted or rejected", 120);
        Assert.All(entries, e => Assert.True(e.GetProperty("isBalanced").GetBoolean(), $"{e.GetProperty("entryId")} does not balance"));
        Assert.Equal(["return", "return", "sale", "sale", "sale", "sale", "sale", "sale", "sale"], entries.Select(e => e.GetProperty("source").GetString()).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(entries, e => e.GetProperty("factId").GetString()!.Contains(cancelledOrder.GetProperty("orderId").GetString()!, StringComparison.Ordinal));
        var rejected = Assert.Single(entries, e => e.GetProperty("status").GetString() == "rejected");
        Assert.Equal("app", rejected.GetProperty("channel").GetString());
        Assert.Contains("period closed for app revenue", rejected.GetProperty("rejection").GetString());
        var entryIds = entries.Select(e => e.GetProperty("entryId").GetString()!).ToHashSet();

        // The ERP's own books: every accepted entry exactly once, none it was not sent, on the day's date; the flakiness really happened.
        var booked = Erp.Bookings.Where(b => entryIds.Contains(b.EntryId)).ToList();
        Assert.Equal(8, booked.Count);
        Assert.Equal(Erp.Bookings.Count, booked.Count);
        Assert.Equal(entryIds.Except([rejected.GetProperty("entryId").GetString()!]).Order(), booked.Select(b => b.EntryId).Order());
        Assert.All(booked, b => Assert.Equal(Day, b.PostingDate));
        Assert.True(Erp.Throttled >= 2 && Erp.Duplicates >= 1, $"throttled {Erp.Throttled}, duplicates answered {Erp.Duplicates}");
        foreach (var entry in entries.Where(e => e.GetProperty("status").GetString() == "posted"))
        {
            var b = booked.Single(x => x.EntryId == entry.GetProperty("entryId").GetString());
            Assert.Equal(entry.GetProperty("totalDebit").GetDecimal(), b.Lines.Sum(l => l.Debit));
            Assert.Equal(b.Lines.Sum(l => l.Debit), b.Lines.Sum(l => l.Credit));
        }

        // Finance sees the rejection with the ERP's reason.
        var exceptionId = rejected.GetProperty("openExceptionId").GetString()!;
        var exception = Assert.Single((await Http.GetJson("api/exceptions?owner=finance&status=open")).EnumerateArray(), x => x.GetProperty("id").GetString() == exceptionId);
        Assert.Equal("erp-rejected", exception.GetProperty("reason").GetString());
        Assert.Contains("period closed for app revenue", exception.GetProperty("detail").GetString());

        // The processors' statements: Shopify Payments lists one charge twice and never the third web order's; Stripe settles the app order.
        var shopify = JsonSerializer.Serialize(new
        {
            transactions = new object[]
            {
                Line(70001, "charge", 6608101001, 5558101, 53.00m, 1.84m, At(0, 11)),
                Line(70002, "charge", 6608102001, 5558102, 101.00m, 3.23m, At(0, 11)),
                Line(70003, "charge", 6608102001, 5558102, 101.00m, 3.23m, At(0, 11)),
                Line(70004, "refund", 6608102002, 5558102, -48.00m, 0.00m, At(0, 30)),
                new { id = 70005, type = "payout", test = false, payout_id = 5501, payout_status = "in_transit", currency = "EUR", amount = "-202.70", fee = "0.00",
                    net = "-202.70", source_id = 5501, source_type = "payout", source_order_id = (long?)null, source_order_transaction_id = (long?)null, processed_at = At(0, 40) },
                new { id = 70006, type = "charge", test = true, payout_id = (long?)null, payout_status = (string?)null, currency = "EUR", amount = "1.00", fee = "0.30",
                    net = "0.70", source_id = 1, source_type = "charge", source_order_id = (long?)null, source_order_transaction_id = (long?)null, processed_at = At(0, 41) },
            },
        });
        var imported = await Http.PostAsync("api/settlements?source=shopify-payments", new StringContent(shopify, Encoding.UTF8, "application/json"));
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var stripe = "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description,Transfer\n"
            + $"txn_3QDay8101Bal,charge,ch_3QDay8101AppOrder,48.00,1.97,46.03,eur,{Day} 00:15,{Day} 00:15,APP-8101,\n";
        var importedStripe = await Http.PostAsync("api/settlements?source=stripe&store=app", new StringContent(stripe, Encoding.UTF8, "text/csv"));
        Assert.True(importedStripe.IsSuccessStatusCode, await importedStripe.Content.ReadAsStringAsync());

        // The statements book what only the processors know: a fee per settled charge (the duplicate line's too, as
        // stated) and the payout to the bank. They post like any entry before the night's run.
        var withSettlements = await Calls.Eventually(Journal,
            e => e.Count == entries.Count + 5 && e.All(x => x.GetProperty("status").GetString() is "posted" or "rejected"), "the processors' fees and payout to be posted", 120);
        var fromStatements = withSettlements.Where(e => !entryIds.Contains(e.GetProperty("entryId").GetString()!)).ToList();
        Assert.Equal(["payout", "processor-fee", "processor-fee", "processor-fee", "processor-fee"], fromStatements.Select(e => e.GetProperty("source").GetString()).Order(StringComparer.Ordinal));
        Assert.All(fromStatements, e => Assert.True(e.GetProperty("isBalanced").GetBoolean()));
        Assert.Equal(1.84m + 3.23m + 3.23m + 1.97m, fromStatements.Where(e => e.GetProperty("source").GetString() == "processor-fee").Sum(e => e.GetProperty("totalDebit").GetDecimal()));
        entryIds.UnionWith(fromStatements.Select(e => e.GetProperty("entryId").GetString()!));

        // The nightly run: exactly the planted differences, each with its cause and owner; a second run gives the same report.
        var rejectedId = rejected.GetProperty("entryId").GetString()!;
        var planted = new SortedSet<string>(StringComparer.Ordinal)
        {
            "Tills MissingTransaction STORE-81 1|cash 5.00 finance",
            "Settlements Timing web 6608104001 53.00 finance",
            "Settlements Duplicate web 6608102001|shopify-payments:70003 101.00 finance",
            "Settlements FeeMismatch app ch_3QDay8101AppOrder 1.00 finance",
            $"Postings PostingRejected {rejected.GetProperty("store").GetString()} {rejectedId} 48.00 finance",
        };
        var report = await Reconcile();
        Assert.Equal(planted, Found(report));
        Assert.Contains("period closed for app revenue", report.GetProperty("differences").EnumerateArray()
            .Single(d => d.GetProperty("key").GetString() == rejectedId).GetProperty("detail").GetString());
        var again = await Reconcile();
        Assert.Equal(planted, Found(again));
        Assert.Equal(report.GetProperty("report").GetProperty("summary").ToString(), again.GetProperty("report").GetProperty("summary").ToString());
        Assert.Equal(report.GetProperty("text").GetString(), again.GetProperty("text").GetString());
        var prefix = $"recon:{Day.Replace("-", "", StringComparison.Ordinal)}:";
        var raised = (await Http.GetJson("api/exceptions?owner=finance&status=open")).EnumerateArray()
            .Where(x => x.GetProperty("id").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).Select(x => x.GetProperty("reason").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["reconciliation-duplicate", "reconciliation-fee-mismatch", "reconciliation-missing-transaction", "reconciliation-posting-rejected", "reconciliation-timing"], raised);

        // Finance has the period reopened and re-posts the entry unchanged: the ERP books it once, the rejection is resolved.
        Erp.ReopenAccount("4030");
        var repost = await Http.PostAsJsonAsync($"api/finance/journal/{Day}/{rejected.GetProperty("store").GetString()}/{rejectedId}/repost",
            new { by = "controller", note = "app revenue period reopened" });
        Assert.Equal(HttpStatusCode.Accepted, repost.StatusCode);
        var posted = await Calls.Eventually(() => Http.GetJson($"api/finance/journal/{Day}/{rejected.GetProperty("store").GetString()}/{rejectedId}"),
            e => e.GetProperty("status").GetString() == "posted", "the re-posted entry to be accepted");
        Assert.Equal(1, posted.GetProperty("revision").GetInt32());
        Assert.Equal(entryIds.Order(), Erp.Bookings.Select(b => b.EntryId).Order());
        Assert.Equal(1, Erp.Booked(rejectedId)!.Revision);
        // The posting is marked first and its exception resolved right after, by the same handler: wait for the second.
        await Calls.Eventually(async () => (await Http.GetJson("api/exceptions?owner=finance")).EnumerateArray()
                .Single(x => x.GetProperty("id").GetString() == exceptionId).GetProperty("status").GetString(),
            status => status == "resolved", "the rejection's exception to be resolved once the entry is posted");

        // The night after the fix finds the rest, and no longer the rejection.
        planted.RemoveWhere(d => d.StartsWith("Postings ", StringComparison.Ordinal));
        Assert.Equal(planted, Found(await Reconcile()));
        Assert.Equal(planted, Found(await Reconcile()));
    }

    private static object Line(long id, string type, long transactionId, long orderId, decimal amount, decimal fee, string at) => new
    {
        id, type, test = false, payout_id = 5501, payout_status = "in_transit", currency = "EUR",
        amount = amount.ToString("0.00", CultureInfo.InvariantCulture), fee = fee.ToString("0.00", CultureInfo.InvariantCulture),
        net = (amount - fee).ToString("0.00", CultureInfo.InvariantCulture),
        source_id = transactionId + 1000, source_type = type == "refund" ? "Refund" : "Charge", source_order_id = orderId, source_order_transaction_id = transactionId,
        processed_at = at,
    };
}

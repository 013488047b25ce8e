using System.Globalization;
using System.Text.Json;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.Pipeline.Pos;

/// <summary>
/// Reads the POS JSON batch format, for tills that cannot write POSLog (full reference: docs/pos-json-batch.md):
/// <code>
/// { "storeId": "12", "currency": "USD", "transactions": [ {
///     "workstationId": "3", "sequenceNumber": "1001", "businessDay": "2026-11-20",
///     "endDateTime": "2026-11-20T14:03:11+00:00", "type": "sale" | "return" | "void" | "tillClose" | "control",
///     "operatorId": "77", "loyaltyId": "...", "customerEmail": "...", "customerPhone": "...",
///     "lines": [ { "itemId": "SKU-4471", "barcode": "0012345678905", "description": "...", "quantity": 1,
///                  "unitOfMeasure": "EA", "unitPrice": 19.99, "extendedAmount": 19.99, "discount": 0, "tax": 1.60,
///                  "voided": false, "kind": "sale" | "return",
///                  "originalReceipt": { "storeId", "workstationId", "businessDay", "sequenceNumber" } } ],
///     "tenders": [ { "type": "card", "amount": 21.59, "change": false, "cardType": "visa",
///                    "account": "************1111", "authorizationCode": "..." } ],
///     "taxes": [ { "name": "State", "rate": 0.08, "taxableAmount": 19.99, "amount": 1.60 } ],
///     "discounts": [ { "reason": "...", "amount": 2.00 } ],
///     "tillTotals": [ { "tenderType": "cash", "amount": 100.00, "count": 3 } ],
///     "total": 21.59 } ] }
/// </code>
/// Numbers may be JSON numbers or strings. A transaction may override the batch's <c>storeId</c> and <c>currency</c>.
/// A batch-level problem throws <see cref="PayloadException"/>; one bad transaction becomes
/// <see cref="PosParseResult.Malformed"/> ("transactions[3].businessDay: missing", index 0-based, position 1-based).
/// </summary>
public static class PosJsonBatchReader
{
    private const NumberStyles DecimalStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static IEnumerable<PosParseResult> Read(Stream json, string defaultCurrency = "USD")
    {
        using var document = Parse(json);
        var batch = document.RootElement;
        if (batch.ValueKind != JsonValueKind.Object)
            throw new PayloadException("$", "a batch must be a JSON object");
        if (!batch.TryGetProperty("transactions", out var transactions) || transactions.ValueKind != JsonValueKind.Array)
            throw new PayloadException("transactions", "missing or not an array");
        var storeId = OptionalText(batch, "storeId", "");
        var currency = OptionalText(batch, "currency", "") ?? defaultCurrency;

        var index = 0;
        foreach (var transaction in transactions.EnumerateArray())
        {
            yield return Map(transaction, index, storeId, currency);
            index++;
        }
    }

    private static JsonDocument Parse(Stream json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new PayloadException(ex.Path ?? "$", $"invalid JSON at line {ex.LineNumber + 1}: {ex.Message}");
        }
    }

    private static PosParseResult Map(JsonElement transaction, int index, string? batchStore, string batchCurrency)
    {
        var at = $"transactions[{index}]";
        try
        {
            return new PosParseResult.Parsed(index + 1, MapTransaction(transaction, at, batchStore, batchCurrency));
        }
        catch (PayloadException ex)
        {
            return new PosParseResult.Malformed(index + 1, ReceiptHint(transaction, batchStore), ex.Message);
        }
    }

    private static PosTransaction MapTransaction(JsonElement tx, string at, string? batchStore, string batchCurrency)
    {
        if (tx.ValueKind != JsonValueKind.Object)
            throw new PayloadException(at, "expected an object");
        var receipt = new ReceiptKey(
            OptionalText(tx, "storeId", at) ?? batchStore ?? throw Missing(at, "storeId"),
            RequiredText(tx, "workstationId", at),
            PosValues.BusinessDay(RequiredText(tx, "businessDay", at), $"{at}.businessDay"),
            RequiredText(tx, "sequenceNumber", at));
        var type = RequiredText(tx, "type", at);
        var kind = type.ToLowerInvariant() switch
        {
            "sale" => PosTransactionKind.Sale,
            "return" => PosTransactionKind.Return,
            "void" => PosTransactionKind.Void,
            "tillclose" => PosTransactionKind.TillClose,
            "control" => PosTransactionKind.Control,
            _ => throw new PayloadException($"{at}.type", $"'{type}' is not one of sale, return, void, tillClose, control"),
        };
        var masked = false;

        return new PosTransaction(
            receipt,
            kind,
            OptionalText(tx, "endDateTime", at) is { } end ? PosValues.Timestamp(end, $"{at}.endDateTime") : null,
            OptionalText(tx, "operatorId", at),
            OptionalText(tx, "currency", at) ?? batchCurrency,
            [.. Items(tx, "lines", at).Select((line, i) => Line(line.Item, line.At, i + 1, kind, receipt.StoreId))],
            [.. Items(tx, "tenders", at).Select(t => Tender(t.Item, t.At, ref masked))],
            [.. Items(tx, "taxes", at).Select(t => new PosTax(
                OptionalText(t.Item, "name", t.At) ?? "Tax",
                OptionalDecimal(t.Item, "rate", t.At) ?? 0m,
                OptionalDecimal(t.Item, "taxableAmount", t.At) ?? 0m,
                RequiredDecimal(t.Item, "amount", t.At)))],
            [.. Items(tx, "discounts", at).Select(d => new PosDiscount(
                OptionalText(d.Item, "reason", d.At), Math.Abs(RequiredDecimal(d.Item, "amount", d.At))))],
            OptionalText(tx, "loyaltyId", at),
            OptionalText(tx, "customerEmail", at),
            OptionalText(tx, "customerPhone", at),
            [.. Items(tx, "tillTotals", at).Select(t => new TenderTotal(
                RequiredText(t.Item, "tenderType", t.At),
                RequiredDecimal(t.Item, "amount", t.At),
                OptionalDecimal(t.Item, "count", t.At) is { } count ? (int)count : 0))],
            OptionalDecimal(tx, "total", at),
            masked);
    }

    private static PosLine Line(JsonElement line, string at, int position, PosTransactionKind kind, string store)
    {
        var quantity = RequiredDecimal(line, "quantity", at);
        var unitPrice = RequiredDecimal(line, "unitPrice", at);
        var lineKind = OptionalText(line, "kind", at)?.ToLowerInvariant() switch
        {
            null => kind == PosTransactionKind.Return ? PosLineKind.Return : PosLineKind.Sale,
            "sale" => PosLineKind.Sale,
            "return" => PosLineKind.Return,
            var other => throw new PayloadException($"{at}.kind", $"'{other}' is not sale or return"),
        };
        return new PosLine(
            position,
            lineKind,
            RequiredText(line, "itemId", at),
            OptionalText(line, "barcode", at),
            OptionalText(line, "description", at) is { } text ? PanMasker.MaskText(text).Text : null,
            quantity,
            OptionalText(line, "unitOfMeasure", at),
            unitPrice,
            OptionalDecimal(line, "extendedAmount", at) ?? Math.Round(quantity * unitPrice, 2),
            Math.Abs(OptionalDecimal(line, "discount", at) ?? 0m),
            OptionalDecimal(line, "tax", at) ?? 0m,
            OptionalBool(line, "voided", at) ?? false,
            Object(line, "originalReceipt", at) is { } original ? OriginalReceipt(original, $"{at}.originalReceipt", store) : null);
    }

    private static ReceiptKey OriginalReceipt(JsonElement receipt, string at, string store) => new(
        OptionalText(receipt, "storeId", at) ?? store,
        RequiredText(receipt, "workstationId", at),
        PosValues.BusinessDay(RequiredText(receipt, "businessDay", at), $"{at}.businessDay"),
        RequiredText(receipt, "sequenceNumber", at));

    private static PosTender Tender(JsonElement tender, string at, ref bool panMasked)
    {
        // The edge masks the batch; masking again here keeps a PAN out of the model even if it was bypassed.
        var account = OptionalText(tender, "account", at) ?? OptionalText(tender, "cardNumber", at);
        if (account is not null)
        {
            var (masked, count) = PanMasker.MaskText(account);
            account = masked;
            panMasked |= count > 0 || PanMasker.LooksMasked(masked);
        }
        return new PosTender(
            RequiredText(tender, "type", at),
            RequiredDecimal(tender, "amount", at),
            OptionalBool(tender, "change", at) ?? false,
            OptionalText(tender, "cardType", at),
            account,
            OptionalText(tender, "authorizationCode", at));
    }

    private static IEnumerable<(JsonElement Item, string At)> Items(JsonElement owner, string key, string at)
    {
        if (!owner.TryGetProperty(key, out var array) || array.ValueKind == JsonValueKind.Null)
            return [];
        if (array.ValueKind != JsonValueKind.Array)
            throw new PayloadException($"{at}.{key}", "expected an array");
        return array.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.Object
            ? (item, $"{at}.{key}[{i}]")
            : throw new PayloadException($"{at}.{key}[{i}]", "expected an object"));
    }

    private static JsonElement? Object(JsonElement owner, string key, string at)
    {
        if (!owner.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Object ? value : throw new PayloadException($"{at}.{key}", "expected an object");
    }

    private static string RequiredText(JsonElement owner, string key, string at) =>
        OptionalText(owner, key, at) ?? throw Missing(at, key);

    /// <summary>A string field; a number is accepted as its exact JSON text (ids like 1001 are often unquoted).</summary>
    private static string? OptionalText(JsonElement owner, string key, string at)
    {
        if (!owner.TryGetProperty(key, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text.Trim() : null,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new PayloadException(Field(at, key), "expected a string"),
        };
    }

    private static decimal RequiredDecimal(JsonElement owner, string key, string at) =>
        OptionalDecimal(owner, key, at) ?? throw Missing(at, key);

    private static decimal? OptionalDecimal(JsonElement owner, string key, string at)
    {
        if (!owner.TryGetProperty(key, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number when value.TryGetDecimal(out var number) => number,
            JsonValueKind.String when decimal.TryParse(value.GetString(), DecimalStyle, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw new PayloadException(Field(at, key), $"{value.GetRawText()} is not a decimal number"),
        };
    }

    private static bool? OptionalBool(JsonElement owner, string key, string at)
    {
        if (!owner.TryGetProperty(key, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new PayloadException(Field(at, key), "expected true or false"),
        };
    }

    private static string? ReceiptHint(JsonElement tx, string? batchStore)
    {
        if (tx.ValueKind != JsonValueKind.Object)
            return null;
        string?[] parts =
        [
            Safe(() => OptionalText(tx, "storeId", "")) ?? batchStore,
            Safe(() => OptionalText(tx, "workstationId", "")),
            Safe(() => OptionalText(tx, "businessDay", "")),
            Safe(() => OptionalText(tx, "sequenceNumber", "")),
        ];
        return parts.All(p => p is null) ? null : string.Join('-', parts.Select(p => p ?? "?"));
    }

    private static string? Safe(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (PayloadException)
        {
            return null;
        }
    }

    private static string Field(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";

    private static PayloadException Missing(string at, string key) => new(Field(at, key), "missing");
}

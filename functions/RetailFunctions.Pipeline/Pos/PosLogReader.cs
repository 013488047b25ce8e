using System.Xml;
using RetailFunctions.Domain.Canonical;
using RetailFunctions.Domain.Finance;
using RetailFunctions.Pipeline.Security;

namespace RetailFunctions.Pipeline.Pos;

/// <summary>
/// Reads ARTS/NRF POSLog (IXRetail namespace, vendor extensions such as NCR ACS tolerated) one
/// <c>Transaction</c> at a time, so a file of a million transactions is read in bounded memory. Elements are
/// matched by local name: vendors mix the ARTS namespace, their own and none. Each transaction is loaded into a
/// <see cref="PosElement"/> (a light tree with loop lookups, several times cheaper than LINQ to XML) and mapped by
/// one function per element kind.
/// </summary>
public static class PosLogReader
{
    public const string ArtsNamespace = "http://www.nrf-arts.org/IXRetail/namespace/";

    private const string TransactionPath = "Transaction";
    private static readonly string[] VoidStatuses = ["Voided", "Cancelled", "Canceled", "PostVoided", "Void"];
    private static readonly string[] BarcodeTypes = ["GTIN", "EAN", "UPC", "EAN13", "UPCA"];

    /// <summary>Where a receipt names its customer: loyalty account, email, phone (each list in order of preference).</summary>
    private static readonly string[][] ContactNames =
    [
        ["LoyaltyAccountID", "LoyaltyID", "CustomerAccountID"],
        ["EMail", "EmailAddress", "Email"],
        ["Telephone", "PhoneNumber", "FullTelephoneNumber"],
    ];

    private static readonly string?[] NoContacts = new string?[ContactNames.Length];

    /// <summary>
    /// Reader settings for untrusted POS uploads: no DTD (so no entity expansion or external entities), no
    /// resolver. A fresh instance each time, so no caller can loosen a shared one.
    /// </summary>
    public static XmlReaderSettings Secure => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
        MaxCharactersFromEntities = 1024,
    };

    /// <summary>
    /// Yields each transaction in document order. A transaction with missing or invalid required data is
    /// <see cref="PosParseResult.Malformed"/> and reading continues.
    /// </summary>
    /// <exception cref="PayloadException">The document is not well-formed XML or declares a DTD; transactions
    /// already yielded stay valid.</exception>
    public static IEnumerable<PosParseResult> Read(Stream xml, string defaultCurrency = "USD")
    {
        using var reader = XmlReader.Create(xml, Secure);
        var loader = new PosElement.Loader([.. ContactNames.SelectMany(names => names)]);
        var position = 0;
        while (NextTransaction(reader, loader, position) is { } transaction)
        {
            position++;
            yield return Map(transaction, position, defaultCurrency);
        }
    }

    private static PosElement? NextTransaction(XmlReader reader, PosElement.Loader loader, int seen)
    {
        try
        {
            while (!reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == TransactionPath && IsPosLogNamespace(reader.NamespaceURI))
                {
                    var element = loader.Load(reader);
                    reader.Read();
                    return element;
                }
                reader.Read();
            }
            return null;
        }
        catch (XmlException ex)
        {
            throw new PayloadException(
                $"Transaction[{seen + 1}]",
                $"not well-formed XML at line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message}");
        }
    }

    private static bool IsPosLogNamespace(string ns) => ns.Length == 0 || ns == ArtsNamespace;

    private static PosParseResult Map(PosElement transaction, int position, string defaultCurrency)
    {
        try
        {
            return new PosParseResult.Parsed(position, MapTransaction(transaction, defaultCurrency));
        }
        catch (PayloadException ex)
        {
            return new PosParseResult.Malformed(position, ReceiptHint(transaction), ex.Message);
        }
    }

    private static PosTransaction MapTransaction(PosElement tx, string defaultCurrency)
    {
        var endText = TextSpan(tx, "EndDateTime");
        var end = endText.IsEmpty ? (DateTimeOffset?)null : PosValues.Timestamp(endText, "Transaction/EndDateTime");
        var (day, dayStated) = BusinessDayOf(tx, end);
        var receipt = new ReceiptKey(
            Required(tx, "RetailStoreID", TransactionPath),
            Required(tx, "WorkstationID", TransactionPath),
            day,
            Required(tx, "SequenceNumber", TransactionPath));
        var header = new Header(receipt, end, Text(tx, "OperatorID"), Text(tx, "CurrencyCode") ?? defaultCurrency, dayStated);

        if (Child(tx, "RetailTransaction") is { } retail)
            return MapRetail(tx, retail, header);

        var control = Child(tx, "TenderControlTransaction") ?? Child(tx, "ControlTransaction");
        if (control?.FirstDescendant("TillSettle") is { } settle)
        {
            const string At = "Transaction/TenderControlTransaction/TillSettle";
            return header.Build(PosTransactionKind.TillClose, tillTotals: TillTotals(settle, At), tillSales: Sum(settle, ["Sales"], At));
        }
        return header.Build(PosTransactionKind.Control);
    }

    /// <summary>
    /// The till's BusinessDayDate wins. Without one, the transaction is dated by when it ended: provisionally its UTC
    /// date, which the ingestion replaces by the store's local date (only the store's time zone knows it).
    /// </summary>
    private static (DateOnly Day, bool Stated) BusinessDayOf(PosElement tx, DateTimeOffset? end)
    {
        var stated = TextSpan(tx, "BusinessDayDate");
        if (!stated.IsEmpty)
            return (PosValues.BusinessDay(stated, "Transaction/BusinessDayDate"), true);
        // A wall clock without an offset is the store's own local time: its date is the business day.
        if (end is { } ended && !HasOffset(TextSpan(tx, "EndDateTime")))
            return (DateOnly.FromDateTime(ended.DateTime), true);
        if (end is { } instant)
            return (DateOnly.FromDateTime(instant.UtcDateTime), false);
        throw new PayloadException("Transaction/BusinessDayDate", "missing, and no EndDateTime to date the transaction by");
    }

    private static bool HasOffset(ReadOnlySpan<char> timestamp) =>
        timestamp.EndsWith('Z') || timestamp.EndsWith('z')
        || timestamp.IndexOf('T') is var t and > 0 && timestamp[t..].IndexOfAny('+', '-') > 0;

    private static PosTransaction MapRetail(PosElement tx, PosElement retail, Header header)
    {
        var parts = new RetailParts(header.Currency);
        var index = 0;
        foreach (var item in Children(retail, "LineItem"))
        {
            index++;
            var at = LineItemPath(index);
            var voided = Flag(item, "VoidFlag");
            if (Child(item, "Sale") is { } sale)
                parts.Lines.Add(MapLine(item, sale, PosLineKind.Sale, voided, LineItemPath(index, "/Sale"), retail, header, parts));
            else if (Child(item, "Return") is { } ret)
                parts.Lines.Add(MapLine(item, ret, PosLineKind.Return, voided, LineItemPath(index, "/Return"), retail, header, parts));
            else if (voided)
                continue;
            else if (Child(item, "Tender") is { } tender)
                MapTender(tender, LineItemPath(index, "/Tender"), parts);
            else if (Child(item, "TenderChange") is { } change)
                parts.Tenders.Add(new PosTender(
                    Attr(change, "TenderType") ?? "Cash", Amount(change, "Amount", at + "/TenderChange"), true, null, null, null));
            else if (Child(item, "Tax") is { } tax)
                parts.Taxes.Add(MapTax(tax, LineItemPath(index, "/Tax"), parts));
            else if (Child(item, "Discount") is { } discount)
                parts.Discounts.Add(new PosDiscount(Reason(discount, parts), Math.Abs(Amount(discount, "Amount", at + "/Discount"))));
            else if (Child(item, "LoyaltyReward") is { } reward && LoyaltyDiscount(reward, at + "/LoyaltyReward", parts) is { } loyalty)
                parts.Discounts.Add(loyalty);
        }

        var voids = VoidedReceipt(retail, header);
        if (voids is not null)
        {
            var returned = AsReturnsOf(parts.Lines, voids).ToList();
            parts.Lines.Clear();
            parts.Lines.AddRange(returned);
        }
        var kind = voids is not null ? PosTransactionKind.Return : KindOf(tx, retail, parts.Lines);
        var total = TotalOf(retail, "TransactionGrandAmount");
        var statedTax = TotalOf(retail, "TransactionTaxAmount");
        // Most receipts name no customer: the loader saw none of the names, so the tree is not searched for them.
        var contacts = tx.HoldsWatched ? retail.FirstDescendantTexts(ContactNames) : NoContacts;

        return header.Build(
            kind,
            parts.Lines,
            parts.Tenders,
            parts.Taxes.Count > 0 ? parts.Taxes : parts.LineTaxes,
            parts.Discounts,
            loyaltyId: contacts[0],
            email: contacts[1],
            phone: contacts[2],
            total: total,
            panMasked: parts.PanMasked,
            taxIncluded: parts.TaxIncluded,
            statedTax: statedTax,
            gross: StatedGrossOf(retail),
            voidsReceipt: voids);
    }

    /// <summary>NCR ACS's own gross totals (TotalType acs:GrossPositive, acs:GrossNegative, acs:DiscountTotal), when stated.</summary>
    private static StatedGross? StatedGrossOf(PosElement retail)
    {
        var (positive, negative, discount) = (VendorTotal(retail, "GrossPositive"), VendorTotal(retail, "GrossNegative"), VendorTotal(retail, "DiscountTotal"));
        return positive is null && negative is null && discount is null ? null : new StatedGross(positive, negative, discount);
    }

    private static decimal? VendorTotal(PosElement retail, string type)
    {
        foreach (var total in Children(retail, "Total"))
        {
            // The type after any vendor prefix (acs:GrossPositive).
            if (Attr(total, "TotalType") is { } name && name.AsSpan(name.LastIndexOf(':') + 1).SequenceEqual(type))
                return TotalValue(total, name);
        }
        return null;
    }

    /// <summary>
    /// A post-void names the receipt it voids with a TransactionLink whose ReasonCode is a void. Its day is the link's
    /// BusinessDayDate, else the post-void's own (a till post-voids within its day).
    /// </summary>
    private static ReceiptKey? VoidedReceipt(PosElement retail, Header header)
    {
        if (FirstLink(retail, isVoid: true) is not { } link) return null;
        const string At = "Transaction/RetailTransaction/TransactionLink";
        var sequence = Text(link, "SequenceNumber") ?? throw new PayloadException(At + "/SequenceNumber", "missing: a post-void must name the receipt it voids");
        return new ReceiptKey(Text(link, "RetailStoreID") ?? header.Receipt.StoreId, Text(link, "WorkstationID") ?? header.Receipt.WorkstationId,
            Text(link, "BusinessDayDate") is { } day ? PosValues.BusinessDay(day, At + "/BusinessDayDate") : header.Receipt.BusinessDay, sequence);
    }

    /// <summary>The element's first TransactionLink that is a void's link, or that is not.</summary>
    private static PosElement? FirstLink(PosElement element, bool isVoid)
    {
        foreach (var link in Children(element, "TransactionLink"))
        {
            if (IsVoidLink(link) == isVoid) return link;
        }
        return null;
    }

    /// <summary>The voided receipt's lines, as the post-void repeats them, go back as a return linked to that receipt.</summary>
    private static IEnumerable<PosLine> AsReturnsOf(IEnumerable<PosLine> lines, ReceiptKey voided) =>
        lines.Select(l => l.Kind == PosLineKind.Sale ? l with { Kind = PosLineKind.Return, OriginalReceipt = voided, OriginalLineNumber = l.Position } : l).ToList();

    private static PosTransactionKind KindOf(PosElement tx, PosElement retail, IReadOnlyList<PosLine> lines)
    {
        if (IsVoided(tx, retail)) return PosTransactionKind.Void;
        if (Flag(tx, "TrainingModeFlag") || Flag(retail, "TrainingModeFlag")) return PosTransactionKind.Training;
        if (IsSuspended(tx, retail)) return PosTransactionKind.Suspended;
        var returned = false;
        foreach (var line in lines)
        {
            if (line.Voided) continue;
            if (line.Kind != PosLineKind.Return) return PosTransactionKind.Sale;
            returned = true;
        }
        return returned ? PosTransactionKind.Return : PosTransactionKind.Sale;
    }

    private static decimal? TotalOf(PosElement retail, string type)
    {
        foreach (var total in Children(retail, "Total"))
        {
            if (Attr(total, "TotalType") == type)
                return TotalValue(total, type);
        }
        return null;
    }

    private static decimal TotalValue(PosElement total, string type) =>
        PosValues.TryDecimal(total.Text, out var value)
            ? value
            : PosValues.Decimal(total.Text, $"Transaction/RetailTransaction/Total[@TotalType='{type}']");

    private static PosLine MapLine(
        PosElement item, PosElement line, PosLineKind kind, bool voided, string at, PosElement retail, Header header, RetailParts parts)
    {
        var (barcode, firstPosItemId) = PosItemIds(line);
        var itemId = Text(line, "ItemID") ?? firstPosItemId ?? throw new PayloadException(at + "/ItemID", "missing");

        var quantityElement = Child(line, "Quantity");
        var quantity = quantityElement is { } written ? PosValues.Decimal(written.Text, at, "Quantity") : 1m;
        // The price charged wins over the list price when a till logs both.
        var unitPrice = OptionalAmount(line, "ActualSalesUnitPrice", at) ?? OptionalAmount(line, "RegularSalesUnitPrice", at);
        var extended = OptionalAmount(line, "ExtendedAmount", at);
        var (modified, taxed, modifierDiscount, lineTax) = (0, 0, 0m, 0m);
        foreach (var modifier in Children(line, "RetailPriceModifier"))
            modifierDiscount += MapModifier(modifier, new At(at, "RetailPriceModifier", ++modified), parts).Amount;
        // A line's own price modifiers are its discount, not the receipt's: counting them twice loses money.
        var stated = OptionalAmount(line, "DiscountAmount", at);
        var discount = stated is { } d && d != 0m ? d : modifierDiscount;
        foreach (var tax in Children(line, "Tax"))
        {
            var mapped = MapTax(tax, new At(at, "Tax", ++taxed), parts);
            parts.LineTaxes.Add(mapped);
            lineTax += mapped.Amount;
        }

        var link = kind == PosLineKind.Return ? ReturnLink(line, item, retail) : null;
        var original = link is { } linked ? OriginalReceipt(linked, header.Receipt.StoreId, at + "/TransactionLink") : null;

        return new PosLine(
            int.TryParse(TextSpan(item, "SequenceNumber"), out var number) ? number : parts.Lines.Count + 1,
            kind,
            itemId,
            barcode,
            Mask(Text(line, "Description"), parts),
            quantity,
            quantityElement is { } unit ? Attr(unit, "UnitOfMeasureCode") : null,
            unitPrice ?? (quantity == 0 ? 0 : Math.Round((extended ?? 0) / quantity, 2)),
            extended ?? Math.Round(quantity * (unitPrice ?? 0), 2),
            Math.Abs(discount),
            lineTax,
            voided,
            original,
            link is { } numbered ? OriginalLineNumber(numbered, at + "/TransactionLink") : null,
            link is { } printing && original is null && Text(printing, "SequenceNumber") is { } printed
                ? $"{Text(printing, "RetailStoreID") ?? header.Receipt.StoreId}-{printed}" : null,
            OptionalAmount(line, "ExtendedDiscountAmount", at) is { } extendedDiscount ? Math.Abs(extendedDiscount) : null,
            IsGiftCardLine(line));
    }

    /// <summary>The first POSItemID of a barcode type (GTIN, EAN, UPC), and the first of any type.</summary>
    private static (string? Barcode, string? First) PosItemIds(PosElement line)
    {
        string? barcode = null, first = null;
        foreach (var identity in Children(line, "POSIdentity"))
        {
            if (Text(identity, "POSItemID") is not { } id) continue;
            first ??= id;
            if (barcode is null && OneOf(Attr(identity, "POSIDType"), BarcodeTypes))
                barcode = id;
        }
        return (barcode, first);
    }

    /// <summary>
    /// Where a field is, for its error: a path, and for one of a line's repeated elements (Tax[2]) its name and number
    /// from 1. The text is built only when an error names the field, not for every line read.
    /// </summary>
    private readonly record struct At(string Parent, string? Name = null, int Number = 0)
    {
        public static implicit operator At(string path) => new(path);

        public override string ToString() => Name is null ? Parent : $"{Parent}/{Name}[{Number}]";
    }

    private static readonly string[] GiftCardItemTypes = ["GiftCertificate", "GiftCard", "StoredValue", "StoredValueCard"];

    /// <summary>A gift card or certificate sold: by the Sale's ItemType, or a GiftCertificate/GiftCard/StoredValueFund element on the line.</summary>
    private static bool IsGiftCardLine(PosElement line)
    {
        if (OneOf(Attr(line, "ItemType"), GiftCardItemTypes)) return true;
        foreach (var element in line.Elements)
        {
            if (element.LocalName is "GiftCertificate" or "GiftCard" or "StoredValueFund") return true;
        }
        return false;
    }

    /// <summary>Whether the value is one of these, ignoring case (a loop: this runs for every line read).</summary>
    private static bool OneOf(string? value, string[] candidates)
    {
        if (value is null) return false;
        foreach (var candidate in candidates)
        {
            if (value.Equals(candidate, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>A return's link to the sale it returns: on the line, its line item, or the whole transaction (any but a void's).</summary>
    private static PosElement? ReturnLink(PosElement line, PosElement item, PosElement retail) =>
        FirstLink(line, isVoid: false) ?? FirstLink(item, isVoid: false) ?? FirstLink(retail, isVoid: false);

    private static bool IsVoidLink(PosElement link) =>
        Attr(link, "ReasonCode") is { } reason && (IsVoidStatus(reason) || reason.Equals("PostVoid", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The full receipt a link names. Its day is the link's BusinessDayDate, else the date its till wrote on the original
    /// (BeginDateTime or EndDateTime). Without a day or a till it names the receipt by number only (see MapLine).
    /// </summary>
    private static ReceiptKey? OriginalReceipt(PosElement link, string currentStore, string at)
    {
        var workstation = Text(link, "WorkstationID");
        var sequence = Text(link, "SequenceNumber");
        var day = Text(link, "BusinessDayDate") is { } stated ? PosValues.BusinessDay(stated, at + "/BusinessDayDate")
            : (Text(link, "BeginDateTime") ?? Text(link, "EndDateTime")) is { } written ? PosValues.BusinessDay(written, at + "/BeginDateTime")
            : (DateOnly?)null;
        if (workstation is null || sequence is null || day is null)
            return null;
        return new ReceiptKey(Text(link, "RetailStoreID") ?? currentStore, workstation, day.Value, sequence);
    }

    /// <summary>The original receipt's line a return gives back (POSLog's LineItemSequenceNumber on the link).</summary>
    private static int? OriginalLineNumber(PosElement link, string at) =>
        Text(link, "LineItemSequenceNumber") is { } number ? PosValues.Integer(number, at + "/LineItemSequenceNumber") : null;

    private static void MapTender(PosElement tender, string at, RetailParts parts)
    {
        var type = Attr(tender, "TenderType") ?? Text(tender, "TenderType") ?? "Unknown";
        var creditDebit = Child(tender, "CreditDebit");
        var accountElement = tender.FirstDescendant(e => IsAccountElement(e.LocalName));
        var account = accountElement is { } found ? Mask(found.Value.Trim(), parts) : null;
        if (PanMasker.LooksMasked(account))
            parts.PanMasked = true;

        var (amount, foreignAmount, foreignCurrency) = TenderAmount(tender, at, parts.Currency);
        parts.Tenders.Add(new PosTender(
            type,
            amount,
            false,
            creditDebit is { } card ? Attr(card, "CardType") ?? Text(card, "CardType") : null,
            account,
            tender.FirstDescendant("AuthorizationCode")?.TrimmedValue,
            IsRefund: string.Equals(Attr(tender, "TypeCode") ?? Text(tender, "TypeCode"), "Refund", StringComparison.OrdinalIgnoreCase),
            ForeignAmount: foreignAmount,
            ForeignCurrency: foreignCurrency));

        // Change and cash back leave the drawer in cash unless the till names another tender: a card tender's
        // change is not taken off the card.
        if (Child(tender, "TenderChange") is { } change)
            parts.Tenders.Add(new PosTender(Attr(change, "TenderType") ?? Text(change, "TenderType") ?? "Cash",
                Amount(change, "Amount", at + "/TenderChange"), true, null, null, null));
        if (creditDebit is { } debit && OptionalAmount(debit, "CashBackAmount", at + "/CreditDebit") is { } cashBack and not 0m)
            parts.Tenders.Add(new PosTender("Cash", cashBack, true, null, null, null));
    }

    /// <summary>
    /// A tender's money in the store's currency. A foreign-currency tender (a ForeignCurrency element, or an Amount whose
    /// Currency attribute is not the store's) keeps what was handed over; the store's amount is the one the till stated,
    /// else the foreign amount at the till's stated ExchangeRate (store currency per foreign unit), in the store's minor unit.
    /// </summary>
    private static (decimal Amount, decimal? ForeignAmount, string? ForeignCurrency) TenderAmount(PosElement tender, string at, string currency)
    {
        var amountElement = Child(tender, "Amount");
        var foreign = Child(tender, "ForeignCurrency");
        var amountCurrency = amountElement is { } amounted ? Attr(amounted, "Currency") ?? Attr(amounted, "CurrencyCode") : null;
        if (foreign is null && (amountCurrency is null || amountCurrency.Equals(currency, StringComparison.OrdinalIgnoreCase)))
            return (Amount(tender, "Amount", at), null, null);
        var code = foreign is not { } named ? amountCurrency! : Text(named, "CurrencyCode") ?? Attr(named, "CurrencyCode")
            ?? throw new PayloadException(at + "/ForeignCurrency/CurrencyCode", "missing");
        var handed = foreign is not { } given ? Amount(tender, "Amount", at)
            : OptionalAmount(given, "Amount", at + "/ForeignCurrency") ?? Amount(given, "OriginalFaceAmount", at + "/ForeignCurrency");
        var stated = foreign is null ? null : OptionalAmount(tender, "Amount", at);
        if (stated is { } inStoreCurrency) return (inStoreCurrency, handed, code);
        var rate = (foreign is { } rated ? OptionalAmount(rated, "ExchangeRate", at + "/ForeignCurrency") : null)
            ?? OptionalAmount(tender, "ExchangeRate", at)
            ?? throw new PayloadException(at + "/ExchangeRate", $"missing: a tender of {handed} {code} needs the rate to the store's {currency}");
        return (Currencies.Round(handed * rate, currency), handed, code);
    }

    private static bool IsAccountElement(string name) =>
        name.Contains("AccountNumber", StringComparison.Ordinal)
        || name.Contains("CardNumber", StringComparison.Ordinal)
        || name.Contains("PAN", StringComparison.Ordinal);

    private static PosTax MapTax(PosElement tax, At at, RetailParts parts)
    {
        var percent = OptionalAmount(tax, "Percent", at);
        if (Flag(tax, "TaxIncludedInPriceFlag")
            || Child(tax, "TaxableAmount") is { } taxable && Flag(taxable, "TaxIncludedInTaxableAmountFlag"))
            parts.TaxIncluded = true;
        return new PosTax(
            Attr(tax, "TaxType") ?? Text(tax, "TaxAuthority") ?? Text(tax, "TaxGroupID") ?? "Tax",
            // Percent 8.25 is carried as the rate 0.0825, like the web store's tax lines.
            percent is null ? 0m : percent.Value / 100m,
            OptionalAmount(tax, "TaxableAmount", at) ?? 0m,
            TaxAmount(tax, at));
    }

    /// <summary>
    /// The tax charged: its Amount; without one, a TaxOverride's NewTaxAmount, or nothing for a TaxExemption (the
    /// exempt tax was not charged).
    /// </summary>
    private static decimal TaxAmount(PosElement tax, At at)
    {
        if (OptionalAmount(tax, "Amount", at) is { } amount) return amount;
        if (Child(tax, "TaxOverride") is { } overridden)
            return OptionalAmount(overridden, "NewTaxAmount", at + "/TaxOverride") ?? Amount(overridden, "Amount", at + "/TaxOverride");
        if (Child(tax, "TaxExemption") is not null) return 0m;
        throw new PayloadException(at + "/Amount", "missing");
    }

    // A price override logs the previous and new price without an Amount: the extended amount is already at the new
    // price, so it takes nothing more off.
    private static PosDiscount MapModifier(PosElement modifier, At at, RetailParts parts) =>
        new(Reason(modifier, parts), Math.Abs(OptionalAmount(modifier, "Amount", at) ?? 0m));

    // A reward with an Amount is money off the receipt. NCR logs each monetary loyalty reward twice, once detailed
    // and once summarized; only the detailed entry counts, or the discount would be taken twice.
    private static PosDiscount? LoyaltyDiscount(PosElement reward, string at, RetailParts parts)
    {
        if (OptionalAmount(reward, "Amount", at) is { } amount and not 0m)
            return new PosDiscount(Mask(Text(reward, "PromotionID") is { } id ? $"loyalty promotion {id}" : "loyalty reward", parts), Math.Abs(amount));
        if (Attr(reward, "detailedData") != "true" || Text(reward, "RewardCategory") != "Monetary")
            return null;
        var extended = OptionalAmount(reward, "ExtendedRewardAmount", at) ?? 0m;
        if (extended >= 0)
            return null;
        var promotion = Text(reward, "PromotionID");
        return new PosDiscount(Mask(promotion is null ? "loyalty reward" : $"loyalty promotion {promotion}", parts), -extended);
    }

    private static string? Reason(PosElement element, RetailParts parts) =>
        Mask(Text(element, "ReasonCode") ?? Text(element, "Description") ?? Text(element, "PromotionID"), parts);

    private static readonly string[] FloatElements = ["Loan", "OpeningFloat", "Float", "Beginning", "OpeningBalance"];

    /// <summary>
    /// What the till took per tender by its count at close: the ending balance less the opening float it started with,
    /// plus what was picked up from the drawer during the day (that was takings too). Without an ending balance,
    /// whatever amounts the settle lists.
    /// </summary>
    private static List<TenderTotal> TillTotals(PosElement settle, string at)
    {
        var endings = Sum(settle, ["Ending"], at);
        if (endings.Count == 0)
            return Sum(settle, null, at);
        var floats = Sum(settle, FloatElements, at).ToDictionary(t => t.TenderType, t => t.Amount);
        var pickups = Sum(settle, ["Pickup"], at).ToDictionary(t => t.TenderType, t => t.Amount);
        return [.. endings.Select(e => e with { Amount = e.Amount - floats.GetValueOrDefault(e.TenderType) + pickups.GetValueOrDefault(e.TenderType) })];
    }

    /// <summary>Amounts and counts per tender of the settle's elements with these names (any element when null).</summary>
    private static List<TenderTotal> Sum(PosElement settle, string[]? names, string at) =>
        settle.Descendants()
            .Where(e => Attr(e, "TenderType") is not null && Child(e, "Amount") is not null && (names is null || names.Contains(e.LocalName)))
            .GroupBy(e => Attr(e, "TenderType")!)
            .Select(g => new TenderTotal(
                g.Key,
                g.Sum(e => Amount(e, "Amount", $"{at}/{e.LocalName}")),
                g.Sum(e => Text(e, "Count") is { } count ? PosValues.Integer(count, $"{at}/{e.LocalName}/Count") : 0)))
            .ToList();

    private static bool IsVoided(PosElement tx, PosElement retail) =>
        Flag(tx, "CancelFlag") || Flag(tx, "VoidFlag") || Flag(retail, "CancelFlag") || Flag(retail, "VoidFlag")
        || IsVoidStatus(Attr(retail, "TransactionStatus")) || IsVoidStatus(Text(retail, "TransactionStatus"))
        || IsVoidStatus(Attr(tx, "TransactionStatus")) || IsVoidStatus(Text(tx, "TransactionStatus"));

    private static bool IsSuspended(PosElement tx, PosElement retail) =>
        Flag(tx, "SuspendFlag") || Flag(retail, "SuspendFlag")
        || string.Equals(Attr(retail, "TransactionStatus") ?? Text(retail, "TransactionStatus"), "Suspended", StringComparison.OrdinalIgnoreCase);

    private static bool IsVoidStatus(string? status) => OneOf(status, VoidStatuses);

    /// <summary>A boolean ARTS flag, written either as an attribute or as a child element.</summary>
    private static bool Flag(PosElement element, string name) => Attr(element, name) is { } attribute
        ? attribute.Equals("true", StringComparison.OrdinalIgnoreCase)
        : TextSpan(element, name).Equals("true", StringComparison.OrdinalIgnoreCase);

    private static string? Mask(string? text, RetailParts parts)
    {
        if (text is null)
            return null;
        var (masked, count) = PanMasker.MaskText(text);
        if (count > 0)
            parts.PanMasked = true;
        return masked;
    }

    private static string? ReceiptHint(PosElement tx)
    {
        string[] parts = [.. new[] { "RetailStoreID", "WorkstationID", "BusinessDayDate", "SequenceNumber" }.Select(n => Text(tx, n) ?? "?")];
        return parts.All(p => p == "?") ? null : string.Join('-', parts);
    }

    private static PosElement? Child(PosElement parent, string localName) => parent.Element(localName);

    private static PosElement.NamedElements Children(PosElement parent, string localName) => parent.ElementsNamed(localName);

    private static string? Attr(PosElement element, string localName) => element.Attribute(localName);

    private static string? Text(PosElement parent, string localName) => Child(parent, localName)?.TrimmedValue;

    /// <summary>What <see cref="Text"/> gives, without making a string: empty for a missing or blank element.</summary>
    private static ReadOnlySpan<char> TextSpan(PosElement parent, string localName) =>
        Child(parent, localName) is { } child ? child.Text.Trim() : default;

    private static string Required(PosElement parent, string localName, string at) =>
        Text(parent, localName) ?? throw new PayloadException($"{at}/{localName}", "missing");

    private static decimal Amount(PosElement parent, string localName, At at)
    {
        var text = TextSpan(parent, localName);
        return text.IsEmpty ? throw new PayloadException($"{at}/{localName}", "missing") : Decimal(text, at, localName);
    }

    private static decimal? OptionalAmount(PosElement parent, string localName, At at)
    {
        var text = TextSpan(parent, localName);
        return text.IsEmpty ? null : Decimal(text, at, localName);
    }

    private static decimal Decimal(ReadOnlySpan<char> text, At at, string localName) =>
        PosValues.TryDecimal(text, out var value) ? value : PosValues.Decimal(text, at.ToString(), localName);

    // Paths name a field in an error; the common ones are built once rather than for every line read.
    private static readonly string[] PathSuffixes = ["", "/Sale", "/Return", "/Tender", "/Tax"];
    private static readonly string[][] LineItemPaths =
        [.. PathSuffixes.Select(suffix => Enumerable.Range(0, 64).Select(i => $"Transaction/RetailTransaction/LineItem[{i}]{suffix}").ToArray())];

    private static string LineItemPath(int index, string suffix = "") =>
        index < 64 && Array.IndexOf(PathSuffixes, suffix) is >= 0 and var kind ? LineItemPaths[kind][index] : $"Transaction/RetailTransaction/LineItem[{index}]{suffix}";

    private sealed class RetailParts(string currency)
    {
        public string Currency { get; } = currency;
        public List<PosLine> Lines { get; } = [];
        public List<PosTender> Tenders { get; } = [];
        public List<PosTax> Taxes { get; } = [];
        public List<PosTax> LineTaxes { get; } = [];
        public List<PosDiscount> Discounts { get; } = [];
        public bool PanMasked { get; set; }
        public bool TaxIncluded { get; set; }
    }

    private sealed record Header(ReceiptKey Receipt, DateTimeOffset? End, string? OperatorId, string Currency, bool BusinessDayStated)
    {
        public PosTransaction Build(
            PosTransactionKind kind,
            IReadOnlyList<PosLine>? lines = null,
            IReadOnlyList<PosTender>? tenders = null,
            IReadOnlyList<PosTax>? taxes = null,
            IReadOnlyList<PosDiscount>? discounts = null,
            string? loyaltyId = null,
            string? email = null,
            string? phone = null,
            IReadOnlyList<TenderTotal>? tillTotals = null,
            decimal? total = null,
            bool panMasked = false,
            bool taxIncluded = false,
            decimal? statedTax = null,
            IReadOnlyList<TenderTotal>? tillSales = null,
            StatedGross? gross = null,
            ReceiptKey? voidsReceipt = null) =>
            new(Receipt, kind, End, OperatorId, Currency, lines ?? [], tenders ?? [], taxes ?? [], discounts ?? [],
                loyaltyId, email, phone, tillTotals ?? [], total, panMasked, taxIncluded, statedTax, tillSales, BusinessDayStated, gross, voidsReceipt);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RetailFunctions.Domain.Finance;

namespace RetailFunctions.Pipeline.Finance;

/// <summary>
/// JSON for financial facts: camelCase, with the fact kind in "kind" ("sale", "return", "refund", "gift-card-sold",
/// "chargeback", "chargeback-reversed", "processor-fee", "payout", "cash-count"). The domain stays free of
/// serialization attributes; the mapping is declared here once.
/// </summary>
public static class FinanceJson
{
    public static readonly IReadOnlyDictionary<string, Type> Kinds = new Dictionary<string, Type>
    {
        ["sale"] = typeof(FinancialFact.Sale),
        ["return"] = typeof(FinancialFact.Return),
        ["refund"] = typeof(FinancialFact.Refund),
        ["gift-card-sold"] = typeof(FinancialFact.GiftCardSold),
        ["chargeback"] = typeof(FinancialFact.Chargeback),
        ["chargeback-reversed"] = typeof(FinancialFact.ChargebackReversed),
        ["processor-fee"] = typeof(FinancialFact.ProcessorFee),
        ["payout"] = typeof(FinancialFact.Payout),
        ["cash-count"] = typeof(FinancialFact.CashCount),
    };

    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info =>
        {
            if (info.Type == typeof(FinancialFact))
            {
                info.PolymorphismOptions = new JsonPolymorphismOptions
                {
                    TypeDiscriminatorPropertyName = "kind",
                    UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
                };
                foreach (var (name, type) in Kinds) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, name));
            }
            // The computed Kind is the discriminator itself.
            if (typeof(FinancialFact).IsAssignableFrom(info.Type) && info.Kind == JsonTypeInfoKind.Object)
            {
                for (var i = info.Properties.Count - 1; i >= 0; i--)
                    if (info.Properties[i].Name == "kind") info.Properties.RemoveAt(i);
            }
        });
        return new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = resolver, AllowOutOfOrderMetadataProperties = true };
    }

    public static string Serialize(FinancialFact fact) => JsonSerializer.Serialize(fact, Options);

    /// <summary>A fact from JSON, or why the JSON is not one.</summary>
    public static (FinancialFact? Fact, string? Error) Read(string json)
    {
        try
        {
            var fact = JsonSerializer.Deserialize<FinancialFact>(json, Options);
            return fact is null ? (null, "the body is not a financial fact") : (fact, null);
        }
        catch (JsonException e) when (e.Message.Contains("discriminator", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"kind must be one of {string.Join(", ", Kinds.Keys)}");
        }
        catch (JsonException e)
        {
            return (null, e.Path is { } path ? $"{path}: {e.Message}" : e.Message);
        }
        catch (NotSupportedException e)
        {
            return (null, $"kind must be one of {string.Join(", ", Kinds.Keys)}: {e.Message}");
        }
    }
}

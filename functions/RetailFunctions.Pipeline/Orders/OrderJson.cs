using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Pipeline.Orders;

/// <summary>
/// JSON for orders, commands, events and effects. The closed sets (an abstract record with its cases nested inside)
/// are written with a "$type" naming the case, so the domain needs no serialization attributes.
/// </summary>
public static class OrderJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ClosedSets } },
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static readonly Type[] ClosedSetRoots = [typeof(OrderCommand), typeof(OrderEvent), typeof(OrderEffect)];

    private static void ClosedSets(JsonTypeInfo info)
    {
        if (!ClosedSetRoots.Contains(info.Type)) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = "$type",
            UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
        };
        foreach (var nested in info.Type.GetNestedTypes().Where(t => t.IsSubclassOf(info.Type)))
            info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(nested, nested.Name));
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"empty {typeof(T).Name}");
}

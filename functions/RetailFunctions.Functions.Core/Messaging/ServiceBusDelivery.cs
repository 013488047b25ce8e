using System.Globalization;
using System.Text.Json;

namespace RetailFunctions.Functions.Core.Messaging;

/// <summary>
/// One Service Bus delivery as Worker.Extensions.ServiceBus 5.7 hands it to a function: the body as a string, and the
/// broker's fields as trigger metadata (FunctionContext.BindingContext.BindingData). The host sends numbers as
/// numbers, strings as strings and everything else (dates, the application properties) as JSON text.
/// </summary>
public sealed record ServiceBusDelivery(BrokerMessage Message, int DeliveryCount, DateTimeOffset? EnqueuedTime)
{
    public const string MessageIdKey = "MessageId";
    public const string DeliveryCountKey = "DeliveryCount";
    public const string EnqueuedTimeKey = "EnqueuedTimeUtc";
    public const string CorrelationIdKey = "CorrelationId";
    public const string ContentTypeKey = "ContentType";
    public const string SubjectKey = "Subject";
    public const string LabelKey = "Label";
    public const string ApplicationPropertiesKey = "ApplicationProperties";
    public const string UserPropertiesKey = "UserProperties";

    /// <summary>The delivery; a missing DeliveryCount counts as the first delivery, a missing MessageId as an error.</summary>
    public static ServiceBusDelivery From(string body, IReadOnlyDictionary<string, object?> bindingData)
    {
        var messageId = Text(bindingData, MessageIdKey)
            ?? throw new InvalidOperationException("the Service Bus trigger's metadata has no MessageId");
        var message = new BrokerMessage(
            messageId,
            Text(bindingData, CorrelationIdKey),
            Text(bindingData, SubjectKey) ?? Text(bindingData, LabelKey),
            Text(bindingData, ContentTypeKey) ?? BrokerMessages.JsonContentType,
            body,
            Properties(bindingData));
        return new ServiceBusDelivery(message, Number(bindingData, DeliveryCountKey) ?? 1, Time(bindingData, EnqueuedTimeKey));
    }

    private static object? Value(IReadOnlyDictionary<string, object?> data, string key) =>
        data.TryGetValue(key, out var value) ? value : data.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>A string value, unquoted when the host sent it as a JSON string.</summary>
    private static string? Text(IReadOnlyDictionary<string, object?> data, string key) => Value(data, key) switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        string { Length: >= 2 } quoted when quoted[0] == '"' && quoted[^1] == '"' => JsonSerializer.Deserialize<string>(quoted),
        string { Length: 0 } => null,
        var other => Convert.ToString(other, CultureInfo.InvariantCulture),
    };

    private static int? Number(IReadOnlyDictionary<string, object?> data, string key) => Value(data, key) switch
    {
        null => null,
        int i => i,
        long l => checked((int)l),
        double d => checked((int)d),
        JsonElement { ValueKind: JsonValueKind.Number } element => element.GetInt32(),
        var other => Text(data, key) is { } text ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : null,
    };

    private static DateTimeOffset? Time(IReadOnlyDictionary<string, object?> data, string key) => Value(data, key) switch
    {
        DateTimeOffset at => at,
        DateTime at => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        _ => Text(data, key) is { } text
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null,
    };

    /// <summary>The application properties (JSON object text, or a dictionary); strings stay strings, numbers become numbers.</summary>
    private static IReadOnlyDictionary<string, object> Properties(IReadOnlyDictionary<string, object?> data)
    {
        var value = Value(data, ApplicationPropertiesKey) ?? Value(data, UserPropertiesKey);
        if (value is IReadOnlyDictionary<string, object> ready) return ready;
        if (value is not string { Length: > 0 } json) return new Dictionary<string, object>();
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) return new Dictionary<string, object>();
        return document.RootElement.EnumerateObject()
            .Where(p => p.Value.ValueKind is not JsonValueKind.Null)
            .ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.String => (object)p.Value.GetString()!,
                JsonValueKind.Number when p.Value.TryGetInt64(out var n) => n,
                JsonValueKind.Number => p.Value.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => p.Value.GetRawText(),
            }, StringComparer.Ordinal);
    }
}

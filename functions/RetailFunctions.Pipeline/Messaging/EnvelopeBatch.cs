using System.Text;
using System.Text.Json;

namespace RetailFunctions.Pipeline.Messaging;

/// <summary>
/// Several envelopes carried by one queue message: <c>{"envelopes":[...],"attempts":n}</c>. Senders that find other
/// envelopes waiting for the same queue write them together, so a burst costs the queue one message per group instead
/// of one per event; on Azurite every queue call scans every message held, so fewer messages keep the whole account
/// fast. <c>attempts</c> counts the deliveries the envelopes already had in an earlier message, when the failed ones
/// of a group are sent on alone.
/// </summary>
public sealed record EnvelopeBatch(IReadOnlyList<Envelope> Envelopes, long Attempts)
{
    private const string Prefix = "{\"envelopes\":[";

    /// <summary>Envelopes already serialized (each a JSON object) as one message body.</summary>
    public static string Format(IReadOnlyList<string> envelopeTexts, long attempts = 0)
    {
        var text = new StringBuilder(Prefix.Length + 24 + envelopeTexts.Sum(t => t.Length + 1));
        text.Append(Prefix);
        for (var i = 0; i < envelopeTexts.Count; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(envelopeTexts[i]);
        }
        return text.Append("],\"attempts\":").Append(attempts).Append('}').ToString();
    }

    /// <summary>The bytes a group of envelope texts takes in a message body.</summary>
    public static int FormattedBytes(int envelopeBytes, int count) => Prefix.Length + envelopeBytes + Math.Max(0, count - 1) + 32;

    /// <summary>True when a message body is a group rather than a single envelope.</summary>
    public static bool IsBatch(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    public static EnvelopeBatch Parse(string text, JsonSerializerOptions options)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        var envelopes = root.GetProperty("envelopes").EnumerateArray()
            .Select(e => e.Deserialize<Envelope>(options) ?? throw new JsonException("a grouped message holds a null envelope"))
            .ToList();
        var attempts = root.TryGetProperty("attempts", out var counted) && counted.ValueKind == JsonValueKind.Number ? counted.GetInt64() : 0;
        return new EnvelopeBatch(envelopes, attempts);
    }
}

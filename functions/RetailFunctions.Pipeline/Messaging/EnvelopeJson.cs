using System.Text.Encodings.Web;
using System.Text.Json;

namespace RetailFunctions.Pipeline.Messaging;

/// <summary>How an envelope is written as a message body, the same on Storage queues and on Service Bus.</summary>
public static class EnvelopeJson
{
    /// <summary>
    /// Compact JSON: a webhook's body travels as a string, and the default encoder writes each of its quotes as
    /// \u0022 (six bytes for one). A message body is read as JSON only, never put into a page, so the relaxed encoder
    /// (which still escapes quotes, backslashes and control characters) is enough.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

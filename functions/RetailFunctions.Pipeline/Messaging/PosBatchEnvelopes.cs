namespace RetailFunctions.Pipeline.Messaging;

/// <summary>The message that hands an uploaded POS batch to its handler.</summary>
public static class PosBatchEnvelopes
{
    /// <summary>
    /// Names the batch and its upload: the handler opens the blob while it reads the batch row instead of after it.
    /// The row stays the authority on which blob the batch is.
    /// </summary>
    public static Envelope Received(string batchId, string upload, string? store, string correlationId, DateTimeOffset at, string source)
    {
        var keys = new Dictionary<string, string> { [BusinessKeys.Batch] = batchId, [BusinessKeys.Upload] = upload };
        if (store is not null) keys[BusinessKeys.Store] = store;
        return new Envelope(Guid.CreateVersion7(at).ToString("N"), MessageTypes.PosBatchReceived, $"pos-batch:{batchId}", correlationId, null,
            keys, at, source, Payload: null, PayloadBlob: null);
    }
}

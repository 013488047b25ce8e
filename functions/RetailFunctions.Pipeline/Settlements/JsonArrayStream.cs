using System.Text.Json;

namespace RetailFunctions.Pipeline.Settlements;

/// <summary>
/// Reads the elements of one JSON array from a stream, one element at a time, with a buffer that grows only to the
/// size of the largest element: the array is either the document itself or the value of a top-level property
/// (<c>{"transactions": [...]}</c>). Other top-level properties are skipped.
/// </summary>
public sealed class JsonArrayStream(Stream stream, string property)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;
    private bool _final;
    private JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
    private Phase _phase = Phase.Root;
    private int _index = -1;

    private enum Phase { Root, Properties, Elements, Done }

    /// <summary>The path of the element last read, for messages: <c>transactions[3]</c>.</summary>
    public string Path => $"{property}[{_index}]";

    /// <summary>The next element, or null after the last one.</summary>
    /// <exception cref="PayloadException">Not JSON, or no such array.</exception>
    public JsonElement? Next()
    {
        while (true)
        {
            if (_phase == Phase.Done) return null;
            var outcome = Step(out var element);
            if (outcome == Outcome.Element) return element;
            if (outcome == Outcome.Progress) continue;
            if (_final)
                throw new PayloadException(_phase == Phase.Elements ? Path : "$", "the JSON ends before it is complete");
            Fill();
        }
    }

    private enum Outcome { Element, Progress, NeedData }

    private Outcome Step(out JsonElement element)
    {
        element = default;
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
        try
        {
            switch (_phase)
            {
                case Phase.Root:
                    if (!reader.Read()) return Outcome.NeedData;
                    _phase = reader.TokenType switch
                    {
                        JsonTokenType.StartArray => Phase.Elements,
                        JsonTokenType.StartObject => Phase.Properties,
                        _ => throw new PayloadException("$", $"expected a JSON object with a '{property}' array, or an array"),
                    };
                    break;
                case Phase.Properties:
                    if (!reader.Read()) return Outcome.NeedData;
                    if (reader.TokenType == JsonTokenType.EndObject)
                        throw new PayloadException(property, $"the document has no '{property}' array");
                    var name = reader.GetString();
                    if (!reader.Read()) return Outcome.NeedData;
                    if (name == property)
                    {
                        if (reader.TokenType != JsonTokenType.StartArray) throw new PayloadException(property, "expected an array");
                        _phase = Phase.Elements;
                    }
                    else if (!reader.TrySkip())
                    {
                        return Outcome.NeedData;
                    }
                    break;
                case Phase.Elements:
                    if (!reader.Read()) return Outcome.NeedData;
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _phase = Phase.Done;
                        break;
                    }
                    if (!JsonDocument.TryParseValue(ref reader, out var document)) return Outcome.NeedData;
                    using (document)
                        element = document.RootElement.Clone();
                    _index++;
                    Commit(ref reader);
                    return Outcome.Element;
            }
            Commit(ref reader);
            return Outcome.Progress;
        }
        catch (JsonException e)
        {
            throw new PayloadException(_phase == Phase.Elements ? $"{property}[{_index + 1}]" : "$",
                $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of the line): {e.Message.Split(" LineNumber")[0]}");
        }
    }

    private void Commit(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _final = true;
        _end += read;
    }
}
